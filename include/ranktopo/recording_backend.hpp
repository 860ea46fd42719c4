// ranktopo — a backend that only keeps a log: for tests and dry runs.
//
// Handles are serial numbers. Every create and destroy is logged with the
// creation's name, index and this rank's place; destroying a handle twice,
// or one it never issued (such as a borrowed one), is refused and logged
// as such, so a test sees it. Failures can be injected on a chosen create
// or destroy.
#pragma once

#include <cstddef>
#include <mutex>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ranktopo/backend.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

class recording_backend {
public:
    using handle_type = int;

    struct event {
        enum class kind { create, destroy, refused_destroy };
        kind what = kind::create;
        int handle = 0;
        int creation = -1;  ///< the request's index (create only)
        std::string name;   ///< the request's name (create only)
        location self;      ///< this rank's group and position (create only)
        friend bool operator==(const event&, const event&) = default;
    };

    /// The log, in call order.
    [[nodiscard]] std::vector<event> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }

    /// Handles created and not destroyed.
    [[nodiscard]] std::size_t live_count() const {
        std::lock_guard lock(mutex_);
        return live_.size();
    }

    [[nodiscard]] int create_count() const {
        std::lock_guard lock(mutex_);
        return creates_;
    }

    [[nodiscard]] int destroy_count() const {
        std::lock_guard lock(mutex_);
        return destroys_;
    }

    /// Forgets the log (not the live handles or the injected failures).
    void clear_log() {
        std::lock_guard lock(mutex_);
        events_.clear();
    }

    /// Makes the `nth` create() from now (0 = the next) throw, once.
    void fail_create_in(int nth) {
        std::lock_guard lock(mutex_);
        create_countdown_ = nth;
    }

    /// Makes destroy(handle) throw, every time; the handle stays live.
    void fail_destroy_of(handle_type handle) {
        std::lock_guard lock(mutex_);
        failing_destroys_.insert(handle);
    }

    handle_type create(const creation_request& request) {
        std::lock_guard lock(mutex_);
        if (create_countdown_ >= 0 && create_countdown_-- == 0) {
            throw std::runtime_error(detail::cat("recording_backend: injected failure creating '", request.name, "'"));
        }
        const handle_type handle = next_handle_++;
        live_.insert(handle);
        ++creates_;
        events_.push_back({event::kind::create, handle, request.index, std::string(request.name), request.self});
        return handle;
    }

    void destroy(handle_type handle) {
        std::lock_guard lock(mutex_);
        if (failing_destroys_.contains(handle)) {
            throw std::runtime_error(detail::cat("recording_backend: injected failure destroying handle ", handle));
        }
        if (live_.erase(handle) == 0) {
            events_.push_back({event::kind::refused_destroy, handle, -1, {}, {}});
            throw std::logic_error(detail::cat("recording_backend: handle ", handle,
                                               " is not live (destroyed already, or never created here)"));
        }
        ++destroys_;
        events_.push_back({event::kind::destroy, handle, -1, {}, {}});
    }

    /// One line per event: "create 3 mlptp (creation 2) group 1 position 0".
    friend std::ostream& operator<<(std::ostream& out, const event& e) {
        switch (e.what) {
            case event::kind::create:
                return out << "create " << e.handle << ' ' << e.name << " (creation " << e.creation << ") group "
                           << e.self.group << " position " << e.self.position;
            case event::kind::destroy: return out << "destroy " << e.handle;
            case event::kind::refused_destroy: return out << "refused destroy " << e.handle;
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<event> events_;
    std::set<handle_type> live_;
    std::set<handle_type> failing_destroys_;
    handle_type next_handle_ = 1;  // 0 stays free for callers' sentinels
    int create_countdown_ = -1;
    int creates_ = 0;
    int destroys_ = 0;
};

static_assert(communicator_backend<recording_backend>);

}  // namespace ranktopo
