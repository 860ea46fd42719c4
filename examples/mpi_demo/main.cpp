// ranktopo-mpi-demo — each MPI rank builds the registry for a config over
// MPI_COMM_WORLD and reports its groups; rank 0 prints every rank's report.
//
//   mpirun -np 8 ranktopo-mpi-demo --set tensor_parallel_size=2
//          --set data_parallel_size=2 --set pipeline_parallel_size=2
//
// world_size is MPI's unless --set overrides it (and then must agree).
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mpi.h>

#include "ranktopo/io.hpp"
#include "ranktopo/mpi.hpp"
#include "ranktopo/registry.hpp"

namespace {

constexpr std::string_view usage =
    "Usage: mpirun -np N ranktopo-mpi-demo [--lazy] [--set KEY=VALUE]...\n"
    "Builds ranktopo's communicators for the config on every rank (world_size = N unless set)\n"
    "and prints, per rank, each accessor's group after checking the communicator against it.\n";

/// This rank's report: one line per accessor the config enables.
std::string report(ranktopo::registry<ranktopo::mpi::backend>& registry, int rank) {
    const ranktopo::plan p = *registry.current_plan();
    std::ostringstream out;
    for (std::size_t i = 0; i < ranktopo::accessor_count; ++i) {
        const auto a = static_cast<ranktopo::accessor>(i);
        if (p.handle(a).source == ranktopo::binding::kind::none) continue;
        const auto group = registry.get(a);
        // The communicator must be the group: same size, rank = position,
        // and its members' world ranks in order.
        int size = 0;
        int position = 0;
        MPI_Comm_size(group.handle, &size);
        MPI_Comm_rank(group.handle, &position);
        std::vector<int> world_ranks(static_cast<std::size_t>(size));
        MPI_Allgather(&rank, 1, MPI_INT, world_ranks.data(), 1, MPI_INT, group.handle);
        const bool ok = world_ranks == group.members.to_vector() && position == group.position;
        const std::string name = group.borrowed() ? "(engine tp)"
                                                  : p.creations[static_cast<std::size_t>(group.creation)].name;
        out << "rank " << rank << ": " << ranktopo::name(a) << std::string(15 - ranktopo::name(a).size(), ' ') << name
            << std::string(name.size() < 15 ? 15 - name.size() : 1, ' ') << "position " << group.position << " of "
            << group.members.size() << " [";
        for (int k = 0; k < group.members.size(); ++k) out << (k == 0 ? "" : ", ") << group.members[k];
        out << "] " << (ok ? "ok" : "MISMATCH") << '\n';
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
            } else if (arg == "--set" && i + 1 < argc) {
                ranktopo::set_option(c, argv[++i]);
            } else {
                throw std::invalid_argument("unknown argument '" + std::string(arg) + "' (see --help)");
            }
        }
        if (c.world_size != ranks) {
            throw std::invalid_argument("world_size (" + std::to_string(c.world_size) + ") differs from the " +
                                        std::to_string(ranks) + " MPI processes; run mpirun -np " +
                                        std::to_string(c.world_size) + " or drop --set world_size");
        }
        (void)ranktopo::make_plan(c);  // config_error names the option and its value
    } catch (const std::exception& e) {
        if (rank == 0) std::cerr << "ranktopo-mpi-demo: " << e.what() << '\n';
        MPI_Finalize();
        return 2;
    }

    try {
        ranktopo::mpi::backend backend(MPI_COMM_WORLD);
        // The engine's own tensor-parallel communicator: FlashComm2 with
        // o_proj TP size 1 borrows it; the registry never frees it.
        const ranktopo::family tp = ranktopo::families::tp(c);
        MPI_Comm engine_tp = backend.create(ranktopo::make_request("tp", tp, rank));

        ranktopo::registry<ranktopo::mpi::backend> registry(mode);
        registry.init(c, backend, backend.rank(), engine_tp);
        const std::string text = report(registry, rank);
        registry.destroy();
        backend.destroy(engine_tp);
        print_in_rank_order(text, rank, ranks);
        if (rank == 0) {
            std::cout << ranks << " ranks; rank 0 created " << backend.created()
                      << " communicators (one the engine's tp) and freed " << backend.freed() << '\n';
        }
    } catch (const std::exception& e) {
        // One rank may fail where others wait in a collective: abort them all.
        std::cerr << "ranktopo-mpi-demo (rank " << rank << "): " << e.what() << std::endl;
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Finalize();
    return 0;
}
