// ranktopo — the registry: one rank's communicators, from init to destroy.
//
// A registry walks a plan through a backend: it creates each creation's
// handle in plan order (the same on every rank, as collective backends
// need), hands them out by accessor — shared where the plan shares, the
// engine's own TP handle where the plan borrows it — and destroys each owned
// handle exactly once, in the reference's teardown order. It replaces
// vllm-ascend's init_ascend_model_parallel / destroy_ascend_model_parallel
// without their globals: an engine may hold several registries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "ranktopo/backend.hpp"
#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// When handles are created.
enum class creation_mode : std::uint8_t {
    /// All in init(), in plan order: collective backends are safe as long as
    /// every rank calls init() (and destroy()) at the same point.
    eager,
    /// Each on the first get() of an accessor that needs it. With a
    /// collective backend every rank must then call get() for the same
    /// accessors in the same order, from one thread; a creation that fails
    /// leaves the registry initialized and the others in place (other
    /// threads may be using them), and the next get() retries it.
    lazy,
};

/// What get() returns: the handle, this rank's place in the group, and the
/// group's members (computed on access; valid after the registry changes).
template <class Handle>
struct group_handle {
    Handle handle;
    int creation = -1;  ///< index into plan::creations; -1 for the borrowed TP handle
    int group = 0;      ///< this rank's group index in the family
    int position = 0;   ///< this rank's position in its group
    group_view members;

    [[nodiscard]] bool borrowed() const noexcept { return creation < 0; }
};

namespace detail {

/// Why the config leaves accessor `a` unbound, naming the option(s) and values.
[[nodiscard]] inline std::string why_unbound(accessor a, const config& c) {
    const auto off = [](const char* option, int value) { return cat(option, " is ", value, " (off)"); };
    const auto no = [](const char* option) { return cat(option, " is false"); };
    switch (a) {
        case accessor::mc2: return "mc2 is always created";
        case accessor::mlp_tp: return off("mlp_tensor_parallel_size", c.mlp_tensor_parallel_size);
        case accessor::otp: return off("oproj_tensor_parallel_size", c.oproj_tensor_parallel_size);
        case accessor::lmhead_tp: return off("lmhead_tensor_parallel_size", c.lmhead_tensor_parallel_size);
        case accessor::embed_tp: return off("embedding_tensor_parallel_size", c.embedding_tensor_parallel_size);
        case accessor::flashcomm2_otp:
            if (!c.flashcomm2_enabled) return no("flashcomm2_enabled");
            return cat("flashcomm2_oproj_tensor_parallel_size is ", c.flashcomm2_oproj_tensor_parallel_size,
                       ": the otp group is built only when it is > 1");
        case accessor::flashcomm2_odp: return no("flashcomm2_enabled");
        case accessor::fc3_quant_x: return no("multistream_overlap_gate");
        case accessor::shard_weight: return no("layer_sharding");
        case accessor::p_tp:
            return cat("p_tp needs pd_head_ratio (", c.pd_head_ratio, ") > 1 and is_kv_producer (",
                       c.is_kv_producer ? "true" : "false", ")");
        case accessor::dynamic_eplb: return no("dynamic_eplb");
    }
    return "unknown accessor";
}

/// The message of the exception being handled, for any exception type.
[[nodiscard]] inline std::string current_exception_message() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}

}  // namespace detail

/// One rank's communicators for one config, over a backend B.
///
/// Thread-safe: get() may run on many threads at once, and init() and
/// destroy() may race with it; a get() sees the registry either before or
/// after such a call, never in between. The backend is called with the
/// registry's lock held, so it must not call back into the registry.
/// Handles handed out stay the caller's copies: using one after destroy()
/// is the caller's error, as with any communicator.
template <communicator_backend B>
class registry {
public:
    using backend_type = B;
    using handle_type = typename B::handle_type;
    using group = group_handle<handle_type>;

    explicit registry(creation_mode mode = creation_mode::eager) noexcept : mode_(mode) {}
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    /// Destroys what is still owned; failures cannot be reported here, so
    /// call destroy() first to see them.
    ~registry() {
        try {
            destroy();
        } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
        }
    }

    /// Plans `c` and, in eager mode, creates every handle through `backend`
    /// for `rank`. `tp` is the engine's tensor-parallel handle, which the
    /// registry hands out for flashcomm2_odp when FlashComm2's o_proj TP size
    /// is 1 and never destroys; it is required then. `backend` must outlive
    /// the initialized registry.
    ///
    /// Initialized already with the same config, rank and backend: a no-op.
    /// Otherwise throws state_error; config_error for a config the reference
    /// cannot serve; lookup_error for a rank outside the world; backend_error
    /// if a creation fails, after destroying the handles already created in
    /// reverse order — the registry then stays uninitialized.
    void init(const config& c, B& backend, int rank, std::optional<handle_type> tp = std::nullopt) {
        constexpr const char* function = "ranktopo::registry::init";
        const writer_lock lock(*this);
        if (session_) {
            if (session_->topology() == c && session_->rank == rank && session_->backend == &backend) return;
            throw state_error(detail::cat(
                function, ": already initialized with ",
                session_->topology() == c ? "the same config but another rank or backend" : "another config",
                " (world_size ", session_->topology().world_size, ", rank ", session_->rank,
                "); call destroy() first"));
        }
        session s;
        s.layout = make_plan(c);
        s.backend = &backend;
        s.rank = rank;
        if (rank < 0 || rank >= c.world_size) {
            throw lookup_error(
                detail::cat(function, ": rank ", rank, " is outside [0, ", c.world_size, ") (world_size)"));
        }
        for (const creation& made : s.layout.creations) s.self.push_back(made.groups.locate(rank));
        s.owned.resize(s.layout.creations.size());
        if (s.layout.handle(accessor::flashcomm2_odp).source == binding::kind::borrowed_tp) {
            if (!tp) {
                throw state_error(
                    detail::cat(function,
                                ": flashcomm2_odp borrows the engine's tensor-parallel group (flashcomm2_enabled with "
                                "flashcomm2_oproj_tensor_parallel_size = ",
                                c.flashcomm2_oproj_tensor_parallel_size, "): pass its handle as init's tp argument"));
            }
            s.borrowed_tp = std::move(tp);
            s.tp_groups.emplace(families::tp(c));
        }
        if (mode_ == creation_mode::eager) {
            for (std::size_t k = 0; k < s.owned.size(); ++k) create(s, k, function, /*roll_back=*/true);
        }
        session_ = std::move(s);
    }

    /// The handle of accessor `a`, this rank's place and the group's members.
    /// In lazy mode creates the handle on first use. Throws state_error
    /// naming the accessor when the registry is not initialized or the
    /// config does not enable it; backend_error if a lazy creation fails.
    [[nodiscard]] group get(accessor a) {
        {
            const reader_lock lock(*this);
            if (std::optional<group> found = find(a)) return *found;
        }
        // Lazy, not created yet: create under the exclusive lock, after
        // looking again (another thread may have created it, or destroyed all).
        const writer_lock lock(*this);
        if (std::optional<group> found = find(a)) return *found;
        const auto k = static_cast<std::size_t>(session_->layout.handle(a).creation);
        create(*session_, k, "ranktopo::registry::get", /*roll_back=*/false);
        return *find(a);
    }

    /// Destroys each owned handle once, in the reference's teardown order
    /// (plan::destroy_order), never the borrowed one; afterwards the
    /// registry is uninitialized and may be initialized again. Every handle
    /// is attempted; failures are thrown together as one backend_error. A
    /// no-op when not initialized.
    void destroy() {
        const writer_lock lock(*this);
        if (!session_) return;
        session s = std::move(*session_);
        session_.reset();  // uninitialized whatever the backend does
        std::vector<backend_failure> failures;
        for (int k : s.layout.destroy_order) release(s, static_cast<std::size_t>(k), failures);
        // Every creation is bound to an accessor, so the loop above took all;
        // this one is a guard against a plan that ever leaves one out.
        for (std::size_t k = s.owned.size(); k-- > 0;) release(s, k, failures);
        if (!failures.empty()) {
            std::string what = describe("ranktopo::registry::destroy", "destroying", failures);
            throw backend_error(what, std::move(failures));
        }
    }

    [[nodiscard]] bool initialized() const {
        const reader_lock lock(*this);
        return session_.has_value();
    }

    /// A copy of the plan being served, or nothing when not initialized.
    [[nodiscard]] std::optional<plan> current_plan() const {
        const reader_lock lock(*this);
        if (!session_) return std::nullopt;
        return session_->layout;
    }

    /// How many handles the registry owns now (created and not destroyed).
    [[nodiscard]] std::size_t owned_count() const {
        const reader_lock lock(*this);
        if (!session_) return 0;
        std::size_t n = 0;
        for (const auto& h : session_->owned) n += h.has_value() ? 1U : 0U;
        return n;
    }

    [[nodiscard]] creation_mode mode() const noexcept { return mode_; }

private:
    struct session {
        plan layout;
        B* backend = nullptr;
        int rank = 0;
        std::vector<location> self;                     ///< by creation: this rank's group and position
        std::vector<std::optional<handle_type>> owned;  ///< by creation: the handle, once created
        std::optional<handle_type> borrowed_tp;
        std::optional<family> tp_groups;  ///< vLLM's TP family, for the borrowed handle's members

        [[nodiscard]] const config& topology() const noexcept { return layout.topology; }
    };

    /// The group of `a` if it is ready; nothing if it awaits lazy creation.
    /// Throws state_error when not initialized or `a` is unbound. Needs the lock.
    [[nodiscard]] std::optional<group> find(accessor a) const {
        constexpr const char* function = "ranktopo::registry::get";
        if (!session_) {
            throw state_error(
                detail::cat(function, "(", name(a), "): the registry is not initialized; call init() first"));
        }
        const session& s = *session_;
        const binding& b = s.layout.handle(a);
        switch (b.source) {
            case binding::kind::none:
                throw state_error(detail::cat(function, "(", name(a), "): the config does not enable ", name(a), ": ",
                                              detail::why_unbound(a, s.topology())));
            case binding::kind::borrowed_tp: {
                const location me = s.tp_groups->locate(s.rank);
                return group{*s.borrowed_tp, -1, me.group, me.position, s.tp_groups->group(me.group)};
            }
            case binding::kind::created: break;
        }
        const auto k = static_cast<std::size_t>(b.creation);
        if (!s.owned[k]) return std::nullopt;
        const location me = s.self[k];
        return group{*s.owned[k], b.creation, me.group, me.position, s.layout.creations[k].groups.group(me.group)};
    }

    /// Creates creation k of `s`. On failure throws backend_error naming it,
    /// after destroying, in reverse order, what `s` owns if `roll_back`.
    static void create(session& s, std::size_t k, const char* function, bool roll_back) {
        const creation& made = s.layout.creations[k];
        try {
            s.owned[k] = s.backend->create(
                creation_request{static_cast<int>(k), made.name, &made.groups, s.rank, s.self[k]});
            return;
        } catch (...) {
            std::vector<backend_failure> failures{
                {static_cast<int>(k), made.name, detail::current_exception_message()}};
            std::string what = describe(function, "creating", failures);
            if (roll_back) {
                std::vector<backend_failure> rollback;
                for (std::size_t j = k; j-- > 0;) release(s, j, rollback);
                if (!rollback.empty()) what += "; rolling back, " + describe("", "destroying", rollback);
                failures.insert(failures.end(), rollback.begin(), rollback.end());
            }
            throw backend_error(what, std::move(failures));
        }
    }

    /// Destroys creation k of `s` if owned; a failure is appended, not thrown.
    static void release(session& s, std::size_t k, std::vector<backend_failure>& failures) noexcept {
        if (!s.owned[k]) return;
        handle_type handle = std::move(*s.owned[k]);
        s.owned[k].reset();  // attempted once: a failed destroy is not retried
        try {
            s.backend->destroy(handle);
        } catch (...) {
            try {
                failures.push_back(
                    {static_cast<int>(k), s.layout.creations[k].name, detail::current_exception_message()});
            } catch (...) {  // out of memory while reporting: the handle is still released
            }
        }
    }

    /// "function: creating 'mlptp' (creation 3) failed: ...; destroying ...".
    [[nodiscard]] static std::string describe(const char* function, const char* verb,
                                              const std::vector<backend_failure>& failures) {
        std::string what = *function != '\0' ? detail::cat(function, ": ") : std::string();
        for (std::size_t i = 0; i < failures.size(); ++i) {
            const backend_failure& f = failures[i];
            what += detail::cat(i == 0 ? "" : "; ", verb, " '", f.name, "' (creation index ", f.creation,
                                ") failed: ", f.message);
        }
        return what;
    }

    // Readers share mutex_; a writer first takes the turnstile, which
    // readers pass on their way in, so a steady stream of get() cannot
    // starve init() / destroy() (glibc's rwlock, behind std::shared_mutex,
    // prefers readers).
    struct reader_lock {
        std::shared_lock<std::shared_mutex> shared;
        explicit reader_lock(const registry& r) : shared(pass(r)) {}
        static std::shared_lock<std::shared_mutex> pass(const registry& r) {
            const std::lock_guard turnstile(r.turnstile_);
            return std::shared_lock(r.mutex_);
        }
    };
    struct writer_lock {
        std::lock_guard<std::mutex> turnstile;
        std::lock_guard<std::shared_mutex> exclusive;
        explicit writer_lock(const registry& r) : turnstile(r.turnstile_), exclusive(r.mutex_) {}
    };

    mutable std::mutex turnstile_;
    mutable std::shared_mutex mutex_;
    std::optional<session> session_;
    creation_mode mode_;
};

}  // namespace ranktopo
