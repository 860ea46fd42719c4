// The registry as an engine uses it (issue 13): vLLM's own groups as opt-in
// creations, try_get, iteration over bound accessors, lookup by any name,
// every accessor a creation serves shown to the backend, engine_checks.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/registry.hpp"

namespace {

using ranktopo::accessor;

/// Handles are creation names; every request's accessors are kept by name.
struct naming_backend {
    using handle_type = std::string;
    std::vector<std::string> created;
    std::vector<std::vector<std::string>> served;
    std::vector<std::string> destroyed;

    std::string create(const ranktopo::creation_request& r) {
        created.emplace_back(r.name);
        served.emplace_back(r.accessors.begin(), r.accessors.end());
        if (r.answers_to("mlptp")) answering_mlptp.emplace_back(r.name);
        return std::string(r.name);
    }
    std::vector<std::string> answering_mlptp;  ///< creations a setting keyed "mlptp" applies to

    void destroy(const std::string& handle) { destroyed.push_back(handle); }
};
using naming_registry = ranktopo::registry<naming_backend>;

/// 8 ranks, T = 2, D = 4: o_proj and MLP TP both 2 (one shared creation), lm_head 4.
ranktopo::config shared_sizes() {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.oproj_tensor_parallel_size = 2;
    c.mlp_tensor_parallel_size = 2;
    c.lmhead_tensor_parallel_size = 4;
    return c;
}

std::vector<std::string> names_of(const std::vector<ranktopo::creation_info>& all) {
    std::vector<std::string> out;
    for (const auto& c : all) out.push_back(c.name);
    return out;
}

}  // namespace

TEST_CASE("registry engine: vLLM's groups are opt-in creations, first, torn down last", "[registry][engine]") {
    ranktopo::config c = shared_sizes();
    c.flashcomm2_enabled = true;  // o_proj TP size 1: odp is vLLM's TP group
    c.oproj_tensor_parallel_size = 0;
    naming_backend backend;
    naming_registry r;
    r.init(c, backend, 5, ranktopo::init_options{true, false});
    CHECK(backend.created ==
          std::vector<std::string>{"world", "tp", "pcp", "pp", "dp", "ep", "mc2", "lmheadtp", "mlptp"});
    CHECK(names_of(r.creations()) == backend.created);
    CHECK(r.get("tp").members.to_vector() == std::vector<int>{4, 5});
    CHECK(r.get("dp").members.to_vector() == std::vector<int>{1, 3, 5, 7});
    CHECK(r.get("world").members.size() == 8);
    // flashcomm2_odp is served by the registry's own tp: owned, not borrowed.
    const naming_registry::group odp = r.get(accessor::flashcomm2_odp);
    CHECK_FALSE(odp.borrowed());
    CHECK(odp.handle == "tp");
    CHECK(backend.served[1] == std::vector<std::string>{"tp", "flashcomm2_odp"});
    r.destroy();
    CHECK(backend.destroyed ==
          std::vector<std::string>{"mc2", "mlptp", "lmheadtp", "ep", "dp", "pp", "pcp", "tp", "world"});

    // With decode_context_parallel_size > 1, vLLM's dcp comes right after tp.
    ranktopo::config with_dcp = c;
    with_dcp.decode_context_parallel_size = 2;
    naming_backend dcp_backend;
    naming_registry d;
    d.init(with_dcp, dcp_backend, 5, ranktopo::init_options{true, false});
    CHECK(dcp_backend.created ==
          std::vector<std::string>{"world", "tp", "dcp", "pcp", "pp", "dp", "ep", "mc2", "lmheadtp", "mlptp"});
    CHECK(d.get("dcp").members.to_vector() == std::vector<int>{4, 5});
    naming_backend no_dcp_backend;
    naming_registry no_dcp;  // decode_context_parallel_size 1: no dcp creation, and none to get
    no_dcp.init(c, no_dcp_backend, 5, ranktopo::init_options{true, false});
    CHECK_THROWS_WITH(no_dcp.get("dcp"), Catch::Contains("no accessor, vLLM group or creation is called 'dcp'"));

    // Without the option, vLLM's groups are not here, and say how to get them.
    naming_registry plain;
    plain.init(c, backend, 5, std::string("engine tp"));
    CHECK_THROWS_WITH(plain.get("tp"), Catch::Contains("only with init_options::vllm_groups"));
    CHECK(plain.get(accessor::flashcomm2_odp).borrowed());
    // Both an engine TP handle and vllm_groups: refused.
    naming_registry both;
    CHECK_THROWS_WITH(both.init(c, backend, 5, ranktopo::init_options{true, false}, std::string("engine tp")),
                      Catch::Contains("no engine TP handle may be passed, but rank 5 passed one"));
}

TEST_CASE("registry engine: try_get, lookup by creation name, sharing shown", "[registry][engine]") {
    naming_backend backend;
    naming_registry r;
    CHECK_THROWS_AS(r.try_get(accessor::mc2), ranktopo::state_error);  // not initialized: a caller's error
    r.init(shared_sizes(), backend, 3);
    CHECK_FALSE(r.try_get(accessor::dynamic_eplb).has_value());
    CHECK_FALSE(r.try_get("nonsense").has_value());
    CHECK_FALSE(r.try_get("tp").has_value());
    CHECK(r.try_get(accessor::mlp_tp)->handle == "otp");
    CHECK_THROWS_AS(r.get("nonsense"), ranktopo::lookup_error);
    CHECK_THROWS_WITH(r.get("nonsense"), Catch::Contains("no accessor, vLLM group or creation is called 'nonsense'"));

    // "mlptp" is the MLP module's creation name even when it shares o_proj's creation.
    CHECK(r.get("mlptp").handle == "otp");
    CHECK(r.get("mlptp").members.to_vector() == r.get(accessor::mlp_tp).members.to_vector());
    CHECK(r.get("lmheadtp").handle == "lmheadtp");
    CHECK(r.get("lmhead_tp").handle == "lmheadtp");

    // The backend is told every accessor a creation serves.
    CHECK(backend.created == std::vector<std::string>{"mc2", "otp", "lmheadtp"});
    CHECK(backend.served == std::vector<std::vector<std::string>>{{"mc2"}, {"otp", "mlp_tp"}, {"lmhead_tp"}});
    // A per-group setting keyed by "mlptp" reaches the creation MLP TP uses.
    CHECK(backend.answering_mlptp == std::vector<std::string>{"otp"});

    // Iteration: every bound accessor, its creation, and who shares it.
    const std::vector<ranktopo::bound_accessor> all = r.bound();
    std::vector<std::string> lines;
    for (const ranktopo::bound_accessor& b : all) {
        lines.push_back(std::string(b.accessor) + " -> " + b.creation + (b.shared() ? " (shared)" : ""));
        CHECK(r.get(b.accessor).creation == b.index);
    }
    CHECK(lines == std::vector<std::string>{"mc2 -> mc2", "otp -> otp (shared)", "mlp_tp -> otp (shared)",
                                            "lmhead_tp -> lmheadtp"});
}

TEST_CASE("registry engine: p_tp by its creation name, the borrowed accessor listed last", "[registry][engine]") {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    c.pd_head_ratio = 2;
    c.pd_tp_ratio = 2;
    c.is_kv_producer = true;
    c.flashcomm2_enabled = true;
    naming_backend backend;
    naming_registry r(ranktopo::creation_mode::lazy);
    r.init(c, backend, 6, std::string("engine tp"));
    CHECK(backend.created.empty());
    const std::string p_tp = r.creations().front().name;
    CHECK(p_tp.starts_with("p_tp_"));
    CHECK(r.get(p_tp).handle == p_tp);
    CHECK(r.get("p_tp").handle == p_tp);
    const std::vector<ranktopo::bound_accessor> all = r.bound();
    REQUIRE_FALSE(all.empty());
    CHECK(all.back().accessor == "flashcomm2_odp");
    CHECK(all.back().borrowed());
    CHECK(r.get(all.back().accessor).handle == "engine tp");
}

TEST_CASE("registry engine: init_options applies engine_checks and names the rule", "[registry][engine]") {
    ranktopo::config c = shared_sizes();
    c.flashcomm2_enabled = true;  // with oproj_tensor_parallel_size: vllm-ascend refuses it
    c.flashcomm2_oproj_tensor_parallel_size = 1;
    naming_backend backend;
    naming_registry r;
    CHECK_THROWS_AS(r.init(c, backend, 0, ranktopo::init_options{}), ranktopo::config_error);
    CHECK_THROWS_WITH(r.init(c, backend, 0, ranktopo::init_options{}),
                      "ranktopo::registry::init: vllm-ascend refuses this config (init_options::engine_checks): "
                      "FlashComm2 cannot be combined with oproj_tensor_parallel_size (2)");
    CHECK(backend.created.empty());
    CHECK_FALSE(r.initialized());
    // Off, or through the plain init: served as the reference serves it.
    r.init(c, backend, 0, ranktopo::init_options{false, false}, std::string("engine tp"));
    CHECK(r.initialized());
    r.destroy();
    r.init(c, backend, 0, std::string("engine tp"));
    CHECK(r.initialized());
}
