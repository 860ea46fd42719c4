// ranktopo's benchmark (issue 4): enumeration against memcpy, per-rank
// lookup, peak memory and the `ranktopo plan` process, with a summary table.
//
//   ranktopo_bench [--benchmark_min_time=SECONDS] [other Google Benchmark flags]
//
// Peak memory is the ru_maxrss (from wait4) of a child process started by a
// fresh launcher, so it counts nothing of this process's own buffers.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <new>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "issue_config.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"

extern char** environ;

// --- allocation accounting: every operator new of this binary is counted ----

namespace {
std::atomic<std::uint64_t> allocation_count{0};

void* counted_allocation(std::size_t size) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) {
    return counted_allocation(size);
}
void* operator new[](std::size_t size) {
    return counted_allocation(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

using ranktopo::bench::issue_config;

int world_of(const benchmark::State& state) {
    return static_cast<int>(state.range(0));
}

std::size_t total_ranks(const ranktopo::plan& p) {
    std::size_t total = 0;
    for (const ranktopo::creation& made : p.creations) total += static_cast<std::size_t>(made.groups.world_size());
    return total;
}

// --- 1. plan + full enumeration, and memcpy of as many bytes ----------------

void plan_and_enumerate(benchmark::State& state) {
    const ranktopo::config c = issue_config(world_of(state));
    const std::size_t ints = total_ranks(ranktopo::make_plan(c));
    std::vector<int> out(ints);  // value-initialized: the pages are touched before timing
    for (auto _ : state) {
        const ranktopo::plan p = ranktopo::make_plan(c);
        int* cursor = out.data();
        for (const ranktopo::creation& made : p.creations) {
            const auto size = static_cast<std::size_t>(made.groups.world_size());
            made.groups.write({cursor, size});
            cursor += size;
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ints * sizeof(int)));
    state.counters["output_bytes"] = static_cast<double>(ints * sizeof(int));
}

void memcpy_of_enumeration(benchmark::State& state) {
    const std::size_t ints = total_ranks(ranktopo::make_plan(issue_config(world_of(state))));
    std::vector<int> source(ints);
    std::iota(source.begin(), source.end(), 0);
    // Source and destination at the same offset in a 4 KiB page make glibc's
    // memcpy ten times slower at some sizes (4K aliasing): a cache line
    // apart, the baseline is memcpy at its best.
    constexpr std::size_t skew = 64 / sizeof(int);
    std::vector<int> destination(ints + skew);
    int* const target = destination.data() + skew;
    for (auto _ : state) {
        std::memcpy(target, source.data(), ints * sizeof(int));
        benchmark::DoNotOptimize(target);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ints * sizeof(int)));
    state.counters["output_bytes"] = static_cast<double>(ints * sizeof(int));
}

// --- 2. per-rank lookup: group index, position and members view -------------

/// One lookup: where `rank` is, its group as a view, and members read from
/// the view at O(1) positions (the first, its own, the last). A view reads
/// any member in O(modes); reading all of them is O(group size) by nature.
inline void look_up(const ranktopo::family& f, int rank) {
    const ranktopo::location where = f.locate(rank);
    const ranktopo::group_view members = f.group(where.group);
    benchmark::DoNotOptimize(where);
    benchmark::DoNotOptimize(members[0]);
    benchmark::DoNotOptimize(members[where.position]);
    benchmark::DoNotOptimize(members[members.size() - 1]);
}

/// Odd steps modulo a power of two visit every rank: no rank is favoured.
constexpr int rank_step = 40503;

void lookup_one_family(benchmark::State& state) {
    const int world = world_of(state);
    const ranktopo::plan p = ranktopo::make_plan(issue_config(world));
    const auto index = static_cast<std::size_t>(state.range(1));
    if (index >= p.creations.size()) {
        state.SkipWithError("no such creation");
        return;
    }
    const ranktopo::family& f = p.creations[index].groups;
    state.SetLabel(p.creations[index].name);
    int rank = 0;
    const std::uint64_t before = allocation_count.load();
    for (auto _ : state) {
        look_up(f, rank);
        rank = (rank + rank_step) & (world - 1);
    }
    const std::uint64_t allocations = allocation_count.load() - before;
    state.counters["allocs_per_lookup"] = static_cast<double>(allocations) /
                                          static_cast<double>(
                                              std::max<benchmark::IterationCount>(state.iterations(), 1));
    state.counters["group_size"] = f.group_size();
}

void lookup_all_families(benchmark::State& state) {
    const int world = world_of(state);
    const ranktopo::plan p = ranktopo::make_plan(issue_config(world));
    int rank = 0;
    const std::uint64_t before = allocation_count.load();
    for (auto _ : state) {
        for (const ranktopo::creation& made : p.creations) look_up(made.groups, rank);
        rank = (rank + rank_step) & (world - 1);
    }
    const std::uint64_t allocations = allocation_count.load() - before;
    state.counters["allocs_per_rank"] = static_cast<double>(allocations) /
                                        static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
    state.counters["families"] = static_cast<double>(p.creations.size());
}

// --- child processes: peak memory and the command-line tool -----------------

struct child_result {
    double seconds = 0;      ///< wall clock
    double cpu_seconds = 0;  ///< user + system
    long max_rss_kib = 0;
};

double seconds_of(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
}

/// Runs `args` with standard output to `output` (a path) or to the pipe end
/// `output_fd`; returns its wall time and the rusage wait4 reports.
child_result spawn_and_wait(const std::vector<std::string>& args, const char* output, int output_fd = -1) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (output != nullptr) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output, O_WRONLY, 0);
    if (output_fd >= 0) posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(spawned));
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed for " + args[0]);
    const auto stop = std::chrono::steady_clock::now();
    // 1 is a result for ranktopo (lint's warnings, diff's differences); 2 and 3 are failures.
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) throw std::runtime_error(args[0] + " failed");
    return {std::chrono::duration<double>(stop - start).count(),
            seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime), usage.ru_maxrss};
}

std::string self_path() {
    std::vector<char> buffer(4096);
    const ssize_t length = readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (length <= 0) throw std::runtime_error("cannot read /proc/self/exe");
    return {buffer.data(), static_cast<std::size_t>(length)};
}

/// Runs `args` (output to /dev/null) from a fresh copy of this program: a
/// process's peak RSS starts from its parent's memory at spawn (Linux keeps
/// the high-water mark across exec), so spawning from this process, which
/// holds the benchmark buffers, would inflate it.
child_result run_measured(const std::vector<std::string>& args) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> launcher{self_path(), "--child=measure"};
    launcher.insert(launcher.end(), args.begin(), args.end());
    const int read_end = pipe_ends[0];
    const int write_end = pipe_ends[1];
    fcntl(read_end, F_SETFD, FD_CLOEXEC);
    try {
        spawn_and_wait(launcher, nullptr, write_end);
    } catch (...) {
        close(read_end);
        close(write_end);
        throw;
    }
    close(write_end);
    char text[128] = {};
    const ssize_t length = read(read_end, text, sizeof text - 1);
    close(read_end);
    child_result result;
    if (length <= 0 ||
        std::sscanf(text, "%lf %lf %ld", &result.seconds, &result.cpu_seconds, &result.max_rss_kib) != 3) {
        throw std::runtime_error("no measurement from " + args[0]);
    }
    return result;
}

/// The child modes of this program:
/// `--child=measure PROGRAM ARGS...`: runs PROGRAM, prints "seconds rss_kib";
/// `--child=enumerate-all WORLD`: every family's groups held in memory at
/// once, as an engine that wanted the whole answer would;
/// `--child=idle`: the baseline of a process that does nothing.
std::optional<int> run_as_child(int argc, char** argv) {
    if (argc < 2) return std::nullopt;
    const std::string_view mode = argv[1];
    if (mode == "--child=idle") return 0;
    if (mode == "--child=measure" && argc >= 3) {
        const child_result r = spawn_and_wait({argv + 2, argv + argc}, "/dev/null");
        std::printf("%.9f %.9f %ld\n", r.seconds, r.cpu_seconds, r.max_rss_kib);
        return 0;
    }
    if (mode != "--child=enumerate-all" || argc < 3) return std::nullopt;
    const ranktopo::plan p = ranktopo::make_plan(issue_config(std::atoi(argv[2])));
    std::vector<std::vector<int>> all;
    for (const ranktopo::creation& made : p.creations) all.push_back(made.groups.ranks());
    long long checksum = 0;
    for (const std::vector<int>& ranks : all) checksum += std::accumulate(ranks.begin(), ranks.end(), 0LL);
    std::printf("%lld\n", checksum);
    return 0;
}

// --- 3. peak memory of the full enumeration ---------------------------------

void peak_memory_enumerate_all(benchmark::State& state) {
    const std::string self = self_path();
    child_result idle;
    child_result all;
    for (auto _ : state) {
        idle = run_measured({self, "--child=idle"});
        all = run_measured({self, "--child=enumerate-all", std::to_string(world_of(state))});
    }
    state.counters["idle_rss_MiB"] = static_cast<double>(idle.max_rss_kib) / 1024.0;
    state.counters["peak_rss_MiB"] = static_cast<double>(all.max_rss_kib) / 1024.0;
    state.counters["answer_MiB"] = static_cast<double>(total_ranks(ranktopo::make_plan(issue_config(world_of(state)))) *
                                                       sizeof(int)) /
                                   (1024.0 * 1024.0);
}

// --- 5. `ranktopo plan` end to end ------------------------------------------

std::string cli_path() {
    if (const char* path = std::getenv("RANKTOPO_CLI")) return path;
#ifdef RANKTOPO_CLI_PATH
    return RANKTOPO_CLI_PATH;
#else
    return {};
#endif
}

/// `ranktopo plan --set key=value ...` for every option of the issue's config.
std::vector<std::string> plan_command(const std::string& cli, const ranktopo::config& c) {
    std::vector<std::string> args{cli, "plan"};
    for (const ranktopo::option_info& o : ranktopo::options) {
        const std::string value = ranktopo::option_text(c, o);
        args.emplace_back("--set");
        args.push_back(std::string(o.name) + "=" + value);
    }
    return args;
}

void ranktopo_plan_process(benchmark::State& state) {
    const std::string cli = cli_path();
    if (cli.empty() || access(cli.c_str(), X_OK) != 0) {
        state.SkipWithError("ranktopo CLI not found: build with RANKTOPO_BUILD_EXAMPLES or set RANKTOPO_CLI");
        return;
    }
    const std::vector<std::string> command = plan_command(cli, issue_config(world_of(state)));
    long max_rss_kib = 0;
    double cpu_seconds = 0;
    for (auto _ : state) {
        const child_result r = run_measured(command);
        state.SetIterationTime(r.seconds);
        cpu_seconds += r.cpu_seconds;
        max_rss_kib = std::max(max_rss_kib, r.max_rss_kib);
    }
    state.counters["peak_rss_MiB"] = static_cast<double>(max_rss_kib) / 1024.0;
    state.counters["cpu_ms"] = 1e3 * cpu_seconds /
                               static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
}

/// `ranktopo plan` at 2^20 on one release of each recipe (issue 9: as fast
/// for every release).
void ranktopo_plan_process_per_release(benchmark::State& state) {
    const std::string cli = cli_path();
    if (cli.empty() || access(cli.c_str(), X_OK) != 0) {
        state.SkipWithError("ranktopo CLI not found: build with RANKTOPO_BUILD_EXAMPLES or set RANKTOPO_CLI");
        return;
    }
    const auto version = ranktopo::bench::release_per_recipe[static_cast<std::size_t>(state.range(1))];
    const ranktopo::config c = issue_config(world_of(state), *ranktopo::release::find(version));
    const std::vector<std::string> command = plan_command(cli, c);
    double cpu_seconds = 0;
    for (auto _ : state) {
        const child_result r = run_measured(command);
        state.SetIterationTime(r.seconds);
        cpu_seconds += r.cpu_seconds;
    }
    state.SetLabel(std::string(version));
    state.counters["creations"] = static_cast<double>(ranktopo::make_plan(c).creations.size());
    state.counters["cpu_ms"] = 1e3 * cpu_seconds /
                               static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
}

/// Another subcommand as a process: `ranktopo diff` of the issue's config at
/// 2^20 from 0.17.0rc1 to 0.18.0 (arg 0), `ranktopo explain --rank` at 2^30
/// ranks (arg 1).
void ranktopo_query_process(benchmark::State& state) {
    const std::string cli = cli_path();
    if (cli.empty() || access(cli.c_str(), X_OK) != 0) {
        state.SkipWithError("ranktopo CLI not found: build with RANKTOPO_BUILD_EXAMPLES or set RANKTOPO_CLI");
        return;
    }
    std::vector<std::string> command;
    if (state.range(0) == 0) {
        command = plan_command(cli, issue_config(1 << 20));
        command[1] = "diff";
        command.insert(command.end(), {"--from-version", "0.17.0rc1", "--to-version", "0.18.0"});
    } else {
        command = {cli,      "explain",
                   "--set",  "world_size=1073741824",
                   "--set",  "tensor_parallel_size=16",
                   "--set",  "data_parallel_size=16777216",
                   "--set",  "pipeline_parallel_size=4",
                   "--set",  "mlp_tensor_parallel_size=16",
                   "--rank", "12345678"};
    }
    for (auto _ : state) {
        const child_result r = run_measured(command);
        state.SetIterationTime(r.seconds);
    }
    state.SetLabel(state.range(0) == 0 ? "diff 2^20" : "explain 2^30");
}

/// The same plan JSON written in this process to /dev/null: the process's
/// time without its start-up.
void plan_json_in_process(benchmark::State& state) {
    const ranktopo::config c = issue_config(world_of(state));
    std::ofstream null_stream("/dev/null", std::ios::binary);
    for (auto _ : state) ranktopo::write_plan_json(null_stream, ranktopo::make_plan(c));
}

void world_sizes(benchmark::internal::Benchmark* b) {
    for (int log2 = ranktopo::bench::smallest_world_log2; log2 <= ranktopo::bench::largest_world_log2; log2 += 2) {
        b->Arg(std::int64_t{1} << log2);
    }
}

void world_sizes_by_family(benchmark::internal::Benchmark* b) {
    const int families = static_cast<int>(ranktopo::make_plan(issue_config(1 << 10)).creations.size());
    for (int log2 = ranktopo::bench::smallest_world_log2; log2 <= ranktopo::bench::largest_world_log2; log2 += 2) {
        for (int index = 0; index < families; ++index) b->Args({std::int64_t{1} << log2, index});
    }
}

constexpr std::int64_t largest_world = std::int64_t{1} << ranktopo::bench::largest_world_log2;

BENCHMARK(plan_and_enumerate)->Apply(world_sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(memcpy_of_enumeration)->Apply(world_sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(lookup_one_family)->Apply(world_sizes_by_family);
BENCHMARK(lookup_all_families)->Apply(world_sizes);
BENCHMARK(peak_memory_enumerate_all)->Arg(largest_world)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(plan_json_in_process)->Arg(largest_world)->Unit(benchmark::kMillisecond);
BENCHMARK(ranktopo_plan_process)->Arg(largest_world)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(ranktopo_plan_process_per_release)
    ->ArgsProduct({{largest_world}, benchmark::CreateDenseRange(0, ranktopo::bench::release_per_recipe.size() - 1, 1)})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(ranktopo_query_process)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- the summary --------------------------------------------------------------

/// Prints as the console reporter does and keeps every run for the summary.
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
                runs_[run.run_name.function_name + "/" + run.run_name.args] = run;
            }
        }
    }
    [[nodiscard]] const Run* find(const std::string& name, std::int64_t world, std::optional<int> index = {}) const {
        std::string key = name;
        key.append(1, '/').append(std::to_string(world));
        if (index) key.append(1, '/').append(std::to_string(*index));
        const auto found = runs_.find(key);
        return found == runs_.end() ? nullptr : &found->second;
    }

private:
    std::map<std::string, Run> runs_;
};

/// Wall-clock seconds per iteration (for the spawned process: its manual time).
double seconds_per_iteration(const benchmark::BenchmarkReporter::Run& run) {
    return run.real_accumulated_time / static_cast<double>(run.iterations);
}

/// This thread's CPU seconds per iteration: what in-process code costs,
/// without the time other processes of a shared machine take from it.
double cpu_seconds_per_iteration(const benchmark::BenchmarkReporter::Run& run) {
    return run.cpu_accumulated_time / static_cast<double>(run.iterations);
}

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name) {
    const auto found = run.counters.find(name);
    return found == run.counters.end() ? 0.0 : found->second.value;
}

void print_summary(const collecting_reporter& r) {
    constexpr double reference_seconds_at_largest = 23.0;  // issue 4: PyTorch reference at 2^20 ranks
    const int families = static_cast<int>(ranktopo::make_plan(issue_config(1 << 10)).creations.size());
    std::printf("\n## ranktopo_bench summary (issue 4 config, %d creations; in-process times are CPU time)\n\n",
                families);
    std::printf(
        "| N | output MB | plan + enumerate ms | GB/s | memcpy ms | enumerate / memcpy |"
        " lookup ns, slowest family | lookup ns, all %d families | allocs per lookup |\n",
        families);
    std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    double largest_ratio = 0;     // enumerate / memcpy at the largest N
    double slowest_lookup = 0;    // over every family and N
    double most_allocations = 0;  // per lookup, over every family and N
    for (int log2 = ranktopo::bench::smallest_world_log2; log2 <= ranktopo::bench::largest_world_log2; log2 += 2) {
        const std::int64_t world = std::int64_t{1} << log2;
        const auto* enumerate = r.find("plan_and_enumerate", world);
        const auto* copy = r.find("memcpy_of_enumeration", world);
        const auto* all = r.find("lookup_all_families", world);
        if (enumerate == nullptr || copy == nullptr) continue;
        const double bytes = counter(*enumerate, "output_bytes");
        const double enumerate_seconds = cpu_seconds_per_iteration(*enumerate);
        const double copy_seconds = cpu_seconds_per_iteration(*copy);
        double slowest = 0;
        std::string slowest_name;
        double allocations = all != nullptr ? counter(*all, "allocs_per_rank") : 0.0;
        for (int index = 0; index < families; ++index) {
            if (const auto* one = r.find("lookup_one_family", world, index)) {
                if (cpu_seconds_per_iteration(*one) > slowest) {
                    slowest = cpu_seconds_per_iteration(*one);
                    slowest_name = one->report_label;
                }
                allocations = std::max(allocations, counter(*one, "allocs_per_lookup"));
            }
        }
        if (world == largest_world) largest_ratio = enumerate_seconds / copy_seconds;
        slowest_lookup = std::max(slowest_lookup, slowest);
        most_allocations = std::max(most_allocations, allocations);
        std::printf("| 2^%d | %.1f | %.3f | %.1f | %.3f | %.2f | %.0f (%s) | %.0f | %g |\n", log2, bytes / 1e6,
                    enumerate_seconds * 1e3, bytes / enumerate_seconds / 1e9, copy_seconds * 1e3,
                    enumerate_seconds / copy_seconds, slowest * 1e9, slowest_name.c_str(),
                    all != nullptr ? cpu_seconds_per_iteration(*all) * 1e9 : 0.0, allocations);
    }
    std::printf("\n");
    if (const auto* peak = r.find("peak_memory_enumerate_all", largest_world)) {
        std::printf(
            "- peak memory at N = 2^20 with every family's groups held at once (ru_maxrss of a child"
            " process): %.1f MiB (the answer is %.1f MiB; an idle child %.1f MiB)\n",
            counter(*peak, "peak_rss_MiB"), counter(*peak, "answer_MiB"), counter(*peak, "idle_rss_MiB"));
    }
    if (const auto* json = r.find("plan_json_in_process", largest_world)) {
        std::printf("- plan JSON written to /dev/null in process at N = 2^20: %.1f ms CPU\n",
                    cpu_seconds_per_iteration(*json) * 1e3);
    }
    double speedup = 0;
    if (const auto* process = r.find("ranktopo_plan_process", largest_world)) {
        const double seconds = seconds_per_iteration(*process);
        speedup = reference_seconds_at_largest / seconds;
        std::printf(
            "- `ranktopo plan` process at N = 2^20, JSON to /dev/null: %.1f ms wall (%.1f ms CPU),"
            " peak RSS %.1f MiB: %.0fx faster than the reference's %.0f s\n",
            seconds * 1e3, counter(*process, "cpu_ms"), counter(*process, "peak_rss_MiB"), speedup,
            reference_seconds_at_largest);
    }
    std::printf("\n`ranktopo plan` at N = 2^20 per release (issue 4 config less what a release lacks):\n\n");
    std::printf(
        "| release | creations | ms wall | ms CPU | wall / 0.17.0rc1's |\n| --- | ---: | ---: | ---: | ---: |\n");
    double default_seconds = 0;
    double slowest_release = 0;
    for (std::size_t i = 0; i < ranktopo::bench::release_per_recipe.size(); ++i) {
        const auto* run = r.find("ranktopo_plan_process_per_release", largest_world, static_cast<int>(i));
        if (run == nullptr) continue;
        const double seconds = seconds_per_iteration(*run);
        if (ranktopo::bench::release_per_recipe[i] == "0.17.0rc1") default_seconds = seconds;
        slowest_release = std::max(slowest_release, seconds);
    }
    for (std::size_t i = 0; i < ranktopo::bench::release_per_recipe.size(); ++i) {
        const auto* run = r.find("ranktopo_plan_process_per_release", largest_world, static_cast<int>(i));
        if (run == nullptr) continue;
        const double seconds = seconds_per_iteration(*run);
        std::printf("| %s | %.0f | %.1f | %.1f | %.2f |\n", run->report_label.c_str(), counter(*run, "creations"),
                    seconds * 1e3, counter(*run, "cpu_ms"), default_seconds > 0 ? seconds / default_seconds : 0.0);
    }
    const auto* diff = r.find("ranktopo_query_process", 0);
    const auto* explain = r.find("ranktopo_query_process", 1);
    if (diff != nullptr && explain != nullptr) {
        std::printf(
            "\n- `ranktopo diff` at N = 2^20, 0.17.0rc1 -> 0.18.0: %.1f ms wall\n"
            "- `ranktopo explain --rank 12345678` at N = 2^30: %.1f ms wall\n",
            seconds_per_iteration(*diff) * 1e3, seconds_per_iteration(*explain) * 1e3);
    }
    const auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    std::printf("\nIssue 9 targets:\n");
    std::printf("- `ranktopo plan` at 2^20 as fast for every release: slowest %.1f ms, %.2fx 0.17.0rc1's\n",
                slowest_release * 1e3, default_seconds > 0 ? slowest_release / default_seconds : 0.0);
    if (diff != nullptr && explain != nullptr) {
        std::printf("- `ranktopo diff` at 2^20 well under a second: %.1f ms, %s\n", seconds_per_iteration(*diff) * 1e3,
                    verdict(seconds_per_iteration(*diff) < 0.25));
        std::printf("- `ranktopo explain --rank` at 2^30 in milliseconds: %.1f ms, %s\n",
                    seconds_per_iteration(*explain) * 1e3, verdict(seconds_per_iteration(*explain) < 0.05));
    }
    std::printf("\nIssue 4 targets (MPI: see ranktopo_bench_mpi):\n");
    std::printf("- enumeration within 3x of memcpy at N = 2^20: %.2fx, %s\n", largest_ratio,
                verdict(largest_ratio > 0 && largest_ratio <= 3));
    std::printf(
        "- lookup under 1 us for every family at every N, no allocation: slowest %.0f ns,"
        " %g allocations per lookup, %s\n",
        slowest_lookup * 1e9, most_allocations,
        verdict(slowest_lookup > 0 && slowest_lookup < 1e-6 && most_allocations == 0));
    std::printf("- `ranktopo plan` at N = 2^20 at least 100x faster than 23 s: %.0fx, %s\n", speedup,
                verdict(speedup >= 100));
}

}  // namespace

int main(int argc, char** argv) {
    if (const std::optional<int> status = run_as_child(argc, argv)) return *status;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    collecting_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    print_summary(reporter);
    return 0;
}
