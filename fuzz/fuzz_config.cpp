// libFuzzer target: arbitrary bytes as a JSON config; see config_harness.hpp.
// An invariant_violation (or any other stray exception) escapes and aborts,
// which libFuzzer records as a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ranktopo_fuzz::check_config_text({reinterpret_cast<const char*>(data), size});
    return 0;
}
