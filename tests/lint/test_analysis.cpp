// The axis analysis against brute force: the coordinates of every member of
// every group, for random families against random coordinate radices (both
// the refinement path and the fallback) and for nodes of every size.
#include <algorithm>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/analysis.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"

namespace {

/// Per axis, the groups inside which the axis takes two values: every member decoded.
ranktopo::axis_analysis brute_force(const ranktopo::family& f, const ranktopo::layout& coordinates) {
    ranktopo::axis_analysis out;
    out.group_count = f.group_count();
    out.axis_count = coordinates.mode_count();
    for (const std::vector<int>& members : f.to_vectors()) {
        for (int a = 0; a < coordinates.mode_count(); ++a) {
            const ranktopo::mode m = coordinates[a];
            std::vector<int> values;
            for (int r : members) values.push_back((r / m.stride) % m.extent);
            if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
                ++out.groups_varying[static_cast<std::size_t>(a)];
            }
        }
    }
    return out;
}

/// A random ordered factorization of n into factors > 1.
std::vector<int> random_factors(int n, std::mt19937& rng) {
    std::vector<int> out;
    while (n > 1) {
        std::vector<int> divisors;
        for (int d = 2; d <= n; ++d)
            if (n % d == 0) divisors.push_back(d);
        const int d = divisors[std::uniform_int_distribution<std::size_t>(0, divisors.size() - 1)(rng)];
        out.push_back(d);
        n /= d;
    }
    return out;
}

/// A random compact family over n ranks: a random radix, its digits dealt
/// to group and member modes in random orders.
ranktopo::family random_family(int n, std::mt19937& rng) {
    std::vector<ranktopo::mode> digits;
    int stride = 1;
    for (int e : random_factors(n, rng)) {
        digits.push_back({e, stride});
        stride *= e;
    }
    std::shuffle(digits.begin(), digits.end(), rng);
    const std::size_t members = std::uniform_int_distribution<std::size_t>(0, digits.size())(rng);
    const ranktopo::layout m(std::span<const ranktopo::mode>(digits.data(), members));
    const ranktopo::layout g(std::span<const ranktopo::mode>(digits.data() + members, digits.size() - members));
    return {g, m};
}

/// A random coordinate system: row-major over a random ordered factorization.
ranktopo::layout random_coordinates(int n, std::mt19937& rng) {
    std::vector<ranktopo::mode> modes;
    std::vector<int> factors = random_factors(n, rng);
    int stride = 1;
    for (auto it = factors.rbegin(); it != factors.rend(); ++it) {
        modes.insert(modes.begin(), ranktopo::mode{*it, stride});
        stride *= *it;
    }
    return ranktopo::layout(modes);
}

}  // namespace

TEST_CASE("analysis: N = 6 as (2, 3) against a member mode (2:1) varies group by group", "[analysis]") {
    const ranktopo::family f{{{3, 2}}, {{2, 1}}};  // groups {0,1} {2,3} {4,5}
    const ranktopo::layout coordinates = ranktopo::layout::row_major({2, 3});
    CHECK_FALSE(ranktopo::detail::analyze_by_refinement(f, coordinates).has_value());
    const ranktopo::axis_analysis a = ranktopo::analyze_axes(f, coordinates);
    CHECK(a.varying_in(0) == 1);  // only {2, 3} crosses the outer axis
    CHECK(a.varying_in(1) == 3);
    CHECK(a == brute_force(f, coordinates));
}

TEST_CASE("analysis: a coordinate layout that is not a radix of the world is refused", "[analysis]") {
    const ranktopo::family f{{{4, 2}}, {{2, 1}}};
    CHECK_THROWS_AS(ranktopo::analyze_axes(f, ranktopo::layout::row_major({2, 2})), ranktopo::layout_error);
    CHECK_THROWS_AS(ranktopo::analyze_axes(f, ranktopo::layout{{2, 4}, {4, 2}}), ranktopo::layout_error);
}

TEST_CASE("analysis: random families against random coordinates agree with brute force", "[analysis]") {
    std::mt19937 rng(20260428);
    int refined = 0;
    int enumerated = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        const int n = std::uniform_int_distribution<int>(1, 96)(rng);
        const ranktopo::family f = random_family(n, rng);
        const ranktopo::layout coordinates = random_coordinates(n, rng);
        const ranktopo::axis_analysis expected = brute_force(f, coordinates);
        if (const auto fast = ranktopo::detail::analyze_by_refinement(f, coordinates)) {
            ++refined;
            if (!(*fast == expected)) {
                INFO("family " << f.describe() << ", trial " << trial);
                FAIL("the refinement path disagrees with brute force");
            }
        } else {
            ++enumerated;
        }
        if (!(ranktopo::detail::analyze_by_enumeration(f, coordinates) == expected) ||
            !(ranktopo::analyze_axes(f, coordinates) == expected)) {
            INFO("family " << f.describe() << ", trial " << trial);
            FAIL("the analysis disagrees with brute force");
        }
    }
    INFO("refined " << refined << ", enumerated " << enumerated);
    CHECK(refined > 1000);
    CHECK(enumerated > 1000);
}

TEST_CASE("analysis: groups crossing nodes agree with brute force for every node size", "[analysis]") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
        const int n = std::uniform_int_distribution<int>(1, 64)(rng);
        const ranktopo::family f = random_family(n, rng);
        for (int k = 1; k <= n + 1; ++k) {
            int expected = 0;
            for (const std::vector<int>& members : f.to_vectors()) {
                const bool crosses = std::any_of(members.begin(), members.end(),
                                                 [&](int r) { return r / k != members.front() / k; });
                expected += crosses ? 1 : 0;
            }
            if (ranktopo::groups_crossing_nodes(f, k) != expected) {
                INFO("family " << f.describe() << ", ranks per node " << k);
                FAIL("groups_crossing_nodes disagrees with brute force");
            }
        }
    }
    CHECK_THROWS_AS(ranktopo::groups_crossing_nodes(ranktopo::family{{}, {{4, 1}}}, 0), ranktopo::lookup_error);
}
