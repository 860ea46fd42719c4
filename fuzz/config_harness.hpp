// The fuzz harness body: one plain function, shared by the libFuzzer target
// and by the test that replays tests/fuzz_regressions/.
#pragma once

#include <stdexcept>
#include <string_view>

namespace ranktopo_fuzz {

/// A broken invariant: a bug in ranktopo, never bad input. Deliberately not a
/// ranktopo::error, so no handler meant for refusals can swallow it.
class invariant_violation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// Families of worlds up to this size are enumerated rank by rank; larger ones
/// are checked on a few ranks only, so that one input stays fast.
inline constexpr int max_enumerated_world = 1 << 16;

/// Feeds arbitrary bytes to ranktopo::parse_config and, for a config that
/// parses, checks validate, make_plan and every family it builds: each
/// partitions the world, lookups agree with enumeration, out-of-range lookups
/// throw lookup_error. Returns when the input is served or refused with a
/// config_error; throws invariant_violation (or lets any other exception out)
/// on a bug.
void check_config_text(std::string_view text);

}  // namespace ranktopo_fuzz
