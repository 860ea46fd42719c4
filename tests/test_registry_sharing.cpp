// The registry's sharing policies over the recording backend: on every
// golden plan, with and without vLLM's groups, for every policy, each
// handle is created and destroyed exactly once, the accessors that share
// get the same handle, and a creation failing at any index (after a shared
// one too) is rolled back. Which creations share is checked against an
// oracle that enumerates the groups, not against same_groups().
#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "golden_fixtures.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/recording_backend.hpp"
#include "ranktopo/registry.hpp"

namespace {

using ranktopo::recording_backend;
using ranktopo::sharing_policy;
using event = recording_backend::event;
using registry = ranktopo::registry<recording_backend>;

using ranktopo_test::engine_tp_handle;
constexpr std::array<sharing_policy, 3> policies{sharing_policy::none, sharing_policy::release,
                                                 sharing_policy::identical};

/// 16 ranks on 0.20.2rc1 where mc2, dynamic_eplb and fc3_quant_x hold ep's
/// groups (mc2 is vLLM's ep from 0.18.0rc1; pp 2, so ep is not the world).
ranktopo::config ep_groups_four_times() {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.pipeline_parallel_size = 2;
    c.vllm_ascend_version = *ranktopo::release::find("0.20.2rc1");
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    return c;
}

/// A family's groups, enumerated, in a canonical order.
std::vector<std::vector<int>> enumerated(const ranktopo::family& f) {
    std::vector<std::vector<int>> groups = f.to_vectors();
    std::sort(groups.begin(), groups.end());
    return groups;
}

/// The registry's creations' families, in creation order.
std::vector<ranktopo::family> creation_families(const ranktopo::config& c, bool vllm_groups) {
    std::vector<ranktopo::family> out;
    if (vllm_groups) {
        for (std::string_view v : ranktopo::detail::vllm_creation_order)
            if (ranktopo::detail::vllm_creates(v, c)) out.push_back(ranktopo::detail::vllm_family(v, c));
    }
    for (const ranktopo::creation& made : ranktopo::make_plan(c).creations) out.push_back(made.groups);
    return out;
}

/// The release's key test, written from the release notes (cost.hpp's
/// comment), not with detail::same_hccl_key.
bool release_key_equal(const ranktopo::config& c, const std::string& a, const std::string& b) {
    const std::size_t at = c.vllm_ascend_version.index();
    if (at < ranktopo::release::find("0.19.1rc1")->index()) return false;
    if (at >= ranktopo::release::find("0.21.0rc1")->index() && a != b) return false;
    return ranktopo::hccl_buffer_size(a, c) == ranktopo::hccl_buffer_size(b, c) &&
           ranktopo::hccl_reuse_domain(a) == ranktopo::hccl_reuse_domain(b);
}

/// For each creation, the index of the creation whose handle it should use
/// (itself when none): the first earlier one with its own handle, the same
/// enumerated groups and an equal key.
std::vector<std::size_t> expected_holders(const ranktopo::config& c, const std::vector<std::string>& names,
                                          bool vllm_groups, sharing_policy policy) {
    const std::vector<ranktopo::family> families = creation_families(c, vllm_groups);
    REQUIRE(families.size() == names.size());
    std::vector<std::vector<std::vector<int>>> groups;
    for (const ranktopo::family& f : families) groups.push_back(enumerated(f));
    std::vector<std::size_t> holder(names.size());
    for (std::size_t k = 0; k < names.size(); ++k) {
        holder[k] = k;
        if (policy == sharing_policy::none) continue;
        for (std::size_t j = 0; j < k; ++j) {
            if (holder[j] != j || groups[j] != groups[k]) continue;
            const bool equal_key = policy == sharing_policy::identical
                                       ? ranktopo::vllm_ascend_sharing_key(names[j], c) ==
                                             ranktopo::vllm_ascend_sharing_key(names[k], c)
                                       : release_key_equal(c, names[j], names[k]);
            if (equal_key) {
                holder[k] = j;
                break;
            }
        }
    }
    return holder;
}

std::size_t count_of(const std::vector<event>& log, event::kind what) {
    return static_cast<std::size_t>(
        std::count_if(log.begin(), log.end(), [what](const event& e) { return e.what == what; }));
}

/// The configs to run: each golden plan at its own release, and, for the
/// release policy, at the first release of each reuse rule it exists in.
std::vector<ranktopo::config> with_reuse_releases(const ranktopo::config& c) {
    std::vector<ranktopo::config> out{c};
    for (const char* version : {"0.19.1rc1", "0.21.0rc1"}) {
        ranktopo::config other = c;
        other.vllm_ascend_version = *ranktopo::release::find(version);
        if (other == c) continue;
        try {
            (void)ranktopo::make_plan(other);
        } catch (const ranktopo::error&) {
            continue;
        }
        out.push_back(other);
    }
    return out;
}

}  // namespace

TEST_CASE(
    "registry sharing: every golden plan, every policy: each handle made and destroyed once, the right ones shared",
    "[registry][sharing][golden]") {
    std::map<sharing_policy, std::size_t> shared_somewhere;
    for (const ranktopo::config& golden : ranktopo_test::served_golden_configs()) {
        for (const ranktopo::config& c : with_reuse_releases(golden)) {
            INFO("config " << ranktopo::to_json(c));
            for (const sharing_policy policy : policies) {
                for (const bool vllm_groups : {false, true}) {
                    INFO("policy " << ranktopo::name(policy) << ", vllm_groups " << vllm_groups);
                    ranktopo::init_options setup{vllm_groups, false, policy, nullptr};
                    for (const int rank : {0, c.world_size - 1}) {
                        INFO("rank " << rank);
                        recording_backend backend;
                        registry r;
                        if (vllm_groups) {
                            r.init(c, backend, rank, setup);
                        } else {
                            r.init(c, backend, rank, setup, engine_tp_handle);
                        }
                        const std::vector<ranktopo::creation_info> made = r.creations();
                        std::vector<std::string> names;
                        for (const ranktopo::creation_info& m : made) names.push_back(m.name);
                        const std::vector<std::size_t> holder = expected_holders(c, names, vllm_groups, policy);

                        // Created: the holders, once each, in creation order.
                        const std::vector<event> created = backend.events();
                        std::vector<std::size_t> holders;
                        for (std::size_t k = 0; k < made.size(); ++k) {
                            REQUIRE(made[k].handle_of == (holder[k] == k ? -1 : static_cast<int>(holder[k])));
                            if (holder[k] == k) holders.push_back(k);
                        }
                        if (holders.size() < made.size()) ++shared_somewhere[policy];
                        REQUIRE(created.size() == holders.size());
                        REQUIRE(r.owned_count() == holders.size());
                        REQUIRE(r.handle_count() == holders.size());
                        std::map<std::size_t, int> handle_of_holder;
                        for (std::size_t i = 0; i < created.size(); ++i) {
                            REQUIRE(created[i].what == event::kind::create);
                            REQUIRE(created[i].creation == static_cast<int>(holders[i]));
                            handle_of_holder[holders[i]] = created[i].handle;
                        }

                        // Every accessor gets its creation's holder's handle, with its own group.
                        for (const ranktopo::bound_accessor& b : r.bound()) {
                            const registry::group got = r.get(b.accessor);
                            if (b.borrowed()) {
                                REQUIRE(got.handle == engine_tp_handle);
                                continue;
                            }
                            const auto k = static_cast<std::size_t>(b.index);
                            REQUIRE(got.creation == b.index);
                            REQUIRE(got.handle == handle_of_holder.at(holder[k]));
                            REQUIRE(got.members.to_vector() ==
                                    r.get(made[holder[k]].name).members.to_vector());  // shared: the same ranks
                        }

                        // Destroyed once each, every handle after the last of its users in teardown order.
                        const ranktopo::plan p = ranktopo::make_plan(c);
                        const std::size_t first_planned = made.size() - p.creations.size();  // vLLM's first
                        std::vector<std::size_t> teardown;
                        for (int d : p.destroy_order) teardown.push_back(first_planned + static_cast<std::size_t>(d));
                        for (std::size_t k = made.size(); k-- > 0;) {
                            if (std::find(teardown.begin(), teardown.end(), k) == teardown.end()) teardown.push_back(k);
                        }
                        std::vector<int> expected_destroys;
                        for (std::size_t i = 0; i < teardown.size(); ++i) {
                            const std::size_t h = holder[teardown[i]];
                            bool last = true;
                            for (std::size_t later = i + 1; later < teardown.size(); ++later) {
                                last = last && holder[teardown[later]] != h;
                            }
                            if (last) expected_destroys.push_back(handle_of_holder.at(h));
                        }
                        backend.clear_log();
                        r.destroy();
                        std::vector<int> destroyed;
                        for (const event& e : backend.events()) {
                            REQUIRE(e.what == event::kind::destroy);
                            destroyed.push_back(e.handle);
                        }
                        REQUIRE(destroyed == expected_destroys);
                        REQUIRE(backend.live_count() == 0);
                        REQUIRE(backend.create_count() == backend.destroy_count());
                    }
                }
            }
        }
    }
    // The golden plans exercise sharing under both sharing policies.
    REQUIRE(shared_somewhere[sharing_policy::none] == 0);
    REQUIRE(shared_somewhere[sharing_policy::release] > 0);
    REQUIRE(shared_somewhere[sharing_policy::identical] > shared_somewhere[sharing_policy::release]);
}

TEST_CASE("registry sharing: a creation failing at any index, after a shared one too, is rolled back",
          "[registry][sharing][faults]") {
    std::size_t after_shared = 0;
    for (const ranktopo::config& c : ranktopo_test::served_golden_configs()) {
        INFO("config " << ranktopo::to_json(c));
        for (const sharing_policy policy : {sharing_policy::release, sharing_policy::identical}) {
            const ranktopo::init_options setup{true, false, policy, nullptr};
            recording_backend backend;
            registry r;
            r.init(c, backend, c.world_size - 1, setup);
            const std::size_t handles = r.handle_count();
            bool shared_before = false;
            std::vector<ranktopo::creation_info> made = r.creations();
            r.destroy();
            std::size_t holder_index = 0;
            for (const ranktopo::creation_info& m : made) {
                if (m.shares_handle()) {
                    shared_before = true;
                    continue;
                }
                INFO("failing creation '" << m.name << "', the " << holder_index << "th handle");
                after_shared += shared_before ? 1U : 0U;
                backend.clear_log();
                backend.fail_create_in(static_cast<int>(holder_index));
                REQUIRE_THROWS_WITH(r.init(c, backend, c.world_size - 1, setup),
                                    Catch::Contains("creating '" + m.name + "'"));
                REQUIRE_FALSE(r.initialized());
                REQUIRE(backend.live_count() == 0);
                const std::vector<event> log = backend.events();
                REQUIRE(count_of(log, event::kind::create) == holder_index);
                REQUIRE(count_of(log, event::kind::destroy) == holder_index);
                REQUIRE(count_of(log, event::kind::refused_destroy) == 0);
                ++holder_index;
            }
            REQUIRE(holder_index == handles);
        }
    }
    REQUIRE(after_shared > 0);
}

TEST_CASE("registry sharing: lazy mode creates a shared handle once, for whichever accessor asks first",
          "[registry][sharing][lazy]") {
    const ranktopo::config c = ep_groups_four_times();
    recording_backend backend;
    registry r(ranktopo::creation_mode::lazy);
    r.init(c, backend, 5, ranktopo::init_options{true, false, sharing_policy::identical, nullptr});
    REQUIRE(backend.create_count() == 0);
    // fc3_quant_x has ep's groups and key (200 MB, shared): the handle is ep's.
    const registry::group fc3 = r.get("fc3_quant_x");
    REQUIRE(backend.create_count() == 1);
    REQUIRE(backend.events().front().name == "ep");
    REQUIRE(r.get("ep").handle == fc3.handle);
    REQUIRE(backend.create_count() == 1);
    // mc2 (HCCL_BUFFSIZE, domain mc2) and dynamic_eplb (100 MB, its own domain) keep their own.
    REQUIRE(r.get("mc2").handle != fc3.handle);
    REQUIRE(r.get("dynamic_eplb").handle != fc3.handle);
    REQUIRE(backend.create_count() == 3);
    r.destroy();
    REQUIRE(backend.destroy_count() == 3);
    REQUIRE(backend.live_count() == 0);
}

TEST_CASE("registry sharing: a key function decides which identical groups share", "[registry][sharing]") {
    const ranktopo::config c = ep_groups_four_times();
    const auto one_key = [](std::string_view, const ranktopo::config&) { return std::string("all"); };
    for (const ranktopo::sharing_key_function key : {ranktopo::sharing_key_function{nullptr}, +one_key}) {
        recording_backend backend;
        registry r;
        r.init(c, backend, 0, ranktopo::init_options{true, false, sharing_policy::identical, key});
        const bool everything = key != nullptr;
        REQUIRE((r.get("mc2").handle == r.get("ep").handle) == everything);
        REQUIRE((r.get("dynamic_eplb").handle == r.get("ep").handle) == everything);
        REQUIRE(r.get("fc3_quant_x").handle == r.get("ep").handle);
        r.destroy();
        REQUIRE(backend.live_count() == 0);
        REQUIRE(backend.create_count() == backend.destroy_count());
    }
    // The release policy at 0.20.2rc1 shares fc3_quant_x with ep; at 0.21.0rc1 nothing.
    for (const auto& [version, shares] : {std::pair<const char*, bool>{"0.20.2rc1", true}, {"0.21.0rc1", false}}) {
        ranktopo::config at = c;
        at.vllm_ascend_version = *ranktopo::release::find(version);
        recording_backend backend;
        registry r;
        r.init(at, backend, 0, ranktopo::init_options{true, false, sharing_policy::release, nullptr});
        REQUIRE((r.get("fc3_quant_x").handle == r.get("ep").handle) == shares);
        REQUIRE(r.get("mc2").handle != r.get("ep").handle);
    }
}
