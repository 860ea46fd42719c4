// The registry under threads: many get() callers while another thread
// re-initializes with alternating configs. Built and run under
// ThreadSanitizer by .ci/legs/20-tsan.sh.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/recording_backend.hpp"
#include "ranktopo/registry.hpp"

namespace {

using ranktopo::accessor;
using registry = ranktopo::registry<ranktopo::recording_backend>;

constexpr int reader_count = 6;
constexpr int reinit_rounds = 300;
constexpr int rank = 5;

ranktopo::config first_config() {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.mlp_tensor_parallel_size = 2;
    c.oproj_tensor_parallel_size = 2;
    c.dynamic_eplb = true;
    return c;
}

ranktopo::config second_config() {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 8;
    c.mlp_tensor_parallel_size = 4;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 2;
    c.layer_sharding = true;
    return c;
}

/// Readers call get() on every accessor in a loop; a result, when there is
/// one, must be self-consistent: this rank sits at its position.
void run_readers_against_reinit(registry& r, ranktopo::recording_backend& backend) {
    std::atomic<bool> stop{false};
    std::atomic<long> served{0};
    std::atomic<long> inconsistent{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < reader_count; ++t) {
        readers.emplace_back([&, t] {
            std::size_t i = static_cast<std::size_t>(t);
            while (!stop.load(std::memory_order_relaxed)) {
                const auto a = static_cast<accessor>(i++ % ranktopo::accessor_count);
                try {
                    const registry::group g = r.get(a);
                    if (g.members[g.position] != rank || g.handle <= 0) inconsistent.fetch_add(1);
                    served.fetch_add(1, std::memory_order_relaxed);
                } catch (const ranktopo::state_error&) {
                    // not initialized at this instant, or not enabled by this config
                }
            }
        });
    }
    for (int round = 0; round < reinit_rounds; ++round) {
        r.init(round % 2 == 0 ? first_config() : second_config(), backend, rank, 1000);
        if (round % 2 == 1) std::this_thread::yield();
        r.destroy();
    }
    r.init(first_config(), backend, rank);
    // Readers also see a stable registry (bounded, so a bug fails rather than hangs).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (served.load() < 1000 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    stop = true;
    for (std::thread& reader : readers) reader.join();
    r.destroy();
    CHECK(inconsistent.load() == 0);
    CHECK(served.load() >= 1000);
    CHECK(backend.live_count() == 0);
    CHECK(backend.create_count() == backend.destroy_count());
}

}  // namespace

TEST_CASE("registry threads: get from many threads while another re-initializes", "[registry][threads]") {
    ranktopo::recording_backend backend;
    registry r;
    run_readers_against_reinit(r, backend);
}

TEST_CASE("registry threads: lazy creation from many threads creates each handle once", "[registry][threads]") {
    ranktopo::recording_backend backend;
    registry r(ranktopo::creation_mode::lazy);
    r.init(first_config(), backend, rank);
    const std::size_t creations = r.current_plan()->creations.size();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < reader_count; ++t) {
        threads.emplace_back([&r, &failures] {  // Catch's assertions are not thread-safe: count instead
            for (int i = 0; i < 200; ++i) {
                try {
                    (void)r.get(accessor::mc2);
                    (void)r.get(accessor::mlp_tp);
                    (void)r.get(accessor::otp);
                    (void)r.get(accessor::dynamic_eplb);
                } catch (...) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& t : threads) t.join();
    CHECK(failures.load() == 0);
    CHECK(static_cast<std::size_t>(backend.create_count()) == creations);
    r.destroy();
    CHECK(backend.live_count() == 0);
}

TEST_CASE("registry threads: lazy registry re-initialized under concurrent get", "[registry][threads]") {
    ranktopo::recording_backend backend;
    registry r(ranktopo::creation_mode::lazy);
    run_readers_against_reinit(r, backend);
}
