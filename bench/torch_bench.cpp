// ranktopo::torch members-only creation, timed: N forked ranks share a
// FileStore; each builds a registry over the torch backend (Gloo) for one
// config, between two store barriers. Prints the slowest rank's wall time.
//
//   ranktopo_bench_torch <processes> [key=value ...]   one run, one line
//   ranktopo_bench_torch --count [key=value ...]       calls per rank up to 2^20, from the plan
//
// Settings use world_size = N and D = N / T (T from the settings); the same
// settings go to bench/torch_vllm.py through `ranktopo plan`.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/csrc/distributed/c10d/FileStore.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/torch.hpp"

namespace {

ranktopo::config config_for(int n, int argc, char** argv) {
    ranktopo::config c;
    c.world_size = n;
    for (int i = 2; i < argc; ++i) ranktopo::set_option(c, argv[i]);
    c.data_parallel_size = n / c.tensor_parallel_size;
    return c;
}

double rank_main(int rank, int n, const ranktopo::config& c, const std::string& path) {
    const ranktopo::torch::store s = c10::make_intrusive<c10d::FileStore>(path, n);
    ranktopo::torch::backend b(s, rank, n, std::chrono::seconds(120));
    const std::byte token[1] = {std::byte{1}};
    (void)b.all_gather(token);  // everyone started
    const auto start = std::chrono::steady_clock::now();
    ranktopo::registry<ranktopo::torch::backend> r;
    r.init(c, b, rank);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    (void)b.all_gather(token);  // nobody tears down while others still connect
    r.destroy();
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: ranktopo_bench_torch <processes>|--count [key=value ...]\n";
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
    const ranktopo::config c = config_for(n, argc, argv);
    const ranktopo::plan p = ranktopo::make_plan(c);
    std::string dir = (std::filesystem::temp_directory_path() / "ranktopo-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) return 2;
    std::vector<int> pipes;
    std::vector<pid_t> children;
    for (int rank = 0; rank < n; ++rank) {
        int fds[2];
        if (pipe(fds) != 0) return 2;
        const pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(fds[0]);
            double ms = -1;
            try {
                ms = rank_main(rank, n, c, dir + "/store");
            } catch (const std::exception& e) {
                std::cerr << "rank " << rank << ": " << e.what() << "\n";
            }
            if (write(fds[1], &ms, sizeof ms) != sizeof ms) _exit(1);
            _exit(ms < 0 ? 1 : 0);
        }
        close(fds[1]);
        pipes.push_back(fds[0]);
        children.push_back(pid);
    }
    double slowest = 0;
    bool ok = true;
    for (int rank = 0; rank < n; ++rank) {
        double ms = -1;
        if (read(pipes[static_cast<std::size_t>(rank)], &ms, sizeof ms) != sizeof ms || ms < 0) ok = false;
        slowest = ms > slowest ? ms : slowest;
        int status = 0;
        waitpid(children[static_cast<std::size_t>(rank)], &status, 0);
    }
    std::filesystem::remove_all(dir);
    long long groups = 0;
    for (const ranktopo::creation& made : p.creations) groups += made.groups.group_count();
    // processes creations groups ms calls_per_rank
    std::cout << "ranktopo " << n << " " << p.creations.size() << " " << groups << " " << slowest << " "
              << p.creations.size() << "\n";
    return ok ? 0 : 1;
}
