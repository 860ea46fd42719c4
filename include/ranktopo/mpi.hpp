// ranktopo — the MPI backend (ranktopo::mpi): one communicator per creation
// from a parent communicator, made one of two ways.
//
// split: one MPI_Comm_split on the parent, colour = this rank's group index,
// key = its position (both from family::locate, never from enumerating the
// groups), so MPI_Comm_rank in the new communicator is the position. NCCL
// (ncclCommSplit) and HCCL fit the same shape.
//
// members_only: this rank's own group only, its member list computed locally
// (family::group of this rank's group index), then MPI_Group_incl and
// MPI_Comm_create_group, a collective over that group's members alone.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ranktopo/agreement.hpp"
#include "ranktopo/backend.hpp"

namespace ranktopo::mpi {

/// How backend::create makes a communicator; both give congruent
/// communicators with this rank at its position.
enum class method {
    /// One MPI_Comm_split per creation: collective over the whole parent.
    split,
    /// MPI_Group_incl + MPI_Comm_create_group over this rank's group only:
    /// collective over its members (a group of one needs nobody else).
    /// Faster than split at 2, 4, 8 and 16 processes here (README, "MPI creation").
    members_only,
};

/// "split" or "members_only".
[[nodiscard]] constexpr const char* name(method m) noexcept {
    return m == method::split ? "split" : "members_only";
}

/// The method called `text` ("split", "members_only"), or nothing.
[[nodiscard]] constexpr std::optional<method> parse_method(std::string_view text) noexcept {
    for (const method m : {method::split, method::members_only}) {
        if (text == name(m)) return m;
    }
    return std::nullopt;
}

/// A communicator_backend over MPI. Its handles are MPI_Comm; destroy is
/// MPI_Comm_free. Errors are backend_error, naming the call, the creation
/// and the values. MPI must be initialized when it is constructed and when
/// it creates or destroys; creating from several threads needs
/// MPI_THREAD_MULTIPLE (a registry creates from one thread at a time).
class backend {
public:
    using handle_type = MPI_Comm;

    /// The method chosen from bench/bench_mpi.cpp's figures (README, "MPI").
    static constexpr method default_method = method::members_only;

    /// Creates from `parent` (not owned; it must outlive the backend).
    explicit backend(MPI_Comm parent = MPI_COMM_WORLD, method how = default_method);
    backend(const backend&) = delete;
    backend& operator=(const backend&) = delete;

    /// The communicator of this rank's group: collective over the parent
    /// (split) or over the group's members (members_only; its tag counts
    /// this backend's creations, the same on every rank since all create in
    /// one order). Throws backend_error if the parent's size is not the
    /// family's world size, or this process's rank in it is not the
    /// request's rank.
    [[nodiscard]] MPI_Comm create(const creation_request& request);

    /// MPI_Comm_free.
    void destroy(MPI_Comm communicator);

    /// Agreement (agreeing_backend): one MPI_Allgather of `mine` over the
    /// parent; every rank passes the same number of bytes.
    [[nodiscard]] std::vector<std::byte> all_gather(std::span<const std::byte> mine);

    [[nodiscard]] MPI_Comm parent() const noexcept { return parent_; }
    [[nodiscard]] method how() const noexcept { return method_; }
    /// This process's rank in the parent: what to pass to registry::init.
    [[nodiscard]] int rank() const noexcept { return rank_; }
    [[nodiscard]] int size() const noexcept { return size_; }
    /// Communicators created and freed so far through this backend.
    [[nodiscard]] int created() const noexcept { return created_.load(); }
    [[nodiscard]] int freed() const noexcept { return freed_.load(); }
    /// all_gather calls so far (each one collective).
    [[nodiscard]] int gathers() const noexcept { return gathers_.load(); }

private:
    [[nodiscard]] MPI_Comm create_members_only(const creation_request& request, const std::string& function);

    MPI_Comm parent_;
    method method_;
    int rank_ = 0;
    int size_ = 0;
    std::atomic<int> created_{0};
    std::atomic<int> freed_{0};
    std::atomic<int> gathers_{0};
    std::atomic<int> attempts_{0};  ///< members_only creations attempted so far: their tag
};

static_assert(communicator_backend<backend>);
static_assert(agreeing_backend<backend>);

}  // namespace ranktopo::mpi
