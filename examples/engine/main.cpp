// An engine over ranktopo's registry, the whole of its group handling:
// build the config, init (vLLM's own groups included), iterate, destroy.
//
//   engine [RANK]              the engine's own backend, playing RANK of 8 (default 5)
//   mpiexec -n 8 engine-mpi    the same over MPI: one process per rank, rank 0 prints
//
// Per-group settings (here a buffer size, as an HCCL backend would take)
// are keyed by any name of a group — creation, accessor or module name —
// and found through creation_request::answers_to: "mlptp" reaches the
// creation MLP TP uses even when it shares o_proj's "otp".
#include <array>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include <ranktopo/ranktopo.hpp>
#ifdef ENGINE_WITH_MPI
#include <mpi.h>

#include <ranktopo/mpi.hpp>
#endif

namespace {

#ifdef ENGINE_WITH_MPI
std::string describe(MPI_Comm handle) {
    int size = 0;
    MPI_Comm_size(handle, &size);
    return "MPI_Comm of " + std::to_string(size);
}
#else
constexpr std::array<std::pair<std::string_view, int>, 3> buffer_mb{{{"mc2", 512}, {"mlptp", 200}, {"tp", 100}}};

/// The engine's own backend: a handle says what a real one would create.
struct engine_backend {
    using handle_type = std::string;

    std::string create(const ranktopo::creation_request& r) {
        int mb = 64;
        for (const auto& [key, value] : buffer_mb) {
            if (r.answers_to(key)) mb = value;
        }
        return std::string(r.name) + ", " + std::to_string(mb) + " MB";
    }
    void destroy(const std::string& /*handle*/) {}
};

std::string describe(const std::string& handle) {
    return handle;
}
#endif

/// The engine's topology: 8 ranks, TP 2, DP 4, o_proj and MLP TP of 2 (one shared group).
ranktopo::config topology(int world) {
    ranktopo::config c;
    c.world_size = world;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = world / 2;
    c.oproj_tensor_parallel_size = 2;
    c.mlp_tensor_parallel_size = 2;
    return c;
}

template <class Backend>
std::string run(Backend& backend, int rank, int world) {
    ranktopo::registry<Backend> groups;
    groups.init(topology(world), backend, rank, ranktopo::init_options{.vllm_groups = true});
    std::ostringstream out;
    for (const ranktopo::bound_accessor& bound : groups.bound()) {
        const auto g = groups.get(bound.accessor);
        out << "rank " << rank << ": " << bound.accessor << " -> " << bound.creation
            << (bound.shared() ? " (shared)" : "") << " position " << g.position << " of " << g.members.size() << ":";
        for (const int member : g.members) out << ' ' << member;
        out << " [" << describe(g.handle) << "]\n";
    }
    groups.destroy();
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
#ifdef ENGINE_WITH_MPI
    MPI_Init(&argc, &argv);
    int status = 0;
    try {
        ranktopo::mpi::backend backend;
        const std::string text = run(backend, backend.rank(), backend.size());
        if (backend.rank() == 0) std::cout << text << std::flush;
    } catch (const ranktopo::error& e) {  // agreement_error and config_error: the same on every rank
        std::cerr << "engine: " << e.what() << '\n';
        status = 1;
    }
    MPI_Finalize();
    return status;
#else
    try {
        const int rank = argc > 1 ? std::atoi(argv[1]) : 5;
        engine_backend backend;
        std::cout << run(backend, rank, 8);
    } catch (const ranktopo::error& e) {
        std::cerr << "engine: " << e.what() << '\n';
        return 1;
    }
    return 0;
#endif
}
