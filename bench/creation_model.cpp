// Creation work per rank at scale, from the plan (creation_model.hpp): the
// table of docs/performance.md.
//
//   ranktopo_bench_model                       the scale table, 16 to 65,536 ranks
//   ranktopo_bench_model <processes> none|identical|identical_any [key=value ...]
//       one line per rank of config A at N processes (key=value on top),
//       the plan's creations only:
//       "rank store_ops own_groups vllm_store_ops_less_polls new_group_calls",
//       what ranktopo_bench_torch (RANKTOPO_BENCH_SHARING=...) and
//       bench/torch_vllm.py (RANKTOPO_BENCH_COUNT=1) count
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "creation_model.hpp"
#include "issue_config.hpp"
#include "ranktopo/io.hpp"

namespace {

using ranktopo::sharing_policy;
using ranktopo::bench::creation_work;

/// Config A of bench/torch_run.sh on n ranks: T = 2, D = n / 2, fine-grained
/// TP 2, FlashComm2 S = 2, layer sharding, dynamic EPLB, the overlap gate.
ranktopo::config config_a(int n) {
    ranktopo::config c;
    c.world_size = n;
    for (const char* s :
         {"tensor_parallel_size=2", "mlp_tensor_parallel_size=2", "oproj_tensor_parallel_size=2",
          "embedding_tensor_parallel_size=2", "flashcomm2_enabled=true", "flashcomm2_oproj_tensor_parallel_size=2",
          "layer_sharding=true", "dynamic_eplb=true", "multistream_overlap_gate=true"}) {
        ranktopo::set_option(c, s);
    }
    c.data_parallel_size = n / 2;
    return c;
}

std::string with_commas(std::int64_t v) {
    std::string digits = std::to_string(v);
    for (auto at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<std::size_t>(at), ",");
    return digits;
}

/// The sharing a command line names.
ranktopo::init_options setup_for(std::string_view sharing, bool vllm_groups) {
    ranktopo::init_options setup{vllm_groups, false, sharing_policy::none, nullptr};
    if (sharing == "identical" || sharing == "identical_any") setup.sharing = sharing_policy::identical;
    if (sharing == "identical_any") setup.sharing_key = ranktopo::bench::any_options_key;
    if (sharing != "none" && setup.sharing == sharing_policy::none) {
        throw std::invalid_argument(std::string(sharing) + ": expected none, identical or identical_any");
    }
    return setup;
}

void row(const char* label, const ranktopo::config& c) {
    const int rank = 1;  // rank 0 also reads every rank's agreement record: + world_size
    const creation_work none = ranktopo::bench::creation_work_of(c, rank, setup_for("none", true));
    const creation_work shared = ranktopo::bench::creation_work_of(c, rank, setup_for("identical", true));
    const creation_work any = ranktopo::bench::creation_work_of(c, rank, setup_for("identical_any", true));
    std::cout << "| " << label << " | " << with_commas(c.world_size) << " | " << with_commas(none.new_group_calls)
              << " | " << with_commas(none.vllm_store_ops) << " | " << none.own_groups << " / " << shared.own_groups
              << " / " << any.own_groups << " | " << none.gloo_connections << " / " << shared.gloo_connections << " / "
              << any.gloo_connections << " | " << none.store_ops << " / " << shared.store_ops << " / " << any.store_ops
              << " |\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc >= 3) {
            const int n = std::atoi(argv[1]);
            const ranktopo::init_options setup = setup_for(argv[2], false);
            ranktopo::config c = config_a(n);
            for (int i = 3; i < argc; ++i) ranktopo::set_option(c, argv[i]);
            for (int rank = 0; rank < n; ++rank) {
                const creation_work w = ranktopo::bench::creation_work_of(c, rank, setup);
                std::cout << rank << " " << w.store_ops << " " << w.own_groups << " "
                          << w.vllm_store_ops - w.vllm_barrier_polls << " " << w.new_group_calls << "\n";
            }
            return 0;
        }
        std::cout << "| config | ranks | vLLM: new_group calls = world barrier rounds | vLLM: store ops (at least) "
                     "| ranktopo: own groups | Gloo connections | store ops |\n"
                  << "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
        row("B", ranktopo::example_config());
        for (int n = 16; n <= 65536; n *= 4) row("A", config_a(n));
        for (int n = 256; n <= 65536; n *= 4) row("issue", ranktopo::bench::issue_config(n));
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ranktopo_bench_model: " << e.what() << "\n";
        return 2;
    }
}
