// ranktopo — the PyTorch backend. The only translation unit of the library
// that includes the c10d Gloo headers (they compile slowly).
#include "ranktopo/torch.hpp"

#include <exception>
#include <string>

#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "ranktopo/error.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo::torch {
namespace {

using detail::cat;

/// The message of the exception being handled; c10::Error without the
/// stack trace PyTorch appends (a screenful that hides the reason).
std::string current_message() {
    try {
        throw;
    } catch (const c10::Error& e) {
        return e.what_without_backtrace();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}

/// "0, 2, 4, 6", or the first 8 and the count for a large group.
std::string describe_members(const group_view& members) {
    constexpr int shown = 8;
    std::string out;
    const int n = members.size();
    for (int i = 0; i < n && i < shown; ++i) out += cat(i == 0 ? "" : ", ", members[i]);
    if (n > shown) out += cat(", ... (", n, " ranks)");
    return out;
}

std::vector<std::uint8_t> to_bytes(std::span<const std::byte> bytes) {
    std::vector<std::uint8_t> out(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
    return out;
}

}  // namespace

factory gloo_factory(std::chrono::milliseconds timeout) {
    // One loopback device for every group: Gloo contexts may share it, as
    // torch.distributed's own groups do.
    auto device = c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return [timeout, device](const store& group_store, int rank_in_group, int group_size,
                             const creation_request&) -> process_group {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        options->devices.push_back(device);
        // The constructor's rendezvous waits on the store for every member
        // with options->timeout, then throws: a missing member ends here.
        return c10::make_intrusive<c10d::ProcessGroupGloo>(group_store, rank_in_group, group_size, options);
    };
}

backend::backend(store shared, int rank, int world_size, std::chrono::milliseconds timeout, factory make)
    : store_(std::move(shared)), rank_(rank), world_size_(world_size), timeout_(timeout), make_(std::move(make)) {
    constexpr const char* function = "ranktopo::torch::backend";
    if (!store_) throw backend_error(cat(function, ": the store is null"));
    if (world_size_ < 1 || rank_ < 0 || rank_ >= world_size_) {
        throw backend_error(cat(function, ": rank ", rank_, " is outside [0, ", world_size_, ") (world_size)"));
    }
    if (timeout_.count() <= 0) {
        throw backend_error(cat(function, ": the timeout must be positive, not ", timeout_.count(), " ms"));
    }
    // Gloo's rendezvous waits for the first key with its own timeout but
    // reads the others with the store's (300 s by default, checked with
    // PyTorch 1.13's Gloo): without this a missing member stalls the others
    // for five minutes whatever the backend's timeout says.
    store_->setTimeout(timeout_);
    if (!make_) make_ = gloo_factory(timeout_);
}

process_group backend::create(const creation_request& request) {
    const std::string function = cat("ranktopo::torch::backend::create('", request.name, "')");
    // Every rank sees the same sizes, so all refuse together.
    if (request.groups->world_size() != world_size_) {
        throw backend_error(cat(function, ": the backend has world_size ", world_size_,
                                " but the creation's family covers ", request.groups->world_size(), " ranks"));
    }
    if (request.rank != rank_) {
        throw backend_error(cat(function, ": the backend is rank ", rank_, " but the request is for rank ",
                                request.rank, "; initialize the registry with the backend's rank()"));
    }
    // A registry's creation is known by its index: its name may differ
    // between members (p_tp_<n> follows each rank's local_rank), and the
    // members must meet under one prefix. Outside a registry (index -1,
    // e.g. the engine's own TP group) the name tells creations apart.
    const bool from_registry = request.index >= 0;
    const std::string own_name = from_registry ? std::string() : std::string(request.name);
    std::int64_t generation = 0;
    {
        const std::lock_guard lock(mutex_);
        generation = generations_[{request.index, own_name}]++;
    }
    const group_view members = request.members();
    const std::string prefix = from_registry
                                   ? cat("ranktopo/create/", request.index, "/", generation, "/", request.self.group)
                                   : cat("ranktopo/create/engine/", own_name, "/", generation, "/", request.self.group);
    process_group made;
    try {
        made = make_(c10::make_intrusive<c10d::PrefixStore>(prefix, store_), request.self.position, members.size(),
                     request);
    } catch (...) {
        throw backend_error(cat(function, ": group ", request.self.group, " (ranks ", describe_members(members),
                                "), this rank ", rank_, " at position ", request.self.position, " of ", members.size(),
                                ", store prefix '", prefix, "', timeout ", timeout_.count(),
                                " ms: ", current_message()));
    }
    if (!made) {
        throw backend_error(cat(function, ": the factory returned no process group for group ", request.self.group,
                                " (ranks ", describe_members(members), ")"));
    }
    const std::lock_guard lock(mutex_);
    ++created_;
    return made;
}

void backend::destroy(const process_group& group) {
    if (!group) throw backend_error("ranktopo::torch::backend::destroy: the process group is null");
    const std::lock_guard lock(mutex_);
    ++destroyed_;
}

std::vector<std::byte> backend::all_gather(std::span<const std::byte> mine) {
    constexpr const char* function = "ranktopo::torch::backend::all_gather";
    // Rank 0's answer starts with one status byte: the concatenation
    // follows an `ok`, a message every rank throws follows a `refused`.
    constexpr std::uint8_t ok = 0;
    constexpr std::uint8_t refused = 1;
    std::int64_t round = 0;
    {
        const std::lock_guard lock(mutex_);
        round = agreement_rounds_++;
    }
    const std::string prefix = cat("ranktopo/agree/", round, "/");
    const std::string answer_key = prefix + "all";
    std::vector<std::string> keys;
    keys.reserve(static_cast<std::size_t>(world_size_));
    for (int r = 0; r < world_size_; ++r) keys.push_back(cat(prefix, r));
    // Waits for `wanted` or throws naming the ranks whose records are missing.
    const auto wait_for = [&](const std::vector<std::string>& wanted) {
        try {
            store_->wait(wanted, timeout_);
        } catch (...) {
            std::string missing;
            try {
                for (int r = 0; r < world_size_; ++r) {
                    if (!store_->check({keys[static_cast<std::size_t>(r)]})) {
                        missing += cat(missing.empty() ? "" : ", ", r);
                    }
                }
            } catch (...) {  // the store itself failed: the first message says why
                missing = "unknown";
            }
            throw backend_error(cat(function, ": round ", round, ", rank ", rank_, " of ", world_size_,
                                    ": ranks not arrived after ", timeout_.count(), " ms: ", missing, " (",
                                    current_message(), ")"));
        }
    };
    store_->set(keys[static_cast<std::size_t>(rank_)], to_bytes(mine));
    std::vector<std::uint8_t> answer;
    if (rank_ == 0) {
        wait_for(keys);
        answer.push_back(ok);
        for (int r = 0; r < world_size_ && answer.front() == ok; ++r) {
            const std::vector<std::uint8_t> theirs = store_->get(keys[static_cast<std::size_t>(r)]);
            if (theirs.size() != mine.size()) {
                const std::string why = cat("rank ", r, " sent ", theirs.size(), " bytes, rank 0 ", mine.size(),
                                            "; every rank must send as many");
                answer.assign(1, refused);
                answer.insert(answer.end(), why.begin(), why.end());
            } else {
                answer.insert(answer.end(), theirs.begin(), theirs.end());
            }
        }
        store_->set(answer_key, answer);
    } else {
        wait_for({answer_key});
        answer = store_->get(answer_key);
    }
    if (answer.empty() || answer.front() != ok) {
        const std::string why = answer.empty() ? std::string("rank 0's answer is empty")
                                               : std::string(answer.begin() + 1, answer.end());
        throw backend_error(cat(function, ": round ", round, ": ", why));
    }
    if (answer.size() != 1 + mine.size() * static_cast<std::size_t>(world_size_)) {
        throw backend_error(cat(function, ": round ", round, ": rank ", rank_, " sent ", mine.size(), " bytes, rank 0 ",
                                (answer.size() - 1) / static_cast<std::size_t>(world_size_),
                                "; every rank must send as many"));
    }
    std::vector<std::byte> out(answer.size() - 1);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(answer[i + 1]);
    return out;
}

int backend::created() const {
    const std::lock_guard lock(mutex_);
    return created_;
}

int backend::destroyed() const {
    const std::lock_guard lock(mutex_);
    return destroyed_;
}

}  // namespace ranktopo::torch
