// The layout algebra: modes, split, select, coalesce, divide, families.
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"

using ranktopo::family;
using ranktopo::layout;
using ranktopo::mode;

namespace {

std::vector<int> values(const layout& l) {
    std::vector<int> out;
    for (int i = 0; i < l.size(); ++i) out.push_back(l(i));
    return out;
}

}  // namespace

TEST_CASE("layout: row_major is arange(N).reshape(shape)", "[layout]") {
    constexpr layout l = layout::row_major({2, 3, 4});
    STATIC_REQUIRE(l.size() == 24);
    STATIC_REQUIRE(l[0] == mode{2, 12});
    STATIC_REQUIRE(l[1] == mode{3, 4});
    STATIC_REQUIRE(l[2] == mode{4, 1});
    for (int i = 0; i < 24; ++i) CHECK(l(i) == i);
}

TEST_CASE("layout: select permutes like torch.permute", "[layout]") {
    const layout l = layout::row_major({2, 3}).select({1, 0});  // transpose
    CHECK(values(l) == std::vector<int>{0, 3, 1, 4, 2, 5});
    CHECK_THROWS_AS(l.select({2}), ranktopo::layout_error);
}

TEST_CASE("layout: split is view(outer, -1) of one mode", "[layout]") {
    const layout l = layout::row_major({12}).split(0, 3);
    CHECK(l.mode_count() == 2);
    CHECK(l[0] == mode{3, 4});
    CHECK(l[1] == mode{4, 1});
    CHECK_THROWS_AS(layout::row_major({12}).split(0, 5), ranktopo::layout_error);
    CHECK_THROWS_AS(layout::row_major({12}).split(1, 2), ranktopo::layout_error);
}

TEST_CASE("layout: coalesce keeps the mapping and merges contiguous modes", "[layout]") {
    const layout l{{2, 12}, {1, 99}, {3, 4}, {4, 1}};
    const layout c = l.coalesce();
    CHECK(c.mode_count() == 1);
    CHECK(c[0] == mode{24, 1});
    CHECK(values(c) == values(l));
    const layout strided{{2, 1}, {3, 2}};  // not mergeable: outer stride 1 != 3 * 2
    CHECK(strided.coalesce() == strided);
}

TEST_CASE("layout: divide splits the row-major index across mode boundaries", "[layout]") {
    // Rows of FlashComm2 otp for D=2, P=4, T=8, S=2 (n=4): modes (D·P : T), (n : 1).
    const layout rows{{2, 32}, {4, 8}, {4, 1}};
    const auto [outer, inner] = rows.divide(4);  // view(P, G) with G = 8
    CHECK(outer.size() == 4);
    CHECK(inner.size() == 8);
    for (int q = 0; q < 4; ++q)
        for (int g = 0; g < 8; ++g) CHECK(outer(q) + inner(g) == rows(q * 8 + g));
    CHECK_THROWS_AS(rows.divide(3), ranktopo::layout_error);
    // Values 0,2,4,1,3,5 viewed as (3, 2): rows {0,2},{4,1},{3,5} are no strided view.
    CHECK_THROWS_AS((layout{{2, 1}, {3, 2}}.divide(3)), ranktopo::layout_error);
}

TEST_CASE("layout: construction refuses bad modes and int overflow", "[layout]") {
    CHECK_THROWS_AS((layout{{0, 1}}), ranktopo::layout_error);
    CHECK_THROWS_AS((layout{{2, -1}}), ranktopo::layout_error);
    CHECK_THROWS_AS((layout{{65536, 1}, {65536, 65536}}), ranktopo::layout_error);
    CHECK_THROWS_AS(layout::row_major({2, 2, 2, 2, 2, 2, 2, 2, 2}), ranktopo::layout_error);
    CHECK_THROWS_AS(layout::row_major({0}), ranktopo::layout_error);
}

TEST_CASE("family: group, position and rank by arithmetic", "[family]") {
    // pp of D=2 P=2 T=4: groups (d, t), members p.
    const layout x = layout::row_major({2, 2, 4});
    const family pp(x.select({0, 2}), x.select({1}));
    CHECK(pp.group_count() == 8);
    CHECK(pp.group_size() == 2);
    CHECK(pp.to_vectors() ==
          std::vector<std::vector<int>>{{0, 4}, {1, 5}, {2, 6}, {3, 7}, {8, 12}, {9, 13}, {10, 14}, {11, 15}});
    CHECK(pp.locate(13) == ranktopo::location{5, 1});
    CHECK(pp.rank(5, 1) == 13);
    CHECK_THROWS_AS(pp.locate(16), ranktopo::lookup_error);
    CHECK_THROWS_AS(pp.locate(-1), ranktopo::lookup_error);
    CHECK_THROWS_AS(pp.rank(8, 0), ranktopo::lookup_error);
    CHECK_THROWS_AS(pp.group(-1), ranktopo::lookup_error);
}

TEST_CASE("family: construction refuses what is not a partition", "[family]") {
    const layout x = layout::row_major({2, 4});
    CHECK_THROWS_AS(family(x.select({0}), x.select({0})), ranktopo::layout_error);    // rank 1 in no group
    CHECK_THROWS_AS(family(layout{{2, 1}}, layout{{2, 1}}), ranktopo::layout_error);  // 1 twice
    CHECK_NOTHROW(family(layout{}, layout{}));                                        // one rank
    const family single(layout{}, layout{});
    CHECK(single.ranks() == std::vector<int>{0});
    CHECK(single.locate(0) == ranktopo::location{0, 0});
}

TEST_CASE("family: write checks the output size", "[family]") {
    const layout x = layout::row_major({2, 4});
    const family f(x.select({0}), x.select({1}));
    std::vector<int> small(7);
    CHECK_THROWS_AS(f.write(small), ranktopo::layout_error);
}
