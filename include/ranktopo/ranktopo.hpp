// ranktopo — the whole header-only core: layouts, families, config, plan, registry, lint.
#pragma once

#include "ranktopo/analysis.hpp"
#include "ranktopo/backend.hpp"
#include "ranktopo/config.hpp"
#include "ranktopo/engine_checks.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"
#include "ranktopo/lint.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/recording_backend.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/validate.hpp"
#include "ranktopo/version.hpp"
