// A tiny engine: load its topology, plan the communicators, and print the
// MLP tensor-parallel group of its own rank.
#include <iostream>

#include <ranktopo/io.hpp>
#include <ranktopo/ranktopo.hpp>

#ifdef CONSUMER_WITH_TORCH
#include <cstdint>
std::uintptr_t ranktopo_torch_linked();  // torch_check.cpp
#endif

int main() {
#ifdef CONSUMER_WITH_TORCH
    if (ranktopo_torch_linked() == 0) return 1;
#endif
    try {
        const ranktopo::config topology = ranktopo::parse_config(
            R"({"world_size": 8, "tensor_parallel_size": 2, "data_parallel_size": 4, "mlp_tensor_parallel_size": 2})");
        const ranktopo::plan plan = ranktopo::make_plan(topology);
        const ranktopo::binding& mlp = plan.handle(ranktopo::accessor::mlp_tp);
        const ranktopo::creation& made = plan.creations.at(static_cast<std::size_t>(mlp.creation));
        constexpr int my_rank = 5;
        const ranktopo::location me = made.groups.locate(my_rank);
        std::cout << "ranktopo " << ranktopo::version_string << ": " << made.name << " group of rank " << my_rank
                  << ":";
        for (const int rank : made.groups.group(me.group)) std::cout << ' ' << rank;
        std::cout << '\n';
    } catch (const ranktopo::error& e) {
        std::cerr << e.what() << '\n';
        return 1;
    }
    return 0;
}
