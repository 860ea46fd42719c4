// Shared checks for the tests.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/family.hpp"

namespace ranktopo_test {

/// The divisors of n, ascending.
inline std::vector<int> divisors(int n) {
    std::vector<int> out;
    for (int d = 1; d <= n; ++d)
        if (n % d == 0) out.push_back(d);
    return out;
}

/// Every factorization N = E·D·P·C·T for N up to max_n, as configs with
/// nothing else on.
inline std::vector<ranktopo::config> topologies(int max_n) {
    std::vector<ranktopo::config> out;
    for (int n = 1; n <= max_n; ++n)
        for (int d : divisors(n))
            for (int p : divisors(n / d))
                for (int c : divisors(n / d / p))
                    for (int t : divisors(n / d / p / c)) {
                        ranktopo::config cfg;
                        cfg.world_size = n;
                        cfg.data_parallel_size = d;
                        cfg.pipeline_parallel_size = p;
                        cfg.prefill_context_parallel_size = c;
                        cfg.tensor_parallel_size = t;
                        out.push_back(cfg);
                    }
    return out;
}

/// What breaks the invariants every family must hold — its groups partition
/// 0..N-1, all groups have one size, the per-rank lookup agrees with
/// enumeration — or "" when nothing does. Returns text rather than asserting
/// so that sweeps over many configs stay fast: REQUIRE the result empty.
inline std::string family_invariant_violation(const ranktopo::family& f, int world_size) {
    if (f.world_size() != world_size) return "covers " + std::to_string(f.world_size()) + " ranks";
    const std::vector<int> ranks = f.ranks();
    if (ranks.size() != static_cast<std::size_t>(world_size)) return "enumerates " + std::to_string(ranks.size());
    const auto size = static_cast<std::size_t>(f.group_size());
    std::vector<bool> seen(static_cast<std::size_t>(world_size), false);
    for (std::size_t i = 0; i < ranks.size(); ++i) {
        const int r = ranks[i];
        if (r < 0 || r >= world_size) return "rank " + std::to_string(r) + " outside the world";
        if (seen[static_cast<std::size_t>(r)]) return "rank " + std::to_string(r) + " in two groups";
        seen[static_cast<std::size_t>(r)] = true;
        const ranktopo::location where = f.locate(r);
        if (where.group != static_cast<int>(i / size) || where.position != static_cast<int>(i % size)) {
            return "locate(" + std::to_string(r) + ") = (" + std::to_string(where.group) + ", " +
                   std::to_string(where.position) + "), enumeration says (" + std::to_string(i / size) + ", " +
                   std::to_string(i % size) + ")";
        }
        if (f.rank(where.group, where.position) != r || f.group(where.group)[where.position] != r) {
            return "rank(group, position) disagrees for rank " + std::to_string(r);
        }
    }
    return {};
}

}  // namespace ranktopo_test
