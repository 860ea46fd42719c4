// The demos' report line for one group, so that the MPI and the torch demo
// print their groups alike.
#pragma once

#include <string>
#include <string_view>

#include "ranktopo/family.hpp"

namespace ranktopo_demo {

/// "rank 3: mlp_tp         mlptp          position 1 of 2 [1, 3]": the
/// accessor and creation padded to a column each; the caller appends its
/// verdict.
inline std::string group_line(int rank, std::string_view accessor, std::string_view creation, int position,
                              const ranktopo::group_view& members) {
    constexpr std::size_t column = 15;
    const auto pad = [](std::string_view text) {
        return std::string(text.size() < column ? column - text.size() : 1, ' ');
    };
    std::string line = "rank " + std::to_string(rank) + ": ";
    ((((line += accessor) += pad(accessor)) += creation) += pad(creation));
    line += "position " + std::to_string(position) + " of " + std::to_string(members.size()) + " [";
    for (int k = 0; k < members.size(); ++k) (line += k == 0 ? "" : ", ") += std::to_string(members[k]);
    return line += "]";
}

}  // namespace ranktopo_demo
