// ranktopo — the MPI backend.
#include "ranktopo/mpi.hpp"

#include <climits>
#include <string>
#include <vector>

#include "ranktopo/error.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo::mpi {
namespace {

using detail::cat;

/// Throws backend_error for an MPI call that did not return MPI_SUCCESS
/// (only seen when the communicator's error handler returns errors).
void check(int status, const std::string& where) {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {};
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw backend_error(cat(where, " failed with MPI error ", status, ": ", std::string(text, text + length)));
}

void require_initialized(const char* function) {
    int initialized = 0;
    int finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized == 0 || finalized != 0) {
        throw backend_error(cat(function, ": MPI is ",
                                initialized == 0 ? "not initialized yet (call MPI_Init first)"
                                                 : "finalized already (destroy the registry "
                                                   "before MPI_Finalize)"));
    }
}

}  // namespace

backend::backend(MPI_Comm parent, method how) : parent_(parent), method_(how) {
    constexpr const char* function = "ranktopo::mpi::backend";
    require_initialized(function);
    if (method_ != method::split && method_ != method::members_only) {
        throw backend_error(cat(function, ": unknown creation method ", static_cast<int>(method_)));
    }
    check(MPI_Comm_rank(parent_, &rank_), cat(function, ": MPI_Comm_rank on the parent communicator"));
    check(MPI_Comm_size(parent_, &size_), cat(function, ": MPI_Comm_size on the parent communicator"));
}

MPI_Comm backend::create(const creation_request& request) {
    const std::string function = cat("ranktopo::mpi::backend::create('", request.name, "')");
    require_initialized(function.c_str());
    const int world_size = request.groups->world_size();
    // Every rank sees the same sizes, so all refuse together: no rank is
    // left waiting in the split.
    if (size_ != world_size) {
        throw backend_error(cat(function, ": the parent communicator has ", size_,
                                " processes but the config's world_size is ", world_size, "; run ", world_size,
                                " processes (mpiexec -n ", world_size, ") or set world_size to ", size_));
    }
    if (request.rank != rank_) {
        throw backend_error(cat(function, ": this process is rank ", rank_,
                                " of the parent communicator but the request is for rank ", request.rank,
                                "; initialize the registry with the backend's rank()"));
    }
    MPI_Comm communicator = MPI_COMM_NULL;
    if (method_ == method::members_only) {
        communicator = create_members_only(request, function);
    } else {
        check(MPI_Comm_split(parent_, request.self.group, request.self.position, &communicator),
              cat(function, ": MPI_Comm_split(colour ", request.self.group, ", key ", request.self.position, ")"));
    }
    created_.fetch_add(1);
    return communicator;
}

MPI_Comm backend::create_members_only(const creation_request& request, const std::string& function) {
    // Every rank counts every create() call, so the tag is the same for all
    // members of one creation and differs from the creation before and
    // after it: a fast member already in the next creation cannot be
    // matched by a slow one still in this one. 32767 is the smallest
    // MPI_TAG_UB the standard allows.
    constexpr int tag_count = 32768;
    const int tag = attempts_.fetch_add(1) % tag_count;
    const group_view members = request.members();
    std::vector<int> ranks(members.begin(), members.end());
    MPI_Group parent_group = MPI_GROUP_NULL;
    check(MPI_Comm_group(parent_, &parent_group), cat(function, ": MPI_Comm_group of the parent"));
    MPI_Group group = MPI_GROUP_NULL;
    const int included = MPI_Group_incl(parent_group, static_cast<int>(ranks.size()), ranks.data(), &group);
    MPI_Group_free(&parent_group);
    check(included, cat(function, ": MPI_Group_incl of group ", request.self.group, " (", ranks.size(), " ranks)"));
    MPI_Comm communicator = MPI_COMM_NULL;
    const int created = MPI_Comm_create_group(parent_, group, tag, &communicator);
    MPI_Group_free(&group);
    check(created, cat(function, ": MPI_Comm_create_group of group ", request.self.group, " (", ranks.size(),
                       " ranks), tag ", tag));
    return communicator;
}

void backend::destroy(MPI_Comm communicator) {
    constexpr const char* function = "ranktopo::mpi::backend::destroy";
    require_initialized(function);
    if (communicator == MPI_COMM_NULL) throw backend_error(cat(function, ": MPI_COMM_NULL is not a communicator"));
    check(MPI_Comm_free(&communicator), cat(function, ": MPI_Comm_free"));
    freed_.fetch_add(1);
}

std::vector<std::byte> backend::all_gather(std::span<const std::byte> mine) {
    constexpr const char* function = "ranktopo::mpi::backend::all_gather";
    require_initialized(function);
    if (mine.size() > static_cast<std::size_t>(INT_MAX)) {
        throw backend_error(cat(function, ": ", mine.size(), " bytes are more than one MPI count holds"));
    }
    std::vector<std::byte> all(mine.size() * static_cast<std::size_t>(size_));
    const int count = static_cast<int>(mine.size());
    check(MPI_Allgather(mine.data(), count, MPI_BYTE, all.data(), count, MPI_BYTE, parent_),
          cat(function, ": MPI_Allgather of ", count, " bytes"));
    gathers_.fetch_add(1);
    return all;
}

}  // namespace ranktopo::mpi
