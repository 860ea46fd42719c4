// The registry over real MPI communicators, run by CTest through mpiexec at
// 2, 4, 8 and 16 processes. For every accessor of every config: the
// communicator's size is the group's, this process's rank in it is its
// position, and an MPI_Allgather of world ranks inside it is the expected
// group exactly. Every communicator created is freed.
//
// Only non-fatal CHECKs follow a collective call: a REQUIRE failing on one
// rank would leave the others waiting in the next one.
#include <cstddef>
#include <string>
#include <vector>

#include <mpi.h>

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "golden_fixtures.hpp"
#include "mpi_world.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/mpi.hpp"
#include "ranktopo/registry.hpp"

namespace {

using ranktopo::accessor;
using registry = ranktopo::registry<ranktopo::mpi::backend>;

using ranktopo_test::world_rank;
using ranktopo_test::world_size;

constexpr ranktopo::mpi::method methods[] = {ranktopo::mpi::method::split, ranktopo::mpi::method::members_only};

/// The world ranks of the communicator's members, in its rank order.
std::vector<int> gathered_world_ranks(MPI_Comm communicator) {
    int size = 0;
    MPI_Comm_size(communicator, &size);
    std::vector<int> ranks(static_cast<std::size_t>(size), -1);
    const int mine = world_rank();
    MPI_Allgather(&mine, 1, MPI_INT, ranks.data(), 1, MPI_INT, communicator);
    return ranks;
}

/// What a test expects of one accessor on this rank: its group, or the engine's TP group.
struct expectation {
    std::vector<int> members;
    int position = 0;
};

/// Checks one communicator against its expected group.
void check_communicator(MPI_Comm communicator, const expectation& expected) {
    int size = 0;
    int rank = 0;
    MPI_Comm_size(communicator, &size);
    MPI_Comm_rank(communicator, &rank);
    CHECK(size == static_cast<int>(expected.members.size()));
    CHECK(rank == expected.position);
    CHECK(gathered_world_ranks(communicator) == expected.members);
}

/// This rank's place in `f`, from the enumeration (not from locate()).
expectation enumerated(const ranktopo::family& f, int rank) {
    const std::vector<int> all = f.ranks();
    const auto size = static_cast<std::size_t>(f.group_size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i] != rank) continue;
        const std::size_t first = i - i % size;
        return {std::vector<int>(all.begin() + static_cast<std::ptrdiff_t>(first),
                                 all.begin() + static_cast<std::ptrdiff_t>(first + size)),
                static_cast<int>(i % size)};
    }
    return {};
}

/// Runs one config through a registry on MPI_COMM_WORLD. `expected_for`
/// gives what each bound accessor must be, given its creation index (-1:
/// the engine's TP group).
template <class Expected>
void run_config(const ranktopo::config& c, ranktopo::creation_mode mode, ranktopo::mpi::method how,
                Expected expected_for) {
    INFO("method " << ranktopo::mpi::name(how));
    const ranktopo::plan p = ranktopo::make_plan(c);
    ranktopo::mpi::backend backend(MPI_COMM_WORLD, how);
    const int me = backend.rank();
    // The engine's own TP communicator, for a borrowed flashcomm2_odp.
    const ranktopo::family tp = ranktopo::families::tp(c);
    MPI_Comm engine_tp = backend.create(ranktopo::make_request("tp", tp, me));

    registry r(mode);
    r.init(c, backend, me, engine_tp);
    for (std::size_t i = 0; i < ranktopo::accessor_count; ++i) {
        const auto a = static_cast<accessor>(i);
        const ranktopo::binding& b = p.handle(a);
        if (b.source == ranktopo::binding::kind::none) continue;
        INFO("accessor " << ranktopo::name(a));
        const registry::group got = r.get(a);
        CHECK(got.borrowed() == (b.source == ranktopo::binding::kind::borrowed_tp));
        if (got.borrowed()) CHECK(got.handle == engine_tp);
        const expectation expected = expected_for(got.creation);
        CHECK(got.members.to_vector() == expected.members);
        CHECK(got.position == expected.position);
        check_communicator(got.handle, expected);
    }
    const std::size_t owned = r.owned_count();
    CHECK(owned == p.creations.size());
    r.destroy();
    backend.destroy(engine_tp);
    CHECK(backend.created() == static_cast<int>(owned) + 1);
    CHECK(backend.freed() == backend.created());
    CHECK_FALSE(r.initialized());
}

ranktopo::config with(int n, std::initializer_list<const char*> settings) {
    ranktopo::config c;
    c.world_size = n;
    for (const char* s : settings) ranktopo::set_option(c, s);
    return c;
}

/// Configs per world size, together covering pp > 1, FlashComm2 (S > 1 and
/// S = 1, borrowed), shard_weight over each basis, p_tp with replicas,
/// fine-grained TP, external data parallelism, dynamic_eplb, fc3_quant_x.
std::vector<ranktopo::config> configs_for(int n) {
    const char* const p_tp = "pd_head_ratio=2";
    const char* const producer = "is_kv_producer=true";
    switch (n) {
        case 2:
            return {
                with(2, {"tensor_parallel_size=2", "flashcomm2_enabled=true", "flashcomm2_oproj_tensor_parallel_size=2",
                         "dynamic_eplb=true", "multistream_overlap_gate=true"}),
                with(2, {"pipeline_parallel_size=2", "layer_sharding=true", "mlp_tensor_parallel_size=1"}),
                with(2, {"tensor_parallel_size=2", p_tp, producer, "pd_tp_ratio=2", "num_head_replica=2"}),
                with(2, {"tensor_parallel_size=2", "flashcomm2_enabled=true"})};
        case 4:
            return {with(4, {"tensor_parallel_size=2", "pipeline_parallel_size=2", "flashcomm2_enabled=true",
                             "flashcomm2_oproj_tensor_parallel_size=2", "layer_sharding=true",
                             "mlp_tensor_parallel_size=1", "dynamic_eplb=true"}),
                    with(4, {"tensor_parallel_size=2", "pipeline_parallel_size=2", p_tp, producer, "pd_tp_ratio=2",
                             "num_head_replica=2"}),
                    with(4, {"tensor_parallel_size=2", "data_parallel_size=2", "mlp_tensor_parallel_size=2",
                             "oproj_tensor_parallel_size=2", "embedding_tensor_parallel_size=1", "layer_sharding=true",
                             "multistream_overlap_gate=true"}),
                    with(4, {"tensor_parallel_size=2", "data_parallel_size=2", "flashcomm2_enabled=true",
                             "layer_sharding=true"})};
        case 8:
            return {with(8, {"tensor_parallel_size=2", "data_parallel_size=2", "pipeline_parallel_size=2",
                             "mlp_tensor_parallel_size=2", "lmhead_tensor_parallel_size=1", "flashcomm2_enabled=true",
                             "flashcomm2_oproj_tensor_parallel_size=2", "layer_sharding=true", "dynamic_eplb=true",
                             "multistream_overlap_gate=true"}),
                    with(8, {"tensor_parallel_size=4", "pipeline_parallel_size=2", p_tp, producer, "pd_tp_ratio=4",
                             "num_head_replica=2"}),
                    with(8, {"tensor_parallel_size=2", "data_parallel_size=2", "dynamic_eplb=true"}),  // E = 2
                    with(8, {"tensor_parallel_size=2", "prefill_context_parallel_size=2", "pipeline_parallel_size=2",
                             "layer_sharding=true", "dsa_cp_layer_shard=true"})};
        case 16:
            return {with(16, {"tensor_parallel_size=4", "data_parallel_size=2", "pipeline_parallel_size=2", p_tp,
                              producer, "pd_tp_ratio=2", "num_head_replica=2", "oproj_tensor_parallel_size=2",
                              "lmhead_tensor_parallel_size=1", "embedding_tensor_parallel_size=2",
                              "mlp_tensor_parallel_size=2", "flashcomm2_enabled=true",
                              "flashcomm2_oproj_tensor_parallel_size=2", "layer_sharding=true", "dynamic_eplb=true",
                              "multistream_overlap_gate=true"}),
                    with(16, {"tensor_parallel_size=4", "data_parallel_size=4", "flashcomm2_enabled=true",
                              "layer_sharding=true", "mlp_tensor_parallel_size=4"}),
                    with(16, {"tensor_parallel_size=2", "data_parallel_size=2", "pipeline_parallel_size=2",
                              "prefill_context_parallel_size=2", "layer_sharding=true", "dynamic_eplb=true"})};
        default: return {};
    }
}

}  // namespace

TEST_CASE("mpi: configs covering every family, eager and lazy", "[mpi]") {
    const std::vector<ranktopo::config> configs = configs_for(world_size());
    REQUIRE_FALSE(configs.empty());  // the same on every rank
    for (const ranktopo::config& c : configs) {
        INFO("config " << ranktopo::to_json(c));
        const ranktopo::plan p = ranktopo::make_plan(c);
        const ranktopo::family tp = ranktopo::families::tp(c);
        const auto expected_for = [&](int creation) {
            return enumerated(creation < 0 ? tp : p.creations[static_cast<std::size_t>(creation)].groups, world_rank());
        };
        for (const ranktopo::creation_mode mode : {ranktopo::creation_mode::eager, ranktopo::creation_mode::lazy}) {
            for (const ranktopo::mpi::method how : methods) run_config(c, mode, how, expected_for);
        }
    }
}

TEST_CASE("mpi: every golden fixture of this world size", "[mpi][golden]") {
    const int n = world_size();
    const int me = world_rank();
    int served = 0;
    for (const nlohmann::json& fixture : ranktopo_test::load_golden_fixtures()) {
        if (fixture["expect"] != "groups" || fixture["config"]["world_size"] != n) continue;
        INFO("config " << fixture["config"].dump());
        const ranktopo::config c = ranktopo::parse_config(fixture["config"].dump());
        const ranktopo::family tp = ranktopo::families::tp(c);
        const auto expected_for = [&](int creation) -> expectation {
            if (creation < 0) return enumerated(tp, me);
            const nlohmann::json& groups = fixture["creations"][static_cast<std::size_t>(creation)]["groups"];
            const ranktopo::location where = ranktopo_test::golden_locations(groups, n)[static_cast<std::size_t>(me)];
            return {groups[static_cast<std::size_t>(where.group)].get<std::vector<int>>(), where.position};
        };
        for (const ranktopo::mpi::method how : methods) {
            run_config(c, ranktopo::creation_mode::eager, how, expected_for);
        }
        ++served;
    }
    CHECK(served > 0);
}

TEST_CASE("mpi: identical sharing creates each shared communicator once and serves it to every sharer",
          "[mpi][sharing]") {
    if (world_size() != 4) return;  // one config, at 4 processes
    // 0.20.2rc1: mc2, dynamic_eplb and fc3_quant_x hold ep's groups (the
    // world here); world, ep and fc3_quant_x have the key 200 MB/shared.
    const ranktopo::config c = with(4, {"tensor_parallel_size=2", "data_parallel_size=2", "dynamic_eplb=true",
                                        "multistream_overlap_gate=true", "vllm_ascend_version=0.20.2rc1"});
    for (const ranktopo::mpi::method how : methods) {
        INFO("method " << ranktopo::mpi::name(how));
        ranktopo::mpi::backend backend(MPI_COMM_WORLD, how);
        const int me = backend.rank();
        registry r;
        r.init(c, backend, me, ranktopo::init_options{true, false, ranktopo::sharing_policy::identical, nullptr});
        const std::size_t handles = r.handle_count();
        CHECK(handles < r.creations().size());
        CHECK(r.get("fc3_quant_x").handle == r.get("world").handle);
        CHECK(r.get("ep").handle == r.get("world").handle);
        CHECK(r.get("mc2").handle != r.get("world").handle);
        for (const ranktopo::bound_accessor& b : r.bound()) {
            INFO("accessor " << b.accessor);
            const registry::group got = r.get(b.accessor);
            check_communicator(got.handle, {got.members.to_vector(), got.position});
        }
        r.destroy();
        CHECK(backend.created() == static_cast<int>(handles));
        CHECK(backend.freed() == backend.created());
    }
}

TEST_CASE("mpi: a config for another world size is refused before any split", "[mpi]") {
    ranktopo::config c;
    c.world_size = 2 * world_size();
    c.tensor_parallel_size = 2;
    ranktopo::mpi::backend backend;
    registry r;
    CHECK_THROWS_AS(r.init(c, backend, backend.rank()), ranktopo::agreement_error);
    CHECK_THROWS_WITH(r.init(c, backend, backend.rank()),
                      "ranktopo::registry::init: world_size is " + std::to_string(2 * world_size()) +
                          " on every rank but the backend's parent has " + std::to_string(world_size()) +
                          " ranks; run " + std::to_string(2 * world_size()) + " processes or set world_size to " +
                          std::to_string(world_size()));
    CHECK_FALSE(r.initialized());
    CHECK(backend.created() == 0);
    CHECK(backend.gathers() == 2);
    // The backend alone still refuses before its split.
    CHECK_THROWS_WITH(backend.create(ranktopo::make_request("mc2", ranktopo::families::mc2(c), backend.rank())),
                      Catch::Contains("ranktopo::mpi::backend::create('mc2'): the parent communicator has " +
                                      std::to_string(world_size()) + " processes but the config's world_size is " +
                                      std::to_string(2 * world_size())));
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const int failed = Catch::Session().run(argc, argv);
    int any_failed = 0;  // every rank exits with the worst result
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any_failed;
}
