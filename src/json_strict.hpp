// ranktopo — private: JSON parsing that refuses what nlohmann accepts silently.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ranktopo::detail {

/// Parses `text`; throws config_error from `function` with option `source`
/// when it is not JSON ("<prefix>not valid JSON: ...") or when an object has
/// a key twice ("<prefix>duplicate key 'a.b' (8, then 16)"). `prefix` names the
/// input, e.g. "--additional-config: ", or is empty.
[[nodiscard]] nlohmann::json parse_strict(std::string_view text, const char* function, const std::string& source,
                                          const std::string& prefix);

}  // namespace ranktopo::detail
