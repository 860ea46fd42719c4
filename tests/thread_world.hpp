// N ranks as threads of one process, for tests of agreement without MPI: a
// recording backend per rank whose all_gather meets the other ranks' in a
// shared exchange. A rank that waits more than a few seconds for the others
// throws instead of hanging the test.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ranktopo/agreement.hpp"
#include "ranktopo/recording_backend.hpp"

namespace ranktopo_test {

class thread_world {
public:
    explicit thread_world(int ranks) : slots_(static_cast<std::size_t>(ranks)) {}

    [[nodiscard]] int size() const noexcept { return static_cast<int>(slots_.size()); }

    /// Blocks until every rank has called it, then returns all contributions in rank order.
    std::vector<std::byte> all_gather(int rank, std::span<const std::byte> mine) {
        std::unique_lock lock(mutex_);
        const unsigned generation = generation_;
        slots_[static_cast<std::size_t>(rank)].assign(mine.begin(), mine.end());
        if (++arrived_ == size()) {
            result_.clear();
            for (const auto& slot : slots_) result_.insert(result_.end(), slot.begin(), slot.end());
            arrived_ = 0;
            ++generation_;
            changed_.notify_all();
        } else if (!changed_.wait_for(lock, std::chrono::seconds(10), [&] { return generation_ != generation; })) {
            throw std::runtime_error("thread_world: rank " + std::to_string(rank) +
                                     " waited 10 s in all_gather for the other ranks");
        }
        return result_;
    }

    /// Runs body(rank) on one thread per rank and joins them.
    void run(const std::function<void(int)>& body) {
        std::vector<std::thread> threads;
        for (int r = 0; r < size(); ++r) threads.emplace_back(body, r);
        for (std::thread& t : threads) t.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::vector<std::byte>> slots_;
    std::vector<std::byte> result_;
    int arrived_ = 0;
    unsigned generation_ = 0;
};

/// A recording backend that agrees through a thread_world, counting its all_gather calls.
class agreeing_recording_backend : public ranktopo::recording_backend {
public:
    agreeing_recording_backend(thread_world& world, int rank) : world_(&world), rank_(rank) {}

    std::vector<std::byte> all_gather(std::span<const std::byte> mine) {
        ++gathers_;
        return world_->all_gather(rank_, mine);
    }

    [[nodiscard]] int gathers() const noexcept { return gathers_; }

private:
    thread_world* world_;
    int rank_;
    int gathers_ = 0;
};

static_assert(ranktopo::agreeing_backend<agreeing_recording_backend>);
static_assert(!ranktopo::agreeing_backend<ranktopo::recording_backend>);

}  // namespace ranktopo_test
