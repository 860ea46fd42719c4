// The registry over real c10d process groups: N processes forked from this
// driver share a FileStore in a fresh temporary directory, each one rank.
//
//   ranktopo_torch_tests <scenario> <processes>
//
// registry: for every accessor of several configs, an allreduce (sum of world
//     ranks) and an allgather (world ranks) over the handle give exactly the
//     expected members in position order; eager, destroy and init again on the
//     same backend (fresh store keys), then lazy; local_rank differs within
//     p_tp groups, so their members see different creation names.
// rollback: a factory that throws on 'dynamic_eplb' on rank 1: rank 1 rolls
//     back; every other rank times out in that creation (its one group spans
//     the world) with an error naming it, and rolls back too.
// sharing: init_options::sharing identical with vLLM's groups: creations
//     with identical groups and key share one process group, constructed and
//     released once, and every accessor's group still meets its members.
// agree: three rounds of backend::all_gather, with the store calls each rank
//     makes counted; agree_missing: the last rank never calls it, the others
//     time out naming it; agree_sizes: the last rank's buffer is longer, and
//     every rank throws the same error naming it.
// skewed: rank 0's config differs; the registry's agreement, through the
//     store, fails every rank with the same error before any group exists.
//
// The driver exits 0 only if every child does; children die with the driver
// (PR_SET_PDEATHSIG), and ctest's TIMEOUT bounds the whole run.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "counting_store.hpp"
#include "ranktopo/agreement.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/torch.hpp"

namespace {

using ranktopo::accessor;
using registry = ranktopo::registry<ranktopo::torch::backend>;
using std::chrono::milliseconds;

/// One child's checks: failures are printed with the rank and counted.
struct checker {
    int rank = 0;
    int failures = 0;
    void check(bool ok, const std::string& what) {
        if (ok) return;
        ++failures;
        std::cerr << "rank " << rank << ": FAILED: " << what << "\n";
    }
};

std::string join(const std::vector<int>& v) {
    std::ostringstream out;
    for (std::size_t i = 0; i < v.size(); ++i) out << (i == 0 ? "" : " ") << v[i];
    return out.str();
}

/// This rank's group in `f` and its position, from the enumeration (not from locate()).
std::pair<std::vector<int>, int> enumerated(const ranktopo::family& f, int rank) {
    const std::vector<int> all = f.ranks();
    const auto size = static_cast<std::size_t>(f.group_size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i] != rank) continue;
        const auto first = static_cast<std::ptrdiff_t>(i - i % size);
        return {std::vector<int>(all.begin() + first, all.begin() + first + static_cast<std::ptrdiff_t>(size)),
                static_cast<int>(i % size)};
    }
    return {};
}

/// Allreduce and allgather of this world rank over `pg`, checked against `members`.
void check_collectives(checker& t, const ranktopo::torch::process_group& pg, const std::vector<int>& members,
                       int position, const std::string& what) {
    t.check(pg->getSize() == static_cast<int>(members.size()),
            what + ": size " + std::to_string(pg->getSize()) + ", expected " + std::to_string(members.size()));
    t.check(pg->getRank() == position,
            what + ": rank in group " + std::to_string(pg->getRank()) + ", expected " + std::to_string(position));
    std::vector<at::Tensor> sum{at::full({1}, t.rank, at::kLong)};
    pg->allreduce(sum)->wait();
    const std::int64_t expected_sum = std::accumulate(members.begin(), members.end(), std::int64_t{0});
    t.check(sum[0].item<std::int64_t>() == expected_sum, what + ": allreduce " +
                                                             std::to_string(sum[0].item<std::int64_t>()) +
                                                             ", expected " + std::to_string(expected_sum));
    std::vector<std::vector<at::Tensor>> gathered(1);
    for (std::size_t i = 0; i < members.size(); ++i) gathered[0].push_back(at::full({1}, -1, at::kLong));
    std::vector<at::Tensor> mine{at::full({1}, t.rank, at::kLong)};
    pg->allgather(gathered, mine)->wait();
    std::vector<int> got;
    for (const at::Tensor& x : gathered[0]) got.push_back(static_cast<int>(x.item<std::int64_t>()));
    t.check(got == members, what + ": allgather [" + join(got) + "], expected [" + join(members) + "]");
}

ranktopo::config with(int n, std::initializer_list<std::string> settings) {
    ranktopo::config c;
    c.world_size = n;
    for (const std::string& s : settings) ranktopo::set_option(c, s);
    return c;
}

/// p_tp with head replicas, FlashComm2 with S = 1 (flashcomm2_odp borrows
/// the engine's TP group), shard_weight with dynamic EPLB, fine-grained TP.
std::vector<ranktopo::config> configs_for(int n) {
    const std::string half = std::to_string(n / 2);
    return {
        with(n, {"tensor_parallel_size=" + half, "pipeline_parallel_size=2", "pd_head_ratio=2", "is_kv_producer=true",
                 "pd_tp_ratio=" + half, "num_head_replica=2"}),
        with(n, {"tensor_parallel_size=2", "data_parallel_size=" + half, "flashcomm2_enabled=true"}),
        with(n,
             {"tensor_parallel_size=" + half, "pipeline_parallel_size=2", "layer_sharding=true", "dynamic_eplb=true"}),
        with(n, {"tensor_parallel_size=2", "data_parallel_size=" + half, "mlp_tensor_parallel_size=" + half,
                 "oproj_tensor_parallel_size=" + half, "embedding_tensor_parallel_size=" + half,
                 "lmhead_tensor_parallel_size=1", "multistream_overlap_gate=true"}),
    };
}

/// Every bound accessor of `c` through `r`, checked with real collectives.
void check_registry(checker& t, registry& r, const ranktopo::config& c, const std::string& label) {
    const ranktopo::plan p = ranktopo::make_plan(c);
    const ranktopo::family tp = ranktopo::families::tp(c);
    for (std::size_t i = 0; i < ranktopo::accessor_count; ++i) {
        const auto a = static_cast<accessor>(i);
        if (p.handle(a).source == ranktopo::binding::kind::none) continue;
        const registry::group got = r.get(a);
        const std::string what = label + " " + std::string(ranktopo::name(a));
        const auto [members, position] = enumerated(
            got.creation < 0 ? tp : p.creations[static_cast<std::size_t>(got.creation)].groups, t.rank);
        t.check(got.members.to_vector() == members,
                what + ": members [" + join(got.members.to_vector()) + "], expected [" + join(members) + "]");
        t.check(got.position == position, what + ": position");
        check_collectives(t, got.handle, members, position, what);
    }
}

int run_registry(checker& t, const ranktopo::torch::store& s, int n) {
    ranktopo::torch::backend b(s, t.rank, n, milliseconds(60000));
    for (ranktopo::config c : configs_for(n)) {
        // A local_rank that differs within p_tp's groups (as with nodes of
        // an odd size): members then name the creation p_tp_0 and p_tp_1,
        // and must still meet.
        c.local_rank = t.rank / 2;
        const std::string label = ranktopo::to_json(c);
        const ranktopo::family tp = ranktopo::families::tp(c);
        const ranktopo::torch::process_group engine_tp = b.create(ranktopo::make_request("tp", tp, t.rank));
        const std::size_t creations = ranktopo::make_plan(c).creations.size();
        for (int round = 0; round < 2; ++round) {  // the second init meets fresh keys
            registry r;
            r.init(c, b, t.rank, engine_tp);
            t.check(r.owned_count() == creations, label + ": eager init owns every creation");
            check_registry(t, r, c, label + " eager#" + std::to_string(round));
            r.destroy();
        }
        registry lazy(ranktopo::creation_mode::lazy);
        lazy.init(c, b, t.rank, engine_tp);
        t.check(lazy.owned_count() == 0, label + ": lazy init creates nothing");
        check_registry(t, lazy, c, label + " lazy");
        t.check(lazy.owned_count() == creations, label + ": lazy gets created every creation");
        lazy.destroy();
        b.destroy(engine_tp);
    }
    t.check(b.created() == b.destroyed(), "every process group created was destroyed");
    return t.failures;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// init_options::sharing identical, vLLM's groups included: creations with
/// identical groups and key share one process group, constructed once and
/// released once; every accessor's group still meets its members.
int run_sharing(checker& t, const ranktopo::torch::store& s, int n) {
    ranktopo::torch::backend b(s, t.rank, n, milliseconds(60000));
    // 0.20.2rc1: mc2, dynamic_eplb and fc3_quant_x hold ep's groups; ep and
    // fc3_quant_x (and world, at pp 1) have the key 200 MB/shared.
    const ranktopo::config c = with(
        n, {"tensor_parallel_size=2", "data_parallel_size=" + std::to_string(n / 2), "dynamic_eplb=true",
            "multistream_overlap_gate=true", "vllm_ascend_version=0.20.2rc1"});
    registry r;
    r.init(c, b, t.rank, ranktopo::init_options{true, false, ranktopo::sharing_policy::identical, nullptr});
    const std::size_t handles = r.handle_count();
    t.check(handles < r.creations().size(), "some creations share a handle");
    t.check(b.created() == static_cast<int>(handles), "one process group per handle");
    t.check(r.get("fc3_quant_x").handle.get() == r.get("ep").handle.get(), "fc3_quant_x shares ep's group");
    t.check(r.get("mc2").handle.get() != r.get("ep").handle.get(), "mc2 keeps its own (domain mc2)");
    for (const ranktopo::bound_accessor& a : r.bound()) {
        const registry::group got = r.get(a.accessor);
        check_collectives(t, got.handle, got.members.to_vector(), got.position, "sharing " + std::string(a.accessor));
    }
    r.destroy();
    t.check(b.created() == b.destroyed(), "every process group created was destroyed once");
    return t.failures;
}

int run_rollback(checker& t, const ranktopo::torch::store& s, int n) {
    constexpr milliseconds timeout(2000);
    // mc2 and dynamic_eplb are one group of the whole world (D*C*T = n).
    const ranktopo::config c = with(
        n, {"tensor_parallel_size=2", "data_parallel_size=" + std::to_string(n / 2), "dynamic_eplb=true"});
    const ranktopo::torch::factory gloo = ranktopo::torch::gloo_factory(timeout);
    const ranktopo::torch::factory failing = [&](const ranktopo::torch::store& group_store, int position, int size,
                                                 const ranktopo::creation_request& request) {
        if (t.rank == 1 && request.name == "dynamic_eplb") throw std::runtime_error("injected failure");
        return gloo(group_store, position, size, request);
    };
    ranktopo::torch::backend b(s, t.rank, n, timeout, failing);
    registry r;
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    try {
        r.init(c, b, t.rank);
        t.check(false, "init succeeded although rank 1 failed in dynamic_eplb");
    } catch (const ranktopo::backend_error& e) {
        message = e.what();
    }
    const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    t.check(contains(message,
                     "ranktopo::registry::init: creating 'dynamic_eplb' (creation index 1) failed: "
                     "ranktopo::torch::backend::create('dynamic_eplb'): group 0 (ranks 0, 1"),
            "the error names the creation and the group: " + message);
    // The store says "Wait timeout" or "Timeout waiting for key", depending on which wait of Gloo's rendezvous.
    t.check(contains(message, t.rank == 1 ? "injected failure" : "imeout"), "the cause: " + message);
    if (t.rank != 1) t.check(waited >= timeout, "gave up after the timeout, not before: " + message);
    t.check(waited < 10 * timeout, "gave up soon after the timeout: " + std::to_string(waited.count()) + " ms");
    t.check(!r.initialized() && r.owned_count() == 0, "rolled back");
    t.check(b.created() == 1 && b.destroyed() == 1, "mc2 created and destroyed in the rollback");
    if (t.failures > 0) std::cerr << "rank " << t.rank << ": message: " << message << "\n";
    return t.failures;
}

using ranktopo_test::counting_store;

/// Three rounds of 12 bytes: (round, rank, rank^2) as int32s.
int run_agree(checker& t, const ranktopo::torch::store& s, int n) {
    const auto counted = c10::make_intrusive<counting_store>(s);
    ranktopo::torch::backend b(counted, t.rank, n, milliseconds(60000));
    for (std::int32_t round = 0; round < 3; ++round) {
        const long long calls_before = counted->calls;
        const std::int32_t mine[3] = {round, t.rank, t.rank * t.rank};
        const std::vector<std::byte> all = b.all_gather(std::as_bytes(std::span(mine)));
        t.check(all.size() == sizeof mine * static_cast<std::size_t>(n), "all_gather size");
        for (int r = 0; r < n && all.size() == sizeof mine * static_cast<std::size_t>(n); ++r) {
            std::int32_t theirs[3] = {};
            std::memcpy(theirs, all.data() + static_cast<std::size_t>(r) * sizeof mine, sizeof theirs);
            t.check(theirs[0] == round && theirs[1] == r && theirs[2] == r * r,
                    "round " + std::to_string(round) + ": rank " + std::to_string(r) + "'s bytes");
        }
        // Rank 0 gathers and publishes; every other rank sets, waits, gets.
        const long long calls = counted->calls - calls_before;
        const int expected = t.rank == 0 ? n + 3 : 3;
        t.check(calls == expected, "store calls in round " + std::to_string(round) + ": " + std::to_string(calls) +
                                       ", expected " + std::to_string(expected));
    }
    return t.failures;
}

/// The last rank sends two bytes, the others one: every rank throws the
/// same error naming it, the last rank included.
int run_agree_sizes(checker& t, const ranktopo::torch::store& s, int n) {
    ranktopo::torch::backend b(s, t.rank, n, milliseconds(60000));
    const std::byte mine[2] = {std::byte{1}, std::byte{2}};
    std::string message;
    try {
        (void)b.all_gather(std::span(mine, t.rank == n - 1 ? 2 : 1));
        t.check(false, "all_gather succeeded with buffers of two sizes");
    } catch (const ranktopo::backend_error& e) {
        message = e.what();
    }
    t.check(contains(message, "ranktopo::torch::backend::all_gather: round 0: rank " + std::to_string(n - 1) +
                                  " sent 2 bytes, rank 0 1; every rank must send as many"),
            "the error names the rank: " + message);
    return t.failures;
}

int run_agree_missing(checker& t, const ranktopo::torch::store& s, int n) {
    constexpr milliseconds timeout(2000);
    ranktopo::torch::backend b(s, t.rank, n, timeout);
    if (t.rank == n - 1) return t.failures;  // never arrives
    const std::byte mine[1] = {std::byte{7}};
    std::string message;
    try {
        (void)b.all_gather(mine);
        t.check(false, "all_gather succeeded without the last rank");
    } catch (const ranktopo::backend_error& e) {
        message = e.what();
    }
    t.check(
        contains(message, "ranktopo::torch::backend::all_gather: round 0, rank " + std::to_string(t.rank) + " of " +
                              std::to_string(n) + ": ranks not arrived after 2000 ms: " + std::to_string(n - 1) + " ("),
        "the error names the missing rank: " + message);
    return t.failures;
}

/// Issue 10 over the store: rank 0 holds a stale config (MLP TP off, the
/// others 2). Every rank throws the same agreement_error naming the option
/// and the ranks, and none creates a process group.
int run_skewed(checker& t, const ranktopo::torch::store& s, int n) {
    const std::string d = "data_parallel_size=" + std::to_string(n / 2);
    const ranktopo::config c = with(
        n, {"tensor_parallel_size=2", d, t.rank == 0 ? "mlp_tensor_parallel_size=0" : "mlp_tensor_parallel_size=2"});
    ranktopo::torch::backend b(s, t.rank, n, milliseconds(30000));
    registry r;
    std::string message;
    try {
        r.init(c, b, t.rank);
        t.check(false, "init succeeded with a skewed config");
    } catch (const ranktopo::agreement_error& e) {
        message = e.what();
        t.check(e.option() == "mlp_tensor_parallel_size", "the option: " + e.option());
    }
    // The larger camp first; a tie in rank order.
    const std::string expected = n == 2 ? "rank 0 has mlp_tensor_parallel_size=0, rank 1 has 2"
                                        : "ranks 1-" + std::to_string(n - 1) +
                                              " have mlp_tensor_parallel_size=2, rank 0 has 0";
    t.check(contains(message, expected), "every rank names the option, its values and the ranks: " + message);
    t.check(b.created() == 0 && !r.initialized(), "no process group created");
    return t.failures;
}

int run_child(const std::string& scenario, int rank, int n, const std::string& path) {
    checker t{rank, 0};
    try {
        const ranktopo::torch::store s = c10::make_intrusive<c10d::FileStore>(path, n);
        if (scenario == "registry") return run_registry(t, s, n);
        if (scenario == "rollback") return run_rollback(t, s, n);
        if (scenario == "sharing") return run_sharing(t, s, n);
        if (scenario == "agree") return run_agree(t, s, n);
        if (scenario == "agree_missing") return run_agree_missing(t, s, n);
        if (scenario == "agree_sizes") return run_agree_sizes(t, s, n);
        if (scenario == "skewed") return run_skewed(t, s, n);
        std::cerr << "unknown scenario " << scenario << "\n";
    } catch (const std::exception& e) {
        std::cerr << "rank " << rank << ": FAILED: unexpected exception: " << e.what() << "\n";
    }
    return t.failures + 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: ranktopo_torch_tests registry|rollback|sharing|agree|agree_missing|agree_sizes|skewed "
                     "<processes>\n";
        return 2;
    }
    const std::string scenario = argv[1];
    const int n = std::atoi(argv[2]);
    if (n < 2) {
        std::cerr << "processes must be at least 2\n";
        return 2;
    }
    // Fork before torch starts any thread; the store lives in a fresh directory.
    std::string dir_template = (std::filesystem::temp_directory_path() / "ranktopo-torch-XXXXXX").string();
    if (mkdtemp(dir_template.data()) == nullptr) {
        std::perror("mkdtemp");
        return 2;
    }
    const std::string store_path = dir_template + "/store";
    const pid_t driver = getpid();
    std::vector<pid_t> children;
    for (int rank = 0; rank < n; ++rank) {
        const pid_t pid = fork();
        if (pid < 0) {
            std::perror("fork");
            return 2;
        }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);  // the driver killed by ctest's TIMEOUT takes its children along
            if (getppid() != driver) _exit(3);
            const int failures = run_child(scenario, rank, n, store_path);
            std::cout.flush();
            std::cerr.flush();
            _exit(failures == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    int failed = 0;
    for (int rank = 0; rank < n; ++rank) {
        int status = 0;
        waitpid(children[static_cast<std::size_t>(rank)], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            ++failed;
            std::cerr << "rank " << rank << ": "
                      << (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "killed by signal " + std::to_string(WTERMSIG(status)))
                      << "\n";
        }
    }
    std::filesystem::remove_all(dir_template);
    std::cout << scenario << " with " << n << " processes: " << (failed == 0 ? "passed" : "FAILED") << " ("
              << n - failed << " of " << n << " ranks passed)\n";
    return failed == 0 ? 0 : 1;
}
