// ranktopo — the registry: one rank's communicators, from init to destroy.
//
// A registry walks a plan through a backend: it creates each creation's
// handle in plan order (the same on every rank, as collective backends
// need), hands them out by accessor or by name — shared where the plan
// shares, the engine's own TP handle where the plan borrows it — and
// destroys each owned handle exactly once, in the reference's teardown
// order. Optionally it creates vLLM's own groups (world, tp, pp, dp, pcp, ep)
// first, through the same backend, so that one object owns every group of
// an engine. It replaces vllm-ascend's init_ascend_model_parallel /
// destroy_ascend_model_parallel without their globals: an engine may hold
// several registries.
//
// Over a backend with all_gather (agreeing_backend), init() first checks
// with one collective that every rank holds the same config and settings:
// on a mismatch every rank throws the same agreement_error before any
// creation, instead of some ranks waiting forever in a collective.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/agreement.hpp"
#include "ranktopo/backend.hpp"
#include "ranktopo/config.hpp"
#include "ranktopo/cost.hpp"
#include "ranktopo/engine_checks.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/hccl.hpp"
#include "ranktopo/identical.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// When handles are created.
enum class creation_mode : std::uint8_t {
    /// All in init(), in creation order: collective backends are safe as
    /// long as every rank calls init() (and destroy()) at the same point.
    eager,
    /// Each on the first get() that needs it. With a collective backend
    /// every rank must then make its first get() of each creation in the
    /// same order, from one thread: a rank asking for another creation
    /// first waits forever in its collective. A creation that fails leaves
    /// the registry initialized and the others in place (other threads may
    /// be using them), and the next get() retries it.
    lazy,
    /// As lazy, but each lazy creation is preceded by an all_gather of the
    /// creation's index (one more collective per creation), so that a rank
    /// asking for another creation than the others makes every rank throw
    /// agreement_error instead of hanging. Needs an agreeing_backend.
    checked_lazy,
};

[[nodiscard]] constexpr std::string_view name(creation_mode m) noexcept {
    switch (m) {
        case creation_mode::eager: return "eager";
        case creation_mode::lazy: return "lazy";
        case creation_mode::checked_lazy: return "checked_lazy";
    }
    return "unknown";
}

/// Which creations share one handle. A shared handle is created once (by
/// the first creation of those sharing it, in creation order), served to
/// every accessor of each of them, and destroyed once, after its last user
/// in teardown order. Only creations holding identical groups (same_groups:
/// the same ranks in the same positions, on every rank alike) can share.
enum class sharing_policy : std::uint8_t {
    /// Every creation its own handle (vllm-ascend before 0.19.1rc1).
    none,
    /// The config's release's HCCL reuse rule for device groups (cost.hpp,
    /// hccl_reuse_of): from 0.19.1rc1 to 0.20.2rc1, equal hccl_config
    /// (buffer size) and equal reuse domain; from 0.21.0rc1 the group name
    /// is in the key, so distinct creations never share.
    release,
    /// Every pair with identical groups and an equal init_options::sharing_key.
    identical,
};

[[nodiscard]] constexpr std::string_view name(sharing_policy p) noexcept {
    switch (p) {
        case sharing_policy::none: return "none";
        case sharing_policy::release: return "release";
        case sharing_policy::identical: return "identical";
    }
    return "unknown";
}

/// A creation's options key under sharing_policy::identical: creations with
/// identical groups share a handle only when their keys are equal.
using sharing_key_function = std::string (*)(std::string_view creation_name, const config& c);

/// vllm-ascend's key: the HCCL buffer size the release gives the name
/// (hccl.hpp; "env" where HCCL_BUFFSIZE sizes it) and its reuse domain
/// (cost.hpp): "200 MB/shared", "env/mc2", "100 MB/dynamic_eplb".
[[nodiscard]] inline std::string vllm_ascend_sharing_key(std::string_view creation_name, const config& c) {
    const std::optional<int> buffer = hccl_buffer_size(creation_name, c);
    return detail::cat(buffer ? detail::cat(*buffer, " MB") : std::string("env"), "/",
                       hccl_reuse_domain(creation_name));
}

/// What init() does beyond the plan. The defaults are the engine-facing
/// path: refuse what vllm-ascend refuses. init() without options keeps
/// serving every config the reference serves (engine_checks off).
struct init_options {
    /// Also create vLLM's own groups — world, tp, dcp (when
    /// decode_context_parallel_size > 1), pcp, pp, dp, ep, in vLLM's order,
    /// each as a creation named like its accessor — before the plan's, and
    /// serve flashcomm2_odp's borrowed TP from the registry's own tp. Opt-in:
    /// engines that build these themselves keep passing their TP handle instead.
    bool vllm_groups = false;
    /// Refuse, with config_error naming the rule, a config that
    /// engine_checks() says vllm-ascend refuses (ascend_config.py). Rules
    /// that need facts the config lacks (engine_checks_undecided) are not
    /// applied.
    bool engine_checks = true;
    /// Which creations share one handle (sharing_policy); none by default.
    sharing_policy sharing = sharing_policy::none;
    /// The options key for sharing_policy::identical; null: vllm-ascend's
    /// (vllm_ascend_sharing_key). It must give every rank the same keys.
    sharing_key_function sharing_key = nullptr;

    friend constexpr bool operator==(const init_options&, const init_options&) = default;
};

/// What get() returns: the handle, this rank's place in the group, and the
/// group's members (computed on access; valid after the registry changes).
template <class Handle>
struct group_handle {
    Handle handle;
    /// Index into registry::creations() (which is plan::creations when vLLM's
    /// groups are not created); -1 for the engine's borrowed TP handle.
    int creation = -1;
    int group = 0;     ///< this rank's group index in the family
    int position = 0;  ///< this rank's position in its group
    group_view members;

    [[nodiscard]] bool borrowed() const noexcept { return creation < 0; }
};

/// One creation of an initialized registry, in creation order.
struct creation_info {
    std::string name;                         ///< the name the backend receives: "mlptp", "p_tp_0", "tp"
    std::vector<std::string_view> accessors;  ///< every accessor it serves: "otp", "mlp_tp"
    family_origin origin = family_origin::reference;
    /// The creation whose handle it uses (init_options::sharing), or -1
    /// when it has its own.
    int handle_of = -1;

    [[nodiscard]] bool shares_handle() const noexcept { return handle_of >= 0; }
};

/// One accessor an initialized registry serves, with the creation behind it.
struct bound_accessor {
    std::string_view accessor;                ///< "mlp_tp", or one of vLLM's groups: "tp"
    std::string creation;                     ///< the creation's name ("otp" when mlp_tp shares it); "" if borrowed
    int index = -1;                           ///< into registry::creations(); -1: the engine's borrowed TP
    std::vector<std::string_view> served_by;  ///< every accessor of that creation, this one included

    [[nodiscard]] bool borrowed() const noexcept { return index < 0; }
    [[nodiscard]] bool shared() const noexcept { return served_by.size() > 1; }
};

namespace detail {

/// Why the config leaves accessor `a` unbound, naming the option(s) and values.
[[nodiscard]] inline std::string why_unbound(accessor a, const config& c) {
    const auto off = [](const char* option, int value) { return cat(option, " is ", value, " (off)"); };
    const auto no = [](const char* option) { return cat(option, " is false"); };
    if (!c.vllm_ascend_version.layout().has(step_of(a))) {
        return cat("vllm-ascend ", c.vllm_ascend_version.version(), " (vllm_ascend_version) has no ", name(a),
                   " group");
    }
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

/// vLLM's groups in the order initialize_model_parallel creates them (after
/// the world group), as the registry creates them with init_options::vllm_groups.
/// dcp is created only when decode_context_parallel_size > 1.
inline constexpr std::array<std::string_view, 7> vllm_creation_order{"world", "tp", "dcp", "pcp", "pp", "dp", "ep"};

/// Whether the registry creates vLLM's group `name` for `c` (dcp only when > 1).
[[nodiscard]] constexpr bool vllm_creates(std::string_view name, const config& c) noexcept {
    return name != "dcp" || c.decode_context_parallel_size > 1;
}

[[nodiscard]] inline family vllm_family(std::string_view name, const config& c) {
    if (name == "world") return families::world(c);
    if (name == "tp") return families::tp(c);
    if (name == "dcp") return families::dcp(c);
    if (name == "pcp") return families::pcp(c);
    if (name == "pp") return families::pp(c);
    if (name == "dp") return families::dp(c);
    return families::ep(c);
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

    /// init(c, backend, rank, options, tp) with init_options{.vllm_groups =
    /// false, .engine_checks = false}: serves every config the reference
    /// serves, as before init_options existed.
    void init(const config& c, B& backend, int rank, std::optional<handle_type> tp = std::nullopt) {
        init(c, backend, rank, init_options{false, false}, std::move(tp));
    }

    /// Plans `c` and, in eager mode, creates every handle through `backend`
    /// for `rank`. `tp` is the engine's tensor-parallel handle, which the
    /// registry hands out for flashcomm2_odp when FlashComm2's o_proj TP size
    /// is 1 and never destroys; it is required then, unless
    /// `setup.vllm_groups` (the registry's own tp serves it; `tp` must
    /// then not be given). `backend` must outlive the initialized registry.
    ///
    /// Over an agreeing_backend, first gathers every rank's config and
    /// settings in one all_gather and throws agreement_error, on every rank
    /// alike, if they differ (see agreement.hpp). Then: initialized already
    /// with the same config, rank, backend and options: a no-op. Otherwise
    /// throws state_error; config_error for a config the reference cannot
    /// serve, or (setup.engine_checks) vllm-ascend refuses; lookup_error
    /// for a rank outside the world; backend_error if a creation fails,
    /// after destroying the handles already created in reverse order — the
    /// registry then stays uninitialized.
    void init(const config& c, B& backend, int rank, const init_options& setup,
              std::optional<handle_type> tp = std::nullopt) {
        constexpr const char* function = "ranktopo::registry::init";
        const writer_lock lock(*this);
        const bool same = session_ && session_->topology() == c && session_->rank == rank &&
                          session_->backend == &backend && session_->setup == setup;
        // Every rank of an agreeing backend learns which ranks passed a TP
        // handle, so the checks on it below refuse on every rank alike.
        std::vector<int> with_tp;
        std::vector<int> without_tp;
        if constexpr (agreeing_backend<B>) {
            const std::array<agreement::setting, 5> settings{{
                {"registry_state", !session_ ? "uninitialized"
                                   : same    ? "initialized"
                                             : "other_session"},
                {"creation_mode", std::string(name(mode_))},
                {"vllm_groups", setup.vllm_groups ? "true" : "false"},
                {"engine_checks", setup.engine_checks ? "true" : "false"},
                {"sharing", std::string(name(setup.sharing))},
            }};
            const std::vector<std::byte> mine = agreement::encode(c, rank, tp.has_value(), settings);
            agreement::outcome agreed = agreement::check(backend.all_gather(mine), settings, function);
            with_tp = std::move(agreed.with_tp);
            without_tp = std::move(agreed.without_tp);
        } else {
            if (mode_ == creation_mode::checked_lazy) {
                throw state_error(detail::cat(function, ": creation_mode::checked_lazy needs a backend with ",
                                              "all_gather (agreeing_backend)"));
            }
            (tp ? with_tp : without_tp).push_back(rank);
        }
        if (same) return;
        if (session_) {
            throw state_error(detail::cat(function, ": already initialized with ",
                                          session_->topology() == c
                                              ? "the same config but another rank or backend, or other init_options"
                                              : "another config",
                                          " (world_size ", session_->topology().world_size, ", rank ", session_->rank,
                                          "); call destroy() first"));
        }
        session s;
        s.layout = make_plan(c);
        if (setup.engine_checks) {
            std::vector<problem> refused = engine_checks(c);
            if (!refused.empty()) {
                for (problem& p : refused) {
                    p.message = detail::cat("vllm-ascend refuses this config (init_options::engine_checks): ",
                                            p.message);
                }
                throw config_error(function, std::move(refused));
            }
        }
        s.backend = &backend;
        s.rank = rank;
        s.setup = setup;
        if (rank < 0 || rank >= c.world_size) {
            throw lookup_error(
                detail::cat(function, ": rank ", rank, " is outside [0, ", c.world_size, ") (world_size)"));
        }
        const bool borrows = s.layout.handle(accessor::flashcomm2_odp).source == binding::kind::borrowed_tp;
        if (setup.vllm_groups) {
            if (!with_tp.empty()) {
                throw state_error(detail::cat(function, ": init_options::vllm_groups creates vLLM's tp group, so ",
                                              "no engine TP handle may be passed, but ",
                                              agreement::detail::rank_list(with_tp), " passed one"));
            }
            for (std::string_view vllm : detail::vllm_creation_order) {
                if (!detail::vllm_creates(vllm, c)) continue;
                std::vector<std::string_view> served{vllm};
                if (vllm == "tp" && borrows) served.emplace_back(name(accessor::flashcomm2_odp));
                s.add(std::string(vllm), detail::vllm_family(vllm, c), std::move(served), family_origin::vllm);
            }
        } else if (borrows && !without_tp.empty()) {
            throw state_error(
                detail::cat(function,
                            ": flashcomm2_odp borrows the engine's tensor-parallel group (flashcomm2_enabled with "
                            "flashcomm2_oproj_tensor_parallel_size = ",
                            c.flashcomm2_oproj_tensor_parallel_size, "): pass its handle as init's tp argument (",
                            agreement::detail::rank_list(without_tp),
                            " passed none), or create vLLM's groups here with init_options::vllm_groups"));
        }
        s.first_planned = s.entries.size();
        for (std::size_t i = 0; i < s.layout.creations.size(); ++i) {
            std::vector<std::string_view> served;
            for (accessor a : creation_sequence) {
                const binding& b = s.layout.handle(a);
                if (b.source == binding::kind::created && b.creation == static_cast<int>(i)) {
                    served.push_back(name(a));
                }
            }
            const creation& made = s.layout.creations[i];
            s.add(made.name, made.groups, std::move(served), family_origin::reference);
        }
        s.share();
        if (borrows && !setup.vllm_groups) {
            s.borrowed_tp = std::move(tp);
            s.tp_groups.emplace(families::tp(c));
        }
        if (mode_ == creation_mode::eager) {
            for (std::size_t k = 0; k < s.entries.size(); ++k) create(s, k, function, /*roll_back=*/true);
        }
        session_ = std::move(s);
    }

    /// The handle of accessor `a`, this rank's place and the group's members.
    /// In lazy mode creates the handle on first use. Throws state_error
    /// naming the accessor when the registry is not initialized or the
    /// config does not enable it; backend_error if a lazy creation fails;
    /// agreement_error (checked_lazy) if the ranks' creation order differs.
    [[nodiscard]] group get(accessor a) {
        return get_target([a](const session& s) { return s.resolve(a); }, name(a));
    }

    /// The group called `name`: an accessor ("mlp_tp"), one of vLLM's groups
    /// when the registry creates them ("tp"), a creation's name ("mlptp",
    /// "p_tp_0"), or a fine-grained module's creation name even when the
    /// module shares another's ("mlptp" when mlp_tp shares "otp"). Throws
    /// lookup_error for a name that is none of these, and as get(accessor).
    [[nodiscard]] group get(std::string_view name) {
        return get_target([name](const session& s) { return s.resolve(name); }, name);
    }

    /// As get(), but nothing instead of state_error for an accessor or name
    /// the config (or init_options) leaves unbound, and for an unknown name.
    /// Throws state_error when the registry is not initialized.
    [[nodiscard]] std::optional<group> try_get(accessor a) {
        return try_get_target([a](const session& s) { return s.resolve(a); }, name(a));
    }
    [[nodiscard]] std::optional<group> try_get(std::string_view name) {
        return try_get_target([name](const session& s) { return s.resolve(name); }, name);
    }

    /// Every accessor the registry serves, in creation order (the borrowed
    /// one last), with the creation behind it and the accessors sharing it.
    /// Nothing when not initialized. get(entry.accessor) is each one's group.
    [[nodiscard]] std::vector<bound_accessor> bound() const {
        const reader_lock lock(*this);
        std::vector<bound_accessor> out;
        if (!session_) return out;
        const session& s = *session_;
        for (std::size_t k = 0; k < s.entries.size(); ++k) {
            for (std::string_view a : s.entries[k].info.accessors) {
                out.push_back({a, s.entries[k].info.name, static_cast<int>(k), s.entries[k].info.accessors});
            }
        }
        if (s.borrowed_tp) out.push_back({name(accessor::flashcomm2_odp), "", -1, {name(accessor::flashcomm2_odp)}});
        return out;
    }

    /// The creations of the registry (vLLM's, when created here, then the
    /// plan's), in creation order; empty when not initialized.
    [[nodiscard]] std::vector<creation_info> creations() const {
        const reader_lock lock(*this);
        std::vector<creation_info> out;
        if (!session_) return out;
        for (const entry& e : session_->entries) out.push_back(e.info);
        return out;
    }

    /// Destroys each owned handle once — the plan's in the reference's
    /// teardown order (plan::destroy_order), then vLLM's in reverse creation
    /// order — never the borrowed one; afterwards the registry is
    /// uninitialized and may be initialized again. Every handle is
    /// attempted; failures are thrown together as one backend_error. A no-op
    /// when not initialized.
    void destroy() {
        const writer_lock lock(*this);
        if (!session_) return;
        session s = std::move(*session_);
        session_.reset();  // uninitialized whatever the backend does
        std::vector<backend_failure> failures;
        for (int k : s.layout.destroy_order) release(s, s.first_planned + static_cast<std::size_t>(k), failures);
        // Every creation is bound to an accessor, so the loop above took all
        // of the plan's; this one takes vLLM's, and guards against a plan
        // that ever leaves one out.
        for (std::size_t k = s.entries.size(); k-- > 0;) release(s, k, failures);
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
        for (const entry& e : session_->entries) n += e.owned.has_value() ? 1U : 0U;
        return n;
    }

    /// How many handles the registry would own with every creation made:
    /// the creations less those sharing another's handle.
    [[nodiscard]] std::size_t handle_count() const {
        const reader_lock lock(*this);
        if (!session_) return 0;
        std::size_t n = 0;
        for (const entry& e : session_->entries) n += e.info.shares_handle() ? 0U : 1U;
        return n;
    }

    [[nodiscard]] creation_mode mode() const noexcept { return mode_; }

private:
    /// One creation: what the backend is told, and the handle once created.
    struct entry {
        creation_info info;
        family groups;
        location self;  ///< this rank's group and position
        std::optional<handle_type> owned;
        bool released = false;  ///< no longer a user of its (possibly shared) handle

        /// The entry holding this one's handle.
        [[nodiscard]] std::size_t holder(std::size_t k) const noexcept {
            return info.shares_handle() ? static_cast<std::size_t>(info.handle_of) : k;
        }
    };

    /// Where an accessor or name leads: an entry, the borrowed TP handle, or
    /// nowhere (`why` says why; `known` is false for an unknown name).
    struct target {
        int entry = -1;
        bool borrowed = false;
        bool known = true;
        std::string why;

        [[nodiscard]] bool bound() const noexcept { return entry >= 0 || borrowed; }
        [[nodiscard]] static target at(int k) { return {k, false, true, {}}; }
        [[nodiscard]] static target borrowed_tp() { return {-1, true, true, {}}; }
        [[nodiscard]] static target unbound(std::string why, bool known = true) {
            return {-1, false, known, std::move(why)};
        }
    };

    struct session {
        plan layout;
        init_options setup;
        B* backend = nullptr;
        int rank = 0;
        std::vector<entry> entries;     ///< in creation order: vLLM's (when created here), then the plan's
        std::size_t first_planned = 0;  ///< entries index of plan::creations[0]
        std::optional<handle_type> borrowed_tp;
        std::optional<family> tp_groups;  ///< vLLM's TP family, for the borrowed handle's members

        [[nodiscard]] const config& topology() const noexcept { return layout.topology; }

        void add(std::string name, family groups, std::vector<std::string_view> served, family_origin origin) {
            const location self = groups.locate(rank);
            entries.push_back(
                {{std::move(name), std::move(served), origin, -1}, std::move(groups), self, std::nullopt, false});
        }

        /// Sets each entry's handle_of by setup's policy: the first earlier
        /// entry with its own handle, identical groups and an equal key.
        /// Decided from layouts, the same on every rank.
        void share() {
            if (setup.sharing == sharing_policy::none) return;
            const config& c = topology();
            const hccl_reuse reuse = hccl_reuse_of(c.vllm_ascend_version);
            const sharing_key_function key = setup.sharing_key ? setup.sharing_key : vllm_ascend_sharing_key;
            std::vector<std::string> keys;
            if (setup.sharing == sharing_policy::identical) {
                for (const entry& e : entries) keys.push_back(key(e.info.name, c));
            }
            for (std::size_t k = 0; k < entries.size(); ++k) {
                for (std::size_t j = 0; j < k; ++j) {
                    if (entries[j].info.shares_handle() || !same_groups(entries[j].groups, entries[k].groups)) continue;
                    const bool equal_key = setup.sharing == sharing_policy::identical
                                               ? keys[j] == keys[k]
                                               : detail::same_hccl_key(reuse, entries[j].info.name,
                                                                       entries[k].info.name, c);
                    if (!equal_key) continue;
                    entries[k].info.handle_of = static_cast<int>(j);
                    break;
                }
            }
        }

        [[nodiscard]] int entry_named(std::string_view name) const noexcept {
            for (std::size_t k = 0; k < entries.size(); ++k) {
                if (entries[k].info.name == name) return static_cast<int>(k);
            }
            return -1;
        }

        [[nodiscard]] target resolve(accessor a) const {
            const binding& b = layout.handle(a);
            switch (b.source) {
                case binding::kind::none: return target::unbound(detail::why_unbound(a, topology()));
                case binding::kind::borrowed_tp:
                    if (setup.vllm_groups) return target::at(entry_named("tp"));
                    return target::borrowed_tp();
                case binding::kind::created: break;
            }
            return target::at(static_cast<int>(first_planned) + b.creation);
        }

        [[nodiscard]] target resolve(std::string_view name) const {
            if (const std::optional<accessor> a = find_accessor(name)) return resolve(*a);
            if (const int k = entry_named(name); k >= 0) return target::at(k);
            for (std::string_view vllm : detail::vllm_creation_order) {
                if (!detail::vllm_creates(vllm, topology())) continue;
                if (vllm == name) {
                    return target::unbound("vLLM's groups are created here only with init_options::vllm_groups");
                }
            }
            // A fine-grained module's own creation name, e.g. "mlptp" when mlp_tp shares "otp".
            for (const auto& [module, own_name] : detail::module_creation_names) {
                if (own_name == name) return resolve(*find_accessor(module));
            }
            return target::unbound(detail::cat("no accessor, vLLM group or creation is called '", name,
                                               "' (accessors: mc2, mlp_tp, otp, ...; vLLM's: world, tp, dcp, pp, dp, "
                                               "pcp, ep; creations: see registry::creations())"),
                                   /*known=*/false);
        }
    };

    /// The group of `t` if it is ready; nothing if it awaits lazy creation.
    /// Needs the lock and an initialized, bound target.
    [[nodiscard]] group ready(const session& s, const target& t) const {
        if (t.borrowed) {
            const location me = s.tp_groups->locate(s.rank);
            return group{*s.borrowed_tp, -1, me.group, me.position, s.tp_groups->group(me.group)};
        }
        const auto k = static_cast<std::size_t>(t.entry);
        const entry& e = s.entries[k];
        return group{*s.entries[e.holder(k)].owned, t.entry, e.self.group, e.self.position,
                     e.groups.group(e.self.group)};
    }

    [[nodiscard]] bool is_ready(const session& s, const target& t) const {
        if (t.borrowed) return true;
        const auto k = static_cast<std::size_t>(t.entry);
        return s.entries[s.entries[k].holder(k)].owned.has_value();
    }

    /// The target `resolve` finds; throws state_error when not initialized,
    /// and (unless `optional`) state_error / lookup_error when unbound.
    template <class Resolve>
    [[nodiscard]] std::optional<target> locate(const Resolve& resolve, std::string_view what, bool optional) const {
        if (!session_) {
            throw state_error(
                detail::cat("ranktopo::registry::get(", what, "): the registry is not initialized; call init() first"));
        }
        target t = resolve(*session_);
        if (t.bound()) return t;
        if (optional) return std::nullopt;
        if (!t.known) throw lookup_error(detail::cat("ranktopo::registry::get(", what, "): ", t.why));
        throw state_error(
            detail::cat("ranktopo::registry::get(", what, "): the config does not enable ", what, ": ", t.why));
    }

    template <class Resolve>
    [[nodiscard]] std::optional<group> obtain(const Resolve& resolve, std::string_view what, bool optional) {
        {
            const reader_lock lock(*this);
            const std::optional<target> t = locate(resolve, what, optional);
            if (!t) return std::nullopt;
            if (is_ready(*session_, *t)) return ready(*session_, *t);
        }
        // Lazy, not created yet: create under the exclusive lock, after
        // looking again (another thread may have created it, or destroyed all).
        const writer_lock lock(*this);
        const std::optional<target> t = locate(resolve, what, optional);
        if (!t) return std::nullopt;
        if (!is_ready(*session_, *t)) {
            constexpr const char* function = "ranktopo::registry::get";
            const auto k = session_->entries[static_cast<std::size_t>(t->entry)].holder(
                static_cast<std::size_t>(t->entry));
            if (mode_ == creation_mode::checked_lazy) agree_on_creation(*session_, k, function);
            create(*session_, k, function, /*roll_back=*/false);
        }
        return ready(*session_, *t);
    }

    template <class Resolve>
    [[nodiscard]] group get_target(const Resolve& resolve, std::string_view what) {
        return *obtain(resolve, what, false);
    }

    template <class Resolve>
    [[nodiscard]] std::optional<group> try_get_target(const Resolve& resolve, std::string_view what) {
        return obtain(resolve, what, true);
    }

    /// checked_lazy: every rank gathers the index of the creation it is
    /// about to make; if they differ, every rank throws agreement_error.
    static void agree_on_creation(session& s, std::size_t k, const char* function) {
        if constexpr (agreeing_backend<B>) {
            std::array<std::byte, 8> mine{};
            for (std::size_t i = 0; i < 8; ++i) mine[i] = static_cast<std::byte>((std::uint64_t{k} >> (8 * i)) & 0xFFU);
            const std::vector<std::byte> all = s.backend->all_gather(mine);
            std::vector<std::string> wanted;
            for (std::size_t at = 0; at + 8 <= all.size(); at += 8) {
                const std::uint64_t index = agreement::detail::get_u64(all, at);
                wanted.push_back(index < s.entries.size()
                                     ? detail::cat("'", s.entries[index].info.name, "' (creation ", index, ")")
                                     : detail::cat("creation ", index));
            }
            const auto groups = agreement::detail::by_value(wanted);
            if (groups.size() > 1) {
                std::string who;
                for (std::size_t i = 0; i < groups.size(); ++i) {
                    who += detail::cat(i == 0 ? "" : ", ", agreement::detail::rank_list(groups[i].second),
                                       i == 0 ? " create " : " ", groups[i].first);
                }
                throw agreement_error(
                    detail::cat(function, ": lazy creations must come in the same order on every rank, but ", who,
                                "; make the first get() of each group in the same order on every rank"),
                    "creation_order");
            }
        } else {
            (void)s;
            (void)k;
            (void)function;
        }
    }

    /// Creates entry k of `s` (nothing when it shares an earlier entry's
    /// handle, created already). On failure throws backend_error naming it,
    /// after destroying, in reverse order, what `s` owns if `roll_back`.
    static void create(session& s, std::size_t k, const char* function, bool roll_back) {
        entry& e = s.entries[k];
        if (e.info.shares_handle()) return;
        try {
            e.owned = s.backend->create(
                creation_request{static_cast<int>(k), e.info.name, &e.groups, s.rank, e.self, e.info.accessors});
            return;
        } catch (...) {
            std::vector<backend_failure> failures{
                {static_cast<int>(k), e.info.name, detail::current_exception_message()}};
            std::string what = describe(function, "creating", failures);
            if (roll_back) {
                std::vector<backend_failure> rollback;
                // Entries from k on never became users: a handle shared with
                // one of them goes with its last user before k.
                for (std::size_t j = k; j < s.entries.size(); ++j) s.entries[j].released = true;
                for (std::size_t j = k; j-- > 0;) release(s, j, rollback);
                if (!rollback.empty()) what += "; rolling back, " + describe("", "destroying", rollback);
                failures.insert(failures.end(), rollback.begin(), rollback.end());
            }
            throw backend_error(what, std::move(failures));
        }
    }

    /// Ends entry k's use of its handle, and destroys the handle if it is
    /// created and k was its last user; a failure is appended, not thrown.
    static void release(session& s, std::size_t k, std::vector<backend_failure>& failures) noexcept {
        if (s.entries[k].released) return;
        s.entries[k].released = true;
        const std::size_t h = s.entries[k].holder(k);
        for (std::size_t j = h; j < s.entries.size(); ++j) {
            if (!s.entries[j].released && s.entries[j].holder(j) == h) return;  // still used
        }
        entry& e = s.entries[h];
        k = h;
        if (!e.owned) return;
        handle_type handle = std::move(*e.owned);
        e.owned.reset();  // attempted once: a failed destroy is not retried
        try {
            s.backend->destroy(handle);
        } catch (...) {
            try {
                failures.push_back({static_cast<int>(k), e.info.name, detail::current_exception_message()});
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
