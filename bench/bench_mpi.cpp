// ranktopo's MPI creation benchmark (issue 4, item 4): every communicator of
// a plan created two ways, timed and with its MPI calls counted.
//
//   mpirun -np 8|16 ranktopo_bench_mpi [REPETITIONS]
//
// split:        one MPI_Comm_split per creation over the world, colour =
//               group index and key = position from family::locate.
// members-only: what torch.distributed.new_group amounts to, called the way
//               vLLM calls it: every rank walks every group of a creation,
//               builds its member list and MPI group (MPI_Group_incl), and
//               the members create it (MPI_Comm_create_group).
// registry:     ranktopo::registry over ranktopo::mpi::backend, as an engine
//               uses it: one MPI_Allgather to agree on the config (issue 10),
//               then split per creation; init and destroy are timed.
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

/// MPI calls one rank makes to create every communicator of a plan.
struct call_count {
    std::int64_t total = 0;
    std::int64_t collective = 0;  ///< calls that synchronize with other ranks
};

call_count create_by_split(const ranktopo::plan& p, int rank, std::vector<MPI_Comm>& comms) {
    call_count calls;
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const ranktopo::location where = p.creations[i].groups.locate(rank);
        MPI_Comm_split(MPI_COMM_WORLD, where.group, where.position, &comms[i]);
        ++calls.total;
        ++calls.collective;
    }
    return calls;
}

call_count create_by_members(const ranktopo::plan& p, int rank, std::vector<MPI_Comm>& comms) {
    call_count calls;
    MPI_Group world_group = MPI_GROUP_NULL;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    ++calls.total;
    std::vector<int> members;
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const ranktopo::family& f = p.creations[i].groups;
        const int mine = f.locate(rank).group;
        for (int g = 0; g < f.group_count(); ++g) {
            const ranktopo::group_view view = f.group(g);
            members.assign(view.begin(), view.end());
            MPI_Group group = MPI_GROUP_NULL;
            MPI_Group_incl(world_group, static_cast<int>(members.size()), members.data(), &group);
            ++calls.total;
            if (g == mine) {
                MPI_Comm_create_group(MPI_COMM_WORLD, group, static_cast<int>(i), &comms[i]);
                ++calls.total;
                ++calls.collective;
            }
            MPI_Group_free(&group);
            ++calls.total;
        }
    }
    MPI_Group_free(&world_group);
    ++calls.total;
    return calls;
}

/// The members-only strategy's calls per rank, counted without MPI.
std::int64_t members_only_calls(const ranktopo::plan& p) {
    std::int64_t calls = 2;  // MPI_Comm_group and MPI_Group_free of the world group
    for (const ranktopo::creation& made : p.creations) calls += 2 * std::int64_t{made.groups.group_count()} + 1;
    return calls;
}

void free_all(std::vector<MPI_Comm>& comms) {
    for (MPI_Comm& c : comms) {
        if (c != MPI_COMM_NULL) MPI_Comm_free(&c);
    }
}

/// Both strategies give, on every rank, the same communicators, with the
/// rank at its position; returns the number of mismatches on this rank.
int mismatches(const ranktopo::plan& p, int rank) {
    std::vector<MPI_Comm> split(p.creations.size(), MPI_COMM_NULL);
    std::vector<MPI_Comm> members(p.creations.size(), MPI_COMM_NULL);
    create_by_split(p, rank, split);
    create_by_members(p, rank, members);
    int wrong = 0;
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const ranktopo::family& f = p.creations[i].groups;
        int comparison = MPI_UNEQUAL;
        int size = 0;
        int position = -1;
        MPI_Comm_compare(split[i], members[i], &comparison);
        MPI_Comm_size(split[i], &size);
        MPI_Comm_rank(split[i], &position);
        if (comparison != MPI_CONGRUENT || size != f.group_size() || position != f.locate(rank).position) ++wrong;
    }
    free_all(split);
    free_all(members);
    return wrong;
}

/// The slowest rank's time for one creation of every communicator.
double timed(const ranktopo::plan& p, int rank,
             call_count (*strategy)(const ranktopo::plan&, int, std::vector<MPI_Comm>&), call_count& calls) {
    std::vector<MPI_Comm> comms(p.creations.size(), MPI_COMM_NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    calls = strategy(p, rank, comms);
    const double elapsed = MPI_Wtime() - start;
    free_all(comms);
    double slowest = 0;
    MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return slowest;
}

/// The slowest rank's time for a registry's init (agreement, then every
/// creation); `calls` gets its MPI calls, from the backend's counters.
double timed_registry(const ranktopo::config& c, call_count& calls) {
    ranktopo::mpi::backend backend;
    ranktopo::registry<ranktopo::mpi::backend> r;
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    r.init(c, backend, backend.rank());
    const double elapsed = MPI_Wtime() - start;
    r.destroy();
    calls.total = backend.gathers() + backend.created();
    calls.collective = calls.total;
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

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    int world = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    const ranktopo::config c = ranktopo::bench::small_config(world);
    if (c.world_size == 0) {
        if (rank == 0) std::fprintf(stderr, "ranktopo_bench_mpi: run with 8 or 16 processes, not %d\n", world);
        MPI_Finalize();
        return 2;
    }
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const ranktopo::plan p = ranktopo::make_plan(c);

    int wrong = 0;
    const int mine = mismatches(p, rank);
    MPI_Allreduce(&mine, &wrong, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    // Alternate the strategies so that both see the same machine load.
    std::vector<double> split_times;
    std::vector<double> member_times;
    std::vector<double> registry_times;
    call_count split_calls;
    call_count member_calls;
    call_count registry_calls;
    for (int r = 0; r < repetitions; ++r) {
        split_times.push_back(timed(p, rank, create_by_split, split_calls));
        member_times.push_back(timed(p, rank, create_by_members, member_calls));
        registry_times.push_back(timed_registry(c, registry_calls));
    }
    const std::int64_t registry_total = max_over_ranks(registry_calls.total);
    const std::int64_t split_total = max_over_ranks(split_calls.total);
    const std::int64_t split_collective = max_over_ranks(split_calls.collective);
    const std::int64_t member_total = max_over_ranks(member_calls.total);
    const std::int64_t member_collective = max_over_ranks(member_calls.collective);

    if (rank == 0) {
        std::int64_t groups = 0;
        for (const ranktopo::creation& made : p.creations) groups += made.groups.group_count();
        const double split_ms = median(split_times) * 1e3;
        const double member_ms = median(member_times) * 1e3;
        std::printf(
            "\n## ranktopo_bench_mpi summary: %d processes, %zu creations, %lld groups, median of %d,"
            " slowest rank\n\n",
            world, p.creations.size(), static_cast<long long>(groups), repetitions);
        std::printf("| processes | strategy | ms to create all | MPI calls per rank | collective calls per rank |\n");
        std::printf("| ---: | --- | ---: | ---: | ---: |\n");
        std::printf("| %d | split per creation | %.3f | %lld | %lld |\n", world, split_ms,
                    static_cast<long long>(split_total), static_cast<long long>(split_collective));
        std::printf("| %d | members-only (new_group) | %.3f | %lld | %lld |\n", world, member_ms,
                    static_cast<long long>(member_total), static_cast<long long>(member_collective));
        std::printf("| %d | members-only / split | %.2fx | %.2fx | %.2fx |\n", world, member_ms / split_ms,
                    static_cast<double>(member_total) / static_cast<double>(split_total),
                    static_cast<double>(member_collective) / static_cast<double>(split_collective));
        const double registry_ms = median(registry_times) * 1e3;
        std::printf("| %d | registry: agreement + split | %.3f | %lld | %lld |\n", world, registry_ms,
                    static_cast<long long>(registry_total), static_cast<long long>(registry_total));
        std::printf("| %d | registry / split | %.2fx | %.2fx | %.2fx |\n", world, registry_ms / split_ms,
                    static_cast<double>(registry_total) / static_cast<double>(split_total),
                    static_cast<double>(registry_total) / static_cast<double>(split_collective));
        std::printf(
            "\nIssue 4 target, one MPI collective per creation: %lld collective calls for %zu creations"
            " with split, %s\n",
            static_cast<long long>(split_collective), p.creations.size(),
            split_collective == static_cast<std::int64_t>(p.creations.size()) && split_total == split_collective
                ? "met"
                : "NOT met");
        std::printf(
            "Issue 10 target, agreement costs one collective per init: %lld collective calls for %zu"
            " creations with the registry, %s\n",
            static_cast<long long>(registry_total), p.creations.size(),
            registry_total == static_cast<std::int64_t>(p.creations.size()) + 1 ? "met" : "NOT met");
        std::printf(
            "same communicators from both strategies on every rank: %s;"
            " members-only calls as counted from the plan: %s\n",
            wrong == 0 ? "yes" : "NO", members_only_calls(p) == member_total ? "yes" : "NO");
        if (world == 16) {
            std::printf("\nMPI calls per rank for the issue's config, counted from its plan (not run):\n\n");
            std::printf(
                "| N | creations | groups | split | members-only | ratio |\n| ---: | ---: | ---: | ---: | ---: | ---: "
                "|\n");
            for (int log2 = ranktopo::bench::smallest_world_log2; log2 <= ranktopo::bench::largest_world_log2;
                 log2 += 2) {
                const ranktopo::plan big = ranktopo::make_plan(ranktopo::bench::issue_config(1 << log2));
                std::int64_t big_groups = 0;
                for (const ranktopo::creation& made : big.creations) big_groups += made.groups.group_count();
                const auto split = static_cast<std::int64_t>(big.creations.size());
                const std::int64_t members = members_only_calls(big);
                std::printf("| 2^%d | %lld | %lld | %lld | %lld | %.0fx |\n", log2, static_cast<long long>(split),
                            static_cast<long long>(big_groups), static_cast<long long>(split),
                            static_cast<long long>(members), static_cast<double>(members) / static_cast<double>(split));
            }
        }
    }
    MPI_Finalize();
    return wrong == 0 ? 0 : 1;
}
