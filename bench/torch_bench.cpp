// ranktopo::torch members-only creation, timed: N forked ranks share a
// TCPStore served by the launcher (RANKTOPO_BENCH_STORE=file: a FileStore);
// each builds a registry over the torch backend (Gloo) for one config,
// between two store barriers. Prints the slowest rank's wall time, then the
// slowest rank's time in each creation's process-group constructor.
//
//   ranktopo_bench_torch <processes> [key=value ...]   one run, two lines
//   ranktopo_bench_torch --count [key=value ...]       calls per rank up to 2^20, from the plan
//
// RANKTOPO_BENCH_SHARING=identical: the registry shares identical groups with
// equal vllm-ascend keys (init_options::sharing); identical_any: every pair
// of identical groups (bench/creation_model.hpp's any_options_key). A third
// line gives each rank's store calls in its registry's init (counted by a
// wrapper store), a fourth its process-group constructions:
// bench/torch_run.sh checks them against bench/creation_model.hpp.
//
// Settings use world_size = N and D = N / (T * P) (T and P from the
// settings), or `--example` at 16; the same config goes to
// bench/torch_vllm.py through `ranktopo plan`.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "counting_store.hpp"
#include "creation_model.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/torch.hpp"

namespace {

/// The settings on `n` ranks, D = N / (T * P); `--example` is `ranktopo
/// plan --example` (16 ranks) as it stands.
ranktopo::config config_for(int n, int argc, char** argv) {
    if (argc > 2 && std::strcmp(argv[2], "--example") == 0) {
        if (n != ranktopo::example_config().world_size) throw std::invalid_argument("--example is for 16 processes");
        return ranktopo::example_config();
    }
    ranktopo::config c;
    c.world_size = n;
    for (int i = 2; i < argc; ++i) ranktopo::set_option(c, argv[i]);
    c.data_parallel_size = n / (c.tensor_parallel_size * c.pipeline_parallel_size);
    return c;
}

/// Where the ranks meet: a TCPStore on 127.0.0.1 (what vLLM's tcp:// init
/// method gives) when `port` is set, else a FileStore at `path`.
ranktopo::torch::store open_store(int n, const std::string& path, std::uint16_t port) {
    if (port == 0) return c10::make_intrusive<c10d::FileStore>(path, n);
    c10d::TCPStoreOptions options;
    options.port = port;
    options.waitWorkers = false;
    options.timeout = std::chrono::seconds(120);
    return c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
}

/// One rank's figures: the registry's init, and the time each creation's
/// process group took to construct (by creation index).
struct timings {
    double total_ms = -1;
    std::vector<double> creation_ms;
    double store_ops = 0;
    double constructions = 0;
};

using ranktopo_test::counting_store;

/// RANKTOPO_BENCH_SHARING: none (the default), identical or identical_any.
ranktopo::init_options sharing_setup() {
    ranktopo::init_options setup{false, false, ranktopo::sharing_policy::none, nullptr};
    const char* v = std::getenv("RANKTOPO_BENCH_SHARING");
    if (v == nullptr || std::string_view(v) == "none") return setup;
    setup.sharing = ranktopo::sharing_policy::identical;
    if (std::string_view(v) == "identical") return setup;
    setup.sharing_key = ranktopo::bench::any_options_key;
    if (std::string_view(v) == "identical_any") return setup;
    throw std::invalid_argument(std::string("RANKTOPO_BENCH_SHARING=") + v +
                                ": expected none, identical or identical_any");
}

timings rank_main(int rank, int n, const ranktopo::config& c, std::size_t creations, const std::string& path,
                  std::uint16_t port) {
    const auto s = c10::make_intrusive<counting_store>(open_store(n, path, port));
    timings out;
    out.creation_ms.assign(creations, 0.0);
    const ranktopo::torch::factory gloo = ranktopo::torch::gloo_factory(std::chrono::seconds(120));
    const ranktopo::torch::factory timed = [&](const ranktopo::torch::store& group_store, int position, int size,
                                               const ranktopo::creation_request& request) {
        const auto start = std::chrono::steady_clock::now();
        ranktopo::torch::process_group made = gloo(group_store, position, size, request);
        out.creation_ms.at(static_cast<std::size_t>(request.index)) =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        return made;
    };
    ranktopo::torch::backend b(s, rank, n, std::chrono::seconds(120), timed);
    const std::byte token[1] = {std::byte{1}};
    (void)b.all_gather(token);  // everyone started
    const auto start = std::chrono::steady_clock::now();
    ranktopo::registry<ranktopo::torch::backend> r;
    const long long calls_before = s->calls;
    r.init(c, b, rank, sharing_setup());
    out.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    out.store_ops = static_cast<double>(s->calls - calls_before);
    out.constructions = b.created();
    (void)b.all_gather(token);  // nobody tears down while others still connect
    r.destroy();
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: ranktopo_bench_torch <processes>|--count [key=value ...|--example]\n";
        return 2;
    }
    if (std::strcmp(argv[1], "--count") == 0) {
        std::cout << "| N | creations | groups | members-only (ranktopo::torch) | every group (vLLM) | ratio |\n"
                  << "| ---: | ---: | ---: | ---: | ---: | ---: |\n";
        for (int e = 4; e <= 20; e += 2) {
            const ranktopo::plan p = ranktopo::make_plan(config_for(1 << e, argc, argv));
            long long groups = 0;
            for (const ranktopo::creation& made : p.creations) groups += made.groups.group_count();
            const auto creations = static_cast<long long>(p.creations.size());
            std::cout << "| 2^" << e << " | " << creations << " | " << groups << " | " << creations << " | " << groups
                      << " | " << groups / creations << "x |\n";
        }
        return 0;
    }
    const int n = std::atoi(argv[1]);
    ranktopo::config c;
    ranktopo::plan p;
    try {
        c = config_for(n, argc, argv);
        p = ranktopo::make_plan(c);
    } catch (const std::exception& e) {
        std::cerr << "ranktopo_bench_torch: " << e.what() << "\n";
        return 2;
    }
    const char* store_kind = std::getenv("RANKTOPO_BENCH_STORE");
    const std::string_view kind = store_kind == nullptr ? "tcp" : store_kind;
    if (kind != "tcp" && kind != "file") {
        std::cerr << "ranktopo_bench_torch: RANKTOPO_BENCH_STORE=" << kind << ": expected tcp or file\n";
        return 2;
    }
    std::string dir = (std::filesystem::temp_directory_path() / "ranktopo-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) return 2;
    // The TCPStore's server lives in this launcher, on a port the kernel
    // picks; the forked ranks connect to it as clients.
    c10::intrusive_ptr<c10d::TCPStore> server;
    std::uint16_t port = 0;
    if (kind == "tcp") {
        c10d::TCPStoreOptions options;
        options.port = 0;
        options.isServer = true;
        options.waitWorkers = false;
        server = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
        port = server->getPort();
    }
    try {
        (void)sharing_setup();
    } catch (const std::exception& e) {
        std::cerr << "ranktopo_bench_torch: " << e.what() << "\n";
        return 2;
    }
    const std::size_t first_planned = 0;  // vLLM's groups are not created here
    const std::size_t creations = first_planned + p.creations.size();
    std::vector<int> pipes;
    std::vector<pid_t> children;
    for (int rank = 0; rank < n; ++rank) {
        int fds[2];
        if (pipe(fds) != 0) return 2;
        const pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(fds[0]);
            timings mine;
            try {
                mine = rank_main(rank, n, c, creations, dir + "/store", port);
            } catch (const std::exception& e) {
                std::cerr << "rank " << rank << ": " << e.what() << "\n";
            }
            // The total, one figure per creation, the store calls and constructions.
            mine.creation_ms.resize(creations);
            mine.creation_ms.insert(mine.creation_ms.begin(), mine.total_ms);
            mine.creation_ms.push_back(mine.store_ops);
            mine.creation_ms.push_back(mine.constructions);
            const auto bytes = static_cast<ssize_t>(mine.creation_ms.size() * sizeof(double));
            if (write(fds[1], mine.creation_ms.data(), static_cast<std::size_t>(bytes)) != bytes) _exit(1);
            _exit(mine.total_ms < 0 ? 1 : 0);
        }
        close(fds[1]);
        pipes.push_back(fds[0]);
        children.push_back(pid);
    }
    // The slowest rank's figure, for the total and for each creation.
    std::vector<double> slowest(creations + 1, 0.0);
    std::vector<double> store_ops;
    std::vector<double> constructions;
    bool ok = true;
    for (int rank = 0; rank < n; ++rank) {
        std::vector<double> theirs(slowest.size() + 2, -1.0);
        const auto bytes = static_cast<ssize_t>(theirs.size() * sizeof(double));
        if (read(pipes[static_cast<std::size_t>(rank)], theirs.data(), static_cast<std::size_t>(bytes)) != bytes ||
            theirs[0] < 0) {
            ok = false;
        }
        for (std::size_t i = 0; i < slowest.size(); ++i) slowest[i] = std::max(slowest[i], theirs[i]);
        store_ops.push_back(theirs[slowest.size()]);
        constructions.push_back(theirs[slowest.size() + 1]);
        int status = 0;
        waitpid(children[static_cast<std::size_t>(rank)], &status, 0);
    }
    std::filesystem::remove_all(dir);
    long long groups = 0;
    for (const ranktopo::creation& made : p.creations) groups += made.groups.group_count();
    // processes creations groups ms calls_per_rank, then each creation's ms
    std::cout << "ranktopo " << n << " " << p.creations.size() << " " << groups << " " << slowest[0] << " "
              << p.creations.size() << "\n";
    // The plan's creations only (vLLM's, when created, come first).
    for (std::size_t i = 1 + first_planned; i < slowest.size(); ++i) {
        std::cout << (i == 1 + first_planned ? "" : " ") << slowest[i];
    }
    std::cout << "\nstore_ops";
    for (double v : store_ops) std::cout << " " << v;
    std::cout << "\nconstructions";
    for (double v : constructions) std::cout << " " << v;
    std::cout << "\n";
    return ok ? 0 : 1;
}
