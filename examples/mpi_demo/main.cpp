// ranktopo-mpi-demo — each MPI rank builds the registry for a config over
// MPI_COMM_WORLD and reports its groups; rank 0 prints every rank's report.
//
//   mpirun -np 8 ranktopo-mpi-demo --set tensor_parallel_size=2
//          --set data_parallel_size=2 --set pipeline_parallel_size=2
//
// world_size is MPI's unless --set overrides it (and then must agree).
//
// --skew-rank R --skew KEY=VALUE gives rank R another value, as a stale
// config file on one node would: every rank then prints the same
// agreement_error and exits with status 3, none waits in a collective.
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mpi.h>
#include <unistd.h>

#include "group_line.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/mpi.hpp"
#include "ranktopo/registry.hpp"

namespace {

constexpr std::string_view usage =
    "Usage: mpirun -np N ranktopo-mpi-demo [--lazy] [--method members_only|split] [--set KEY=VALUE]...\n"
    "                                       [--skew-rank R --skew KEY=VALUE]...\n"
    "Builds ranktopo's communicators for the config on every rank (world_size = N unless set)\n"
    "and prints, per rank, each accessor's group after checking the communicator against it.\n"
    "--method: each rank creates its own group with MPI_Comm_create_group (members_only, the\n"
    "default) or every creation is one MPI_Comm_split over the world (split).\n"
    "--skew-rank R --skew KEY=VALUE: rank R alone applies the --skew settings; the ranks then\n"
    "disagree, and every rank prints the same error (exit status 3) instead of hanging.\n";

/// This rank's report: one line per accessor the registry serves, vLLM's first.
std::string report(ranktopo::registry<ranktopo::mpi::backend>& registry, int rank) {
    std::ostringstream out;
    for (const ranktopo::bound_accessor& bound : registry.bound()) {
        const auto group = registry.get(bound.accessor);
        // The communicator must be the group: same size, rank = position,
        // and its members' world ranks in order.
        int size = 0;
        int position = 0;
        MPI_Comm_size(group.handle, &size);
        MPI_Comm_rank(group.handle, &position);
        std::vector<int> world_ranks(static_cast<std::size_t>(size));
        MPI_Allgather(&rank, 1, MPI_INT, world_ranks.data(), 1, MPI_INT, group.handle);
        const bool ok = world_ranks == group.members.to_vector() && position == group.position;
        out << ranktopo_demo::group_line(rank, bound.accessor, bound.creation, group.position, group.members) << ' '
            << (ok ? "ok" : "MISMATCH") << '\n';
    }
    return out.str();
}

/// Rank 0 prints every rank's text, in rank order.
void print_in_rank_order(const std::string& text, int rank, int ranks) {
    const int length = static_cast<int>(text.size());
    std::vector<int> lengths(static_cast<std::size_t>(ranks));
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> offsets(static_cast<std::size_t>(ranks));
    int total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
        offsets[r] = total;
        total += lengths[r];
    }
    std::string all(static_cast<std::size_t>(rank == 0 ? total : 0), '\0');
    MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0) std::cout << all << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    int ranks = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    // Reading the command line and the config involves no communication and
    // gives every rank the same answer: on an error, rank 0 says it once and
    // all exit cleanly.
    ranktopo::config c;
    c.world_size = ranks;
    auto mode = ranktopo::creation_mode::eager;
    auto method = ranktopo::mpi::backend::default_method;
    int skew_rank = -1;
    std::vector<std::string> skews;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                if (rank == 0) std::cout << usage;
                MPI_Finalize();
                return 0;
            }
            if (arg == "--lazy") {
                mode = ranktopo::creation_mode::lazy;
            } else if (arg == "--method" && i + 1 < argc) {
                const std::string_view value = argv[++i];
                const std::optional<ranktopo::mpi::method> parsed = ranktopo::mpi::parse_method(value);
                if (!parsed) {
                    throw std::invalid_argument("--method " + std::string(value) + ": expected members_only or split");
                }
                method = *parsed;
            } else if (arg == "--set" && i + 1 < argc) {
                ranktopo::set_option(c, argv[++i]);
            } else if (arg == "--skew-rank" && i + 1 < argc) {
                skew_rank = std::stoi(argv[++i]);
            } else if (arg == "--skew" && i + 1 < argc) {
                skews.emplace_back(argv[++i]);
            } else {
                throw std::invalid_argument("unknown argument '" + std::string(arg) + "' (see --help)");
            }
        }
        if (c.world_size != ranks) {
            throw std::invalid_argument("world_size (" + std::to_string(c.world_size) + ") differs from the " +
                                        std::to_string(ranks) + " MPI processes; run mpirun -np " +
                                        std::to_string(c.world_size) + " or drop --set world_size");
        }
        ranktopo::config skewed = c;  // parsed on every rank: a bad --skew fails everywhere alike
        for (const std::string& setting : skews) ranktopo::set_option(skewed, setting);
        if (rank == skew_rank) c = skewed;
    } catch (const std::exception& e) {
        if (rank == 0) std::cerr << "ranktopo-mpi-demo: " << e.what() << '\n';
        MPI_Finalize();
        return 2;
    }

    try {
        ranktopo::mpi::backend backend(MPI_COMM_WORLD, method);
        // The engine-facing path: vLLM's own groups (world, tp, ...) are
        // created here too, and vllm-ascend's own config rules apply.
        ranktopo::registry<ranktopo::mpi::backend> registry(mode);
        try {
            // Agreement first: a config that differs between ranks, or that
            // no rank can serve, fails here on every rank alike.
            registry.init(c, backend, backend.rank(), ranktopo::init_options{.vllm_groups = true});
        } catch (const ranktopo::agreement_error& e) {
            // One write(2) per line: the ranks' lines do not interleave.
            const std::string line = "ranktopo-mpi-demo (rank " + std::to_string(rank) + "): " + e.what() + "\n";
            if (::write(STDERR_FILENO, line.data(), line.size()) < 0) std::perror("ranktopo-mpi-demo: write");
            // No rank is inside a collective: all meet here, so that every
            // rank has printed before mpirun sees the first non-zero exit.
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Finalize();
            return 3;
        } catch (const ranktopo::config_error& e) {
            if (rank == 0) std::cerr << "ranktopo-mpi-demo: " << e.what() << std::endl;
            MPI_Finalize();
            return 2;
        }
        const std::string text = report(registry, rank);
        const std::size_t creations = registry.creations().size();
        registry.destroy();
        print_in_rank_order(text, rank, ranks);
        if (rank == 0) {
            std::cout << ranks << " ranks; rank 0 agreed in " << backend.gathers() << " all_gather, created "
                      << backend.created() << " communicators (" << creations << " creations) and freed "
                      << backend.freed() << '\n';
        }
    } catch (const std::exception& e) {
        // One rank may fail where others wait in a collective: abort them all.
        std::cerr << "ranktopo-mpi-demo (rank " << rank << "): " << e.what() << std::endl;
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Finalize();
    return 0;
}
