// The plan fingerprint: FNV-1a 64 as published, and values pinned so that
// any change to the encoding, the plans or the options shows here.
#include <cstdint>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "ranktopo/fingerprint.hpp"
#include "ranktopo/io.hpp"

namespace {

ranktopo::config small() {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.mlp_tensor_parallel_size = 2;
    return c;
}

}  // namespace

TEST_CASE("fingerprint: FNV-1a 64 test vectors", "[fingerprint]") {
    ranktopo::fnv1a64 empty;
    CHECK(empty.value() == 0xcbf29ce484222325ULL);
    ranktopo::fnv1a64 a;
    a.bytes("a");
    CHECK(a.value() == 0xaf63dc4c8601ec8cULL);
    ranktopo::fnv1a64 foobar;
    foobar.bytes("foobar");
    CHECK(foobar.value() == 0x85944171f73967e8ULL);
    CHECK(ranktopo::fingerprint_text(0x00ab) == "00000000000000ab");
}

TEST_CASE("fingerprint: pinned values", "[fingerprint]") {
    ranktopo::config one;
    one.world_size = 1;
    CHECK(ranktopo::fingerprint_text(ranktopo::fingerprint(one)) == "b3ea944986028df3");
    CHECK(ranktopo::fingerprint_text(ranktopo::fingerprint(small())) == "4c791b8e5d194f47");
    CHECK(ranktopo::fingerprint_text(ranktopo::fingerprint(ranktopo::example_config())) == "60fcc2d7adf20cd5");
    ranktopo::config later = ranktopo::example_config();
    ranktopo::set_option(later, "vllm_ascend_version=0.18.0");
    CHECK(ranktopo::fingerprint_text(ranktopo::fingerprint(later)) == "f0666c5e537f8345");
}

TEST_CASE("fingerprint: decode_context_parallel_size counts only away from its default", "[fingerprint]") {
    // At 1 the option is left out of the hash (the pinned values above are
    // those of the release before it existed); any other value changes it.
    ranktopo::config c = small();
    const std::uint64_t without = ranktopo::fingerprint(c);
    c.decode_context_parallel_size = 1;
    CHECK(ranktopo::fingerprint(c) == without);
    c.decode_context_parallel_size = 2;
    const std::uint64_t with = ranktopo::fingerprint(c);
    CHECK(with != without);
    // The plan itself is the same (DCP is vLLM's group, not a creation): only the option differs.
    CHECK(ranktopo::make_plan(c).creations.size() == ranktopo::make_plan(small()).creations.size());
}

TEST_CASE("fingerprint: every option, the names, the sharing and the borrowing count", "[fingerprint]") {
    const ranktopo::config base = small();
    std::set<std::uint64_t> seen{ranktopo::fingerprint(base)};
    const auto distinct = [&](const ranktopo::config& c) { return seen.insert(ranktopo::fingerprint(c)).second; };
    ranktopo::config c = base;
    c.local_rank = 3;  // same groups; changes no name here, but is an option
    CHECK(distinct(c));
    c = base;
    ranktopo::set_option(c, "vllm_ascend_version=0.16.0rc1");
    CHECK(distinct(c));
    c = base;
    c.oproj_tensor_parallel_size = 2;  // one more accessor sharing mlptp's size: no new creation
    CHECK(distinct(c));
    c = base;
    c.flashcomm2_enabled = true;  // S = 1: flashcomm2_odp borrows vLLM's TP
    CHECK(distinct(c));
    c = base;
    c.dynamic_eplb = true;
    CHECK(distinct(c));
    c = base;
    c.is_kv_producer = true;  // no group changes: the option alone
    CHECK(distinct(c));
    CHECK(ranktopo::fingerprint(base) == ranktopo::fingerprint(ranktopo::make_plan(base)));
    CHECK_THROWS_AS(ranktopo::fingerprint([] {
                        ranktopo::config bad = small();
                        bad.mlp_tensor_parallel_size = 3;
                        return bad;
                    }()),
                    ranktopo::config_error);
}
