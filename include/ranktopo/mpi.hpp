// ranktopo — the MPI backend (ranktopo::mpi): communicators split from a
// parent communicator, one MPI_Comm_split per creation.
//
// Each creation is one collective call on the parent: colour = this rank's
// group index, key = its position (both from family::locate, never from
// enumerating the groups), so MPI_Comm_rank in the new communicator is the
// position. NCCL (ncclCommSplit) and HCCL fit the same shape.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <span>
#include <vector>

#include "ranktopo/agreement.hpp"
#include "ranktopo/backend.hpp"

namespace ranktopo::mpi {

/// A communicator_backend over MPI. Its handles are MPI_Comm; destroy is
/// MPI_Comm_free. Errors are backend_error, naming the call, the creation
/// and the values. MPI must be initialized when it is constructed and when
/// it creates or destroys; creating from several threads needs
/// MPI_THREAD_MULTIPLE (a registry creates from one thread at a time).
class backend {
public:
    using handle_type = MPI_Comm;

    /// Splits from `parent` (not owned; it must outlive the backend).
    explicit backend(MPI_Comm parent = MPI_COMM_WORLD);
    backend(const backend&) = delete;
    backend& operator=(const backend&) = delete;

    /// The communicator of this rank's group: collective over the parent.
    /// Throws backend_error if the parent's size is not the family's world
    /// size, or this process's rank in it is not the request's rank.
    [[nodiscard]] MPI_Comm create(const creation_request& request);

    /// MPI_Comm_free.
    void destroy(MPI_Comm communicator);

    /// Agreement (agreeing_backend): one MPI_Allgather of `mine` over the
    /// parent; every rank passes the same number of bytes.
    [[nodiscard]] std::vector<std::byte> all_gather(std::span<const std::byte> mine);

    [[nodiscard]] MPI_Comm parent() const noexcept { return parent_; }
    /// This process's rank in the parent: what to pass to registry::init.
    [[nodiscard]] int rank() const noexcept { return rank_; }
    [[nodiscard]] int size() const noexcept { return size_; }
    /// Communicators created and freed so far through this backend.
    [[nodiscard]] int created() const noexcept { return created_.load(); }
    [[nodiscard]] int freed() const noexcept { return freed_.load(); }
    /// all_gather calls so far (each one collective).
    [[nodiscard]] int gathers() const noexcept { return gathers_.load(); }

private:
    MPI_Comm parent_;
    int rank_ = 0;
    int size_ = 0;
    std::atomic<int> created_{0};
    std::atomic<int> freed_{0};
    std::atomic<int> gathers_{0};
};

static_assert(communicator_backend<backend>);
static_assert(agreeing_backend<backend>);

}  // namespace ranktopo::mpi
