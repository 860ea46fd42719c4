// ranktopo's MPI creation benchmark (issues 4 and 11): every communicator of
// a plan created several ways, timed, with the MPI calls of each counted
// through the PMPI profiling interface.
//
//   mpirun -np 2|4|8|16 ranktopo_bench_mpi [REPETITIONS]
//
// split:        ranktopo::mpi::backend, method::split: one MPI_Comm_split
//               per creation over the whole world.
// members-only: ranktopo::mpi::backend, method::members_only: this rank's
//               own group, MPI_Group_incl and MPI_Comm_create_group among
//               its members only.
// every group:  what torch.distributed.new_group amounts to, called the way
//               vLLM calls it: every rank walks every group of a creation,
//               builds its member list and MPI group (MPI_Group_incl), and
//               the members create it (MPI_Comm_create_group).
// registry:     ranktopo::registry over the backend with each method, as an
//               engine uses it: one MPI_Allgather to agree on the config
//               (issue 10), then every creation; init alone is timed.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "issue_config.hpp"
#include "ranktopo/mpi.hpp"
#include "ranktopo/ranktopo.hpp"

namespace {

/// MPI calls this process made, counted by the wrappers below.
struct call_count {
    std::int64_t total = 0;
    std::int64_t collective = 0;  ///< calls that synchronize with other ranks
};
call_count counted;  // NOLINT: the PMPI wrappers have no other place to count

}  // namespace

// The calls the strategies make; the benchmark's own barriers and
// reductions are not wrapped, so they are never counted.
extern "C" {
int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* out) {
    ++counted.total;
    ++counted.collective;
    return PMPI_Comm_split(comm, color, key, out);
}
int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm* out) {
    ++counted.total;
    ++counted.collective;
    return PMPI_Comm_create_group(comm, group, tag, out);
}
int MPI_Allgather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
                  MPI_Datatype receive_type, MPI_Comm comm) {
    ++counted.total;
    ++counted.collective;
    return PMPI_Allgather(send, send_count, send_type, receive, receive_count, receive_type, comm);
}
int MPI_Comm_group(MPI_Comm comm, MPI_Group* group) {
    ++counted.total;
    return PMPI_Comm_group(comm, group);
}
int MPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group* out) {
    ++counted.total;
    return PMPI_Group_incl(group, n, ranks, out);
}
int MPI_Group_free(MPI_Group* group) {
    ++counted.total;
    return PMPI_Group_free(group);
}
}

namespace {

using ranktopo::mpi::method;

using strategy = void (*)(const ranktopo::plan&, int, std::vector<MPI_Comm>&);

template <method How>
void by_backend(const ranktopo::plan& p, int rank, std::vector<MPI_Comm>& comms) {
    ranktopo::mpi::backend backend(MPI_COMM_WORLD, How);
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        comms[i] = backend.create(ranktopo::make_request(p.creations[i].name, p.creations[i].groups, rank));
    }
}

void by_every_group(const ranktopo::plan& p, int rank, std::vector<MPI_Comm>& comms) {
    MPI_Group world_group = MPI_GROUP_NULL;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    std::vector<int> members;
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const ranktopo::family& f = p.creations[i].groups;
        const int mine = f.locate(rank).group;
        for (int g = 0; g < f.group_count(); ++g) {
            const ranktopo::group_view view = f.group(g);
            members.assign(view.begin(), view.end());
            MPI_Group group = MPI_GROUP_NULL;
            MPI_Group_incl(world_group, static_cast<int>(members.size()), members.data(), &group);
            if (g == mine) MPI_Comm_create_group(MPI_COMM_WORLD, group, static_cast<int>(i), &comms[i]);
            MPI_Group_free(&group);
        }
    }
    MPI_Group_free(&world_group);
}

/// The every-group strategy's calls per rank, counted from the plan.
std::int64_t every_group_calls(const ranktopo::plan& p) {
    std::int64_t calls = 2;  // MPI_Comm_group and MPI_Group_free of the world group
    for (const ranktopo::creation& made : p.creations) calls += 2 * std::int64_t{made.groups.group_count()} + 1;
    return calls;
}

/// The backend's calls per rank with members_only, counted from the plan:
/// per creation MPI_Comm_group, MPI_Group_incl, MPI_Comm_create_group and
/// two MPI_Group_free, whatever the number of groups.
std::int64_t own_group_calls(const ranktopo::plan& p) {
    return 5 * static_cast<std::int64_t>(p.creations.size());
}

void free_all(std::vector<MPI_Comm>& comms) {
    for (MPI_Comm& c : comms) {
        if (c != MPI_COMM_NULL) MPI_Comm_free(&c);
    }
}

/// Every strategy gives, on every rank, the same communicators, with the
/// rank at its position; returns the number of mismatches on this rank.
int mismatches(const ranktopo::plan& p, int rank) {
    int wrong = 0;
    std::vector<MPI_Comm> reference(p.creations.size(), MPI_COMM_NULL);
    by_backend<method::split>(p, rank, reference);
    for (const strategy other : {by_backend<method::members_only>, by_every_group}) {
        std::vector<MPI_Comm> comms(p.creations.size(), MPI_COMM_NULL);
        other(p, rank, comms);
        for (std::size_t i = 0; i < p.creations.size(); ++i) {
            const ranktopo::family& f = p.creations[i].groups;
            int comparison = MPI_UNEQUAL;
            int size = 0;
            int position = -1;
            MPI_Comm_compare(reference[i], comms[i], &comparison);
            MPI_Comm_size(comms[i], &size);
            MPI_Comm_rank(comms[i], &position);
            if (comparison != MPI_CONGRUENT || size != f.group_size() || position != f.locate(rank).position) {
                ++wrong;
            }
        }
        free_all(comms);
    }
    free_all(reference);
    return wrong;
}

/// The slowest rank's time for one creation of every communicator; `calls`
/// gets this rank's MPI calls.
double timed(const ranktopo::plan& p, int rank, strategy create, call_count& calls) {
    std::vector<MPI_Comm> comms(p.creations.size(), MPI_COMM_NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    const call_count before = counted;
    const double start = MPI_Wtime();
    create(p, rank, comms);
    const double elapsed = MPI_Wtime() - start;
    calls = {counted.total - before.total, counted.collective - before.collective};
    free_all(comms);
    double slowest = 0;
    MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return slowest;
}

/// The slowest rank's time for a registry's init (agreement, then every
/// creation) over the backend with `how`; `calls` gets this rank's MPI calls.
double timed_registry(const ranktopo::config& c, method how, call_count& calls) {
    ranktopo::mpi::backend backend(MPI_COMM_WORLD, how);
    ranktopo::registry<ranktopo::mpi::backend> r;
    MPI_Barrier(MPI_COMM_WORLD);
    const call_count before = counted;
    const double start = MPI_Wtime();
    r.init(c, backend, backend.rank());
    const double elapsed = MPI_Wtime() - start;
    calls = {counted.total - before.total, counted.collective - before.collective};
    r.destroy();
    double slowest = 0;
    MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return slowest;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

std::int64_t max_over_ranks(std::int64_t value) {
    std::int64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    return result;
}

/// One row of the summary: a strategy's median time and its calls, the
/// most any rank made.
struct row {
    const char* name;
    std::vector<double> seconds;
    call_count calls;
};

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    int world = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    const ranktopo::config c = ranktopo::bench::small_config(world);
    if (c.world_size == 0) {
        if (rank == 0) std::fprintf(stderr, "ranktopo_bench_mpi: run with 2, 4, 8 or 16 processes, not %d\n", world);
        MPI_Finalize();
        return 2;
    }
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const ranktopo::plan p = ranktopo::make_plan(c);

    int wrong = 0;
    const int mine = mismatches(p, rank);
    MPI_Allreduce(&mine, &wrong, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    row split{"split (`method::split`)", {}, {}};
    row members{"members-only (`method::members_only`)", {}, {}};
    row every{"every group on every rank (vLLM's `new_group`)", {}, {}};
    row registry_split{"registry: agreement + split", {}, {}};
    row registry_members{"registry: agreement + members-only", {}, {}};
    // Interleave the strategies so that all see the same machine load.
    for (int r = 0; r < repetitions; ++r) {
        split.seconds.push_back(timed(p, rank, by_backend<method::split>, split.calls));
        members.seconds.push_back(timed(p, rank, by_backend<method::members_only>, members.calls));
        every.seconds.push_back(timed(p, rank, by_every_group, every.calls));
        registry_split.seconds.push_back(timed_registry(c, method::split, registry_split.calls));
        registry_members.seconds.push_back(timed_registry(c, method::members_only, registry_members.calls));
    }
    std::vector<row*> rows{&split, &members, &every, &registry_split, &registry_members};
    for (row* each : rows) each->calls = {max_over_ranks(each->calls.total), max_over_ranks(each->calls.collective)};

    if (rank == 0) {
        std::int64_t groups = 0;
        for (const ranktopo::creation& made : p.creations) groups += made.groups.group_count();
        std::printf(
            "\n## ranktopo_bench_mpi summary: %d processes, %zu creations, %lld groups, median of %d,"
            " slowest rank\n\n",
            world, p.creations.size(), static_cast<long long>(groups), repetitions);
        std::printf("| processes | strategy | ms to create all | MPI calls per rank | collective calls per rank |\n");
        std::printf("| ---: | --- | ---: | ---: | ---: |\n");
        for (const row* each : rows) {
            std::printf("| %d | %s | %.3f | %lld | %lld |\n", world, each->name, median(each->seconds) * 1e3,
                        static_cast<long long>(each->calls.total), static_cast<long long>(each->calls.collective));
        }
        const double split_ms = median(split.seconds) * 1e3;
        const double members_ms = median(members.seconds) * 1e3;
        std::printf("| %d | members-only / split | %.2fx | | |\n", world, members_ms / split_ms);
        std::printf("\nfaster at %d processes: %s; ranktopo::mpi::backend's default: %s\n", world,
                    members_ms < split_ms ? "members_only" : "split",
                    ranktopo::mpi::name(ranktopo::mpi::backend::default_method));
        const auto creations = static_cast<std::int64_t>(p.creations.size());
        std::printf(
            "Issue 4 target, one MPI collective per creation: %lld collective calls for %zu creations"
            " with split, %s\n",
            static_cast<long long>(split.calls.collective), p.creations.size(),
            split.calls.collective == creations && split.calls.total == creations ? "met" : "NOT met");
        std::printf(
            "Issue 10 target, agreement costs one collective per init: %lld and %lld collective calls for %zu"
            " creations with the registry (split, members-only), %s\n",
            static_cast<long long>(registry_split.calls.collective),
            static_cast<long long>(registry_members.calls.collective), p.creations.size(),
            registry_split.calls.collective == creations + 1 && registry_members.calls.collective == creations + 1
                ? "met"
                : "NOT met");
        std::printf(
            "same communicators from every strategy on every rank: %s; calls as counted from the plan:"
            " members-only %s, every group %s\n",
            wrong == 0 ? "yes" : "NO", own_group_calls(p) == members.calls.total ? "yes" : "NO",
            every_group_calls(p) == every.calls.total ? "yes" : "NO");
        if (world == 16) {
            std::printf("\nMPI calls per rank for the issue's config, counted from its plan (not run):\n\n");
            std::printf(
                "| N | creations | groups | split | members-only | every group (vLLM) | every group / members-only |\n"
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (int log2 = ranktopo::bench::smallest_world_log2; log2 <= ranktopo::bench::largest_world_log2;
                 log2 += 2) {
                const ranktopo::plan big = ranktopo::make_plan(ranktopo::bench::issue_config(1 << log2));
                std::int64_t big_groups = 0;
                for (const ranktopo::creation& made : big.creations) big_groups += made.groups.group_count();
                const auto big_creations = static_cast<std::int64_t>(big.creations.size());
                const std::int64_t own = own_group_calls(big);
                const std::int64_t all = every_group_calls(big);
                std::printf("| 2^%d | %lld | %lld | %lld | %lld | %lld | %.0fx |\n", log2,
                            static_cast<long long>(big_creations), static_cast<long long>(big_groups),
                            static_cast<long long>(big_creations), static_cast<long long>(own),
                            static_cast<long long>(all), static_cast<double>(all) / static_cast<double>(own));
            }
        }
    }
    MPI_Finalize();
    return wrong == 0 ? 0 : 1;
}
