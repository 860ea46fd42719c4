// Agreement under mpiexec (4 and 8 processes): one rank skewed in a size
// option, a boolean or the release makes every rank throw the same
// agreement_error, promptly (ctest's TIMEOUT), and leaves no rank inside a
// collective: every rank then meets the others in one more MPI_Allreduce.
// A matching config makes exactly one MPI_Comm_split per creation plus one
// MPI_Allgather: the MPI collectives are counted through the PMPI profiling
// interface, below, so a hidden extra collective would show.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <mpi.h>

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "mpi_world.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/mpi.hpp"
#include "ranktopo/registry.hpp"

namespace {

/// MPI collectives this process entered, by kind (the test's own included).
struct collective_counts {
    long split = 0;
    long create_group = 0;
    long allgather = 0;
    long other = 0;  ///< any other communicator-creating or collective call wrapped below
};
collective_counts counted;  // NOLINT: the PMPI wrappers below have no other place to count

}  // namespace

extern "C" {
int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* out) {
    ++counted.split;
    return PMPI_Comm_split(comm, color, key, out);
}
int MPI_Allgather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
                  MPI_Datatype receive_type, MPI_Comm comm) {
    ++counted.allgather;
    return PMPI_Allgather(send, send_count, send_type, receive, receive_count, receive_type, comm);
}
int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm* out) {
    ++counted.create_group;
    return PMPI_Comm_create_group(comm, group, tag, out);
}
int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* out) {
    ++counted.other;
    return PMPI_Comm_create(comm, group, out);
}
int MPI_Comm_dup(MPI_Comm comm, MPI_Comm* out) {
    ++counted.other;
    return PMPI_Comm_dup(comm, out);
}
int MPI_Barrier(MPI_Comm comm) {
    ++counted.other;
    return PMPI_Barrier(comm);
}
int MPI_Bcast(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
    ++counted.other;
    return PMPI_Bcast(buffer, count, type, root, comm);
}
}

namespace {

using registry = ranktopo::registry<ranktopo::mpi::backend>;

using ranktopo_test::world_rank;
using ranktopo_test::world_size;

/// Every rank's value of `mine` equals rank 0's (one PMPI_Allreduce of min and max).
bool same_everywhere(std::uint64_t mine) {
    std::uint64_t range[2] = {mine, ~mine};
    std::uint64_t all[2] = {0, 0};
    PMPI_Allreduce(range, all, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return all[0] == mine && ~all[1] == mine;
}

ranktopo::config base() {
    ranktopo::config c;
    c.world_size = world_size();
    c.tensor_parallel_size = 2;
    c.data_parallel_size = world_size() / 2;
    c.mlp_tensor_parallel_size = 2;
    return c;
}

/// Inits a registry with `c` on this rank; returns the agreement error's
/// option and message, or "" if init succeeded.
std::pair<std::string, std::string> init_with(const ranktopo::config& c) {
    ranktopo::mpi::backend backend;
    registry r;
    try {
        r.init(c, backend, backend.rank());
    } catch (const ranktopo::agreement_error& e) {
        return {e.option(), e.what()};
    }
    return {};
}

/// One rank (the last) skewed by `skew`: every rank throws the same error
/// naming `option`, creates nothing, and is free to meet the others again.
void skewed(const std::string& option, const std::function<void(ranktopo::config&)>& skew,
            const std::string& expected) {
    ranktopo::config c = base();
    if (world_rank() == world_size() - 1) skew(c);
    const long splits = counted.split;
    const auto [what_option, what] = init_with(c);
    CHECK(what_option == option);
    CHECK_THAT(what, Catch::Contains(expected));
    CHECK(counted.split == splits);
    ranktopo::fnv1a64 h;
    h.bytes(what);
    CHECK(same_everywhere(h.value()));  // the same message on every rank, and all of them here
}

}  // namespace

TEST_CASE("mpi agreement: a size option skewed on one rank", "[mpi][agreement]") {
    const int n = world_size();
    skewed(
        "mlp_tensor_parallel_size", [](ranktopo::config& c) { c.mlp_tensor_parallel_size = 0; },
        "ranks 0-" + std::to_string(n - 2) + " have mlp_tensor_parallel_size=2, rank " + std::to_string(n - 1) +
            " has 0");
}

TEST_CASE("mpi agreement: a boolean skewed on one rank", "[mpi][agreement]") {
    const int n = world_size();
    skewed(
        "dynamic_eplb", [](ranktopo::config& c) { c.dynamic_eplb = true; },
        "ranks 0-" + std::to_string(n - 2) + " have dynamic_eplb=false, rank " + std::to_string(n - 1) + " has true");
}

TEST_CASE("mpi agreement: the release skewed on one rank", "[mpi][agreement]") {
    const int n = world_size();
    skewed(
        "vllm_ascend_version", [](ranktopo::config& c) { ranktopo::set_option(c, "vllm_ascend_version=latest"); },
        "ranks 0-" + std::to_string(n - 2) + " have vllm_ascend_version=0.17.0rc1, rank " + std::to_string(n - 1) +
            " has 0.25.1rc1");
}

TEST_CASE("mpi agreement: a matching config makes one collective per creation plus one", "[mpi][agreement]") {
    ranktopo::config c = base();
    c.dynamic_eplb = true;
    c.oproj_tensor_parallel_size = 2;  // shares mlptp's size: no creation of its own
    c.lmhead_tensor_parallel_size = 1;
    const auto creations = static_cast<long>(ranktopo::make_plan(c).creations.size());
    for (const ranktopo::mpi::method how : {ranktopo::mpi::method::split, ranktopo::mpi::method::members_only}) {
        INFO("method " << ranktopo::mpi::name(how));
        const collective_counts before = counted;
        ranktopo::mpi::backend backend(MPI_COMM_WORLD, how);
        registry r;
        r.init(c, backend, backend.rank());
        const collective_counts after = counted;
        const bool split = how == ranktopo::mpi::method::split;
        CHECK(after.split - before.split == (split ? creations : 0));
        CHECK(after.create_group - before.create_group == (split ? 0 : creations));
        CHECK(after.allgather - before.allgather == 1);
        CHECK(after.other - before.other == 0);
        CHECK(backend.created() == static_cast<int>(creations));
        CHECK(backend.gathers() == 1);
        r.destroy();
        CHECK(backend.freed() == backend.created());
    }
}

TEST_CASE("mpi agreement: checked_lazy refuses a wrong get() order on every rank", "[mpi][agreement][lazy]") {
    ranktopo::mpi::backend backend;
    registry r(ranktopo::creation_mode::checked_lazy);
    r.init(base(), backend, backend.rank());
    std::string what;
    try {
        (void)r.get(world_rank() == 0 ? ranktopo::accessor::mlp_tp : ranktopo::accessor::mc2);
    } catch (const ranktopo::agreement_error& e) {
        what = e.what();
    }
    CHECK_THAT(what, Catch::Contains("rank 0 'mlptp' (creation 1)"));
    ranktopo::fnv1a64 h;
    h.bytes(what);
    CHECK(same_everywhere(h.value()));
    CHECK(backend.created() == 0);
    // Then in the same order everywhere: created, and the communicator works.
    const registry::group mlp = r.get(ranktopo::accessor::mlp_tp);
    int size = 0;
    MPI_Comm_size(mlp.handle, &size);
    CHECK(size == 2);
    r.destroy();
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const int failed = Catch::Session().run(argc, argv);
    int any_failed = 0;  // every rank exits with the worst result
    PMPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any_failed;
}
