// REQUIRE for hot loops. Catch2 v2 records every assertion, passing or not,
// and builds INFO text eagerly: over a million passing checks made that most
// of a sweep's time under the sanitizers. This evaluates the condition alone
// and gives Catch the assertion, with its context, only when it fails.
#pragma once

#include <catch2/catch.hpp>

#define RANKTOPO_REQUIRE_QUIETLY(condition, context) \
    do {                                             \
        if (!(condition)) {                          \
            INFO(context);                           \
            REQUIRE(condition);                      \
        }                                            \
    } while (false)
