// ranktopo-torch-demo — an engine's start-up over PyTorch process groups.
// Each process is one rank, launched the way PyTorch launches ranks:
//
//   torchrun --standalone --nproc_per_node 4 --no_python
//       build/examples/ranktopo-torch-demo --set tensor_parallel_size=2
//       --set data_parallel_size=2 --set dynamic_eplb=true
//
// (torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.)
// Every rank builds the registry over ranktopo::torch, vLLM's groups
// included, with a factory that picks per-group options from the creation's
// name the way vllm-ascend picks HCCL buffer sizes (ranktopo/hccl.hpp). This
// machine has no NPU, so the factory records the hccl_buffer_size it would
// give ProcessGroupHCCL and builds a Gloo group instead. Every group is then
// checked with an allreduce of world ranks, and rank 0 prints every rank's
// report in rank order.
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <ATen/ATen.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "group_line.hpp"
#include "ranktopo/hccl.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/torch.hpp"

namespace {

constexpr std::string_view usage =
    "Usage: torchrun --standalone --nproc_per_node N --no_python ranktopo-torch-demo [--set KEY=VALUE]...\n"
    "                [--timeout SECONDS]\n"
    "Builds ranktopo's process groups (vLLM's included) for the config on every rank, over\n"
    "ranktopo::torch with Gloo, choosing each group's HCCL buffer size by name as vllm-ascend\n"
    "does; checks each group with an allreduce and prints every rank's groups from rank 0.\n"
    "Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT as torchrun sets them;\n"
    "world_size is WORLD_SIZE and local_rank LOCAL_RANK unless --set overrides them.\n"
    "--timeout: seconds any rank waits for the others (default 60).\n";

/// A required environment variable, as torchrun sets it.
std::string environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::invalid_argument(std::string(name) + " is not set: launch with torchrun (see --help)");
    }
    return value;
}

/// `text` as a whole integer, or an error naming `what` and the text.
int parse_int(const std::string& text, const std::string& what) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw std::invalid_argument(what + " '" + text + "' is not an integer");
    }
    return value;
}

int environment_int(const char* name) {
    return parse_int(environment(name), name);
}

/// The store torch.distributed's env:// method opens: under torchrun the
/// agent's TCPStore, as a client, under the "/worker" prefix; otherwise rank 0
/// serves one at MASTER_ADDR:MASTER_PORT.
ranktopo::torch::store open_store(int rank, std::chrono::milliseconds timeout) {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(environment_int("MASTER_PORT"));
    options.timeout = timeout;
    options.waitWorkers = false;
    const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
    if (agent_store != nullptr && std::string_view(agent_store) == "True") {
        return c10::make_intrusive<c10d::PrefixStore>(
            "/worker", c10::make_intrusive<c10d::TCPStore>(environment("MASTER_ADDR"), options));
    }
    options.isServer = rank == 0;
    return c10::make_intrusive<c10d::TCPStore>(environment("MASTER_ADDR"), options);
}

/// "hccl_buffer_size 200 MB", or what decides mc2's.
std::string describe(std::optional<int> buffer_mb) {
    return buffer_mb ? "hccl_buffer_size " + std::to_string(*buffer_mb) + " MB" : "no options (HCCL_BUFFSIZE)";
}

/// One line per group this rank belongs to, each checked by an allreduce.
std::string report(ranktopo::registry<ranktopo::torch::backend>& registry, int rank,
                   const std::map<std::string, std::optional<int>>& buffers, bool& all_ok) {
    std::ostringstream out;
    for (const ranktopo::bound_accessor& bound : registry.bound()) {
        const auto group = registry.get(bound.accessor);
        const std::vector<int> members = group.members.to_vector();
        std::vector<at::Tensor> sum{at::full({1}, rank, at::kLong)};
        group.handle->allreduce(sum)->wait();
        const bool ok = sum[0].item<std::int64_t>() ==
                            std::accumulate(members.begin(), members.end(), std::int64_t{0}) &&
                        group.handle->getRank() == group.position &&
                        group.handle->getSize() == static_cast<int>(members.size());
        all_ok = all_ok && ok;
        const auto buffer = buffers.find(bound.creation);
        out << ranktopo_demo::group_line(rank, bound.accessor, bound.creation, group.position, group.members) << ' '
            << (buffer == buffers.end() ? "borrowed" : describe(buffer->second)) << ' ' << (ok ? "ok" : "MISMATCH")
            << '\n';
    }
    return out.str();
}

std::vector<std::uint8_t> bytes(const std::string& text) {
    return {text.begin(), text.end()};
}

}  // namespace

int main(int argc, char** argv) {
    ranktopo::config c;
    int rank = 0;
    auto timeout = std::chrono::milliseconds(std::chrono::seconds(60));
    try {
        for (int i = 1; i < argc; ++i) {
            if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
                std::cout << usage;
                return 0;
            }
        }
        rank = environment_int("RANK");
        c.world_size = environment_int("WORLD_SIZE");
        c.local_rank = environment_int("LOCAL_RANK");
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (arg == "--set" && i + 1 < argc) {
                ranktopo::set_option(c, argv[++i]);
            } else if (arg == "--timeout" && i + 1 < argc) {
                const int seconds = parse_int(argv[++i], "--timeout");
                if (seconds <= 0)
                    throw std::invalid_argument("--timeout " + std::to_string(seconds) + ": must be positive");
                timeout = std::chrono::seconds(seconds);
            } else {
                throw std::invalid_argument("unknown argument '" + std::string(arg) + "' (see --help)");
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "ranktopo-torch-demo: " << e.what() << '\n';
        return 2;
    }

    try {
        const ranktopo::torch::store store = open_store(rank, timeout);
        // The factory an NPU engine would write, less the device: options by
        // the creation's name, then the process group (Gloo here, HCCL there).
        std::map<std::string, std::optional<int>> buffers;
        const ranktopo::torch::factory gloo = ranktopo::torch::gloo_factory(timeout);
        const ranktopo::torch::factory by_name = [&](const ranktopo::torch::store& group_store, int position, int size,
                                                     const ranktopo::creation_request& request) {
            buffers[std::string(request.name)] = ranktopo::hccl_buffer_size(request.name, c);
            return gloo(group_store, position, size, request);
        };
        ranktopo::torch::backend backend(store, rank, c.world_size, timeout, by_name);
        ranktopo::registry<ranktopo::torch::backend> registry;
        // Agreement through the store first: a config that differs between
        // ranks, or that no rank can serve, fails on every rank alike.
        registry.init(c, backend, rank, ranktopo::init_options{.vllm_groups = true});
        bool all_ok = true;
        const std::string text = report(registry, rank, buffers, all_ok);
        const std::size_t creations = registry.creations().size();
        store->set("ranktopo-demo/report/" + std::to_string(rank), bytes(text));
        if (rank == 0) {
            for (int r = 0; r < c.world_size; ++r) {
                const std::vector<std::uint8_t> theirs = store->get("ranktopo-demo/report/" + std::to_string(r));
                std::cout << std::string(theirs.begin(), theirs.end());
            }
            std::cout << c.world_size << " ranks; rank 0 created " << backend.created() << " process groups ("
                      << creations << " creations), each its own group only" << std::endl;
            store->set("ranktopo-demo/done", bytes("1"));
        } else {
            store->wait({"ranktopo-demo/done"});  // rank 0 may still read this rank's report
        }
        registry.destroy();
        return all_ok ? 0 : 1;
    } catch (const ranktopo::config_error& e) {
        if (rank == 0) std::cerr << "ranktopo-torch-demo: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ranktopo-torch-demo (rank " << rank << "): " << e.what() << '\n';
        return 3;
    }
}
