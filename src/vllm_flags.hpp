// ranktopo — the flags `vllm serve` accepts, for refusing the ones it does not.
//
// The union over the vLLM versions vllm-ascend 0.13.0..0.25.1rc1 pair with:
// vllm/engine/arg_utils.py (EngineArgs.add_cli_args, AsyncEngineArgs) and
// vllm/entrypoints/openai/cli_args.py (FrontendArgs, make_arg_parser), plus
// flags of the older releases that later ones dropped. vLLM's parser takes
// no abbreviations; a boolean flag also has its --no- form.
#pragma once

#include <array>
#include <string_view>

namespace ranktopo::detail {

inline constexpr std::array<std::string_view, 299> vllm_long_flags{
    // ModelConfig
    "--model", "--runner", "--convert", "--task", "--tokenizer", "--tokenizer-mode", "--trust-remote-code", "--dtype",
    "--seed", "--hf-config-path", "--allowed-local-media-path", "--allowed-media-domains", "--revision",
    "--code-revision", "--tokenizer-revision", "--max-model-len", "--quantization", "--quantization-config",
    "--allow-deprecated-quantization", "--enforce-eager", "--enable-return-routed-experts", "--return-sampling-mask",
    "--max-logprobs", "--logprobs-mode", "--disable-sliding-window", "--disable-cascade-attn", "--skip-tokenizer-init",
    "--enable-prompt-embeds", "--served-model-name", "--config-format", "--hf-token", "--hf-overrides",
    "--model-class-overrides", "--pooler-config", "--override-pooler-config", "--generation-config",
    "--override-generation-config", "--enable-sleep-mode", "--enable-cumem-allocator", "--model-impl",
    "--logits-processors", "--logits-processor-pattern", "--io-processor-plugin", "--renderer-num-workers",
    "--max-seq-len-to-capture", "--rope-scaling", "--rope-theta", "--override-neuron-config",
    "--override-attention-dtype", "--disable-async-output-proc", "--enable-nccl-comm-suspend",
    // LoadConfig
    "--load-format", "--download-dir", "--safetensors-load-strategy", "--safetensors-prefetch-num-threads",
    "--safetensors-prefetch-block-size", "--model-loader-extra-config", "--ignore-patterns", "--use-tqdm-on-load",
    "--pt-load-map-location", "--qlora-adapter-name-or-path",
    // AttentionConfig, MambaConfig
    "--attention-backend", "--mamba-backend", "--mamba-ssu-algorithm", "--enable-mamba-cache-stochastic-rounding",
    "--mamba-cache-philox-rounds",
    // StructuredOutputsConfig (and the older DecodingConfig)
    "--reasoning-parser", "--reasoning-parser-plugin", "--guided-decoding-backend",
    "--guided-decoding-disable-fallback", "--guided-decoding-disable-any-whitespace",
    "--guided-decoding-disable-additional-properties", "--enable-reasoning",
    // ParallelConfig
    "--distributed-executor-backend", "--pipeline-parallel-size", "--master-addr", "--master-port", "--nnodes",
    "--node-rank", "--distributed-timeout-seconds", "--numa-bind", "--numa-bind-nodes", "--numa-bind-cpus",
    "--device-ids", "--tensor-parallel-size", "--decode-context-parallel-size", "--dcp-comm-backend",
    "--dcp-kv-cache-interleave-size", "--cp-kv-cache-interleave-size", "--prefill-context-parallel-size",
    "--data-parallel-size", "--data-parallel-rank", "--data-parallel-start-rank", "--data-parallel-size-local",
    "--data-parallel-address", "--data-parallel-rpc-port", "--data-parallel-backend", "--data-parallel-hybrid-lb",
    "--data-parallel-external-lb", "--enable-expert-parallel", "--enable-ep-weight-filter", "--all2all-backend",
    "--enable-dbo", "--ubatch-size", "--enable-elastic-ep", "--dbo-decode-token-threshold", "--dp-sync-interval",
    "--dbo-prefill-token-threshold", "--disable-nccl-for-dp-synchronization", "--enable-eplb", "--eplb-config",
    "--num-redundant-experts", "--eplb-window-size", "--eplb-step-interval", "--eplb-log-balancedness",
    "--expert-placement-strategy", "--max-parallel-loading-workers", "--ray-workers-use-nsight",
    "--disable-custom-all-reduce", "--worker-cls", "--worker-extension-cls",
    "--enable-multimodal-encoder-data-parallel",
    // CacheConfig
    "--block-size", "--gpu-memory-utilization", "--kv-cache-memory-bytes", "--kv-cache-memory", "--swap-space",
    "--kv-cache-dtype", "--num-gpu-blocks-override", "--enable-prefix-caching", "--prefix-caching-hash-algo",
    "--cpu-offload-gb", "--calculate-kv-scales", "--kv-sharing-fast-prefill", "--mamba-cache-dtype",
    "--mamba-ssm-cache-dtype", "--mamba-block-size", "--mamba-cache-mode", "--kv-offloading-size",
    "--kv-offloading-backend", "--kv-cache-dtype-skip-layers", "--prefix-cache-retention-interval",
    // OffloadConfig
    "--offload-backend", "--cpu-offload-params", "--offload-group-size", "--offload-num-in-group",
    "--offload-prefetch-step", "--offload-params",
    // MultiModalConfig
    "--language-model-only", "--limit-mm-per-prompt", "--enable-mm-embeds", "--media-io-kwargs",
    "--mm-processor-kwargs", "--mm-processor-cache-gb", "--mm-processor-cache-type", "--mm-hasher-algorithm",
    "--mm-shm-cache-max-object-size-mb", "--mm-encoder-only", "--mm-encoder-tp-mode", "--mm-encoder-attn-backend",
    "--mm-encoder-attn-dtype", "--interleave-mm-strings", "--skip-mm-profiling", "--video-pruning-rate",
    "--video-pruning-method", "--mm-tensor-ipc", "--mm-processor-device", "--mm-ipc-gpu-memory-gb",
    "--disable-mm-preprocessor-cache",
    // LoRAConfig (and the older prompt adapters)
    "--enable-lora", "--enable-lora-bias", "--max-loras", "--max-lora-rank", "--lora-dtype",
    "--enable-tower-connector-lora", "--max-cpu-loras", "--fully-sharded-loras", "--lora-target-modules",
    "--default-mm-loras", "--specialize-active-lora", "--lora-extra-vocab-size", "--long-lora-scaling-factors",
    "--enable-prompt-adapter", "--max-prompt-adapters", "--max-prompt-adapter-token",
    // ObservabilityConfig
    "--show-hidden-metrics-for-version", "--otlp-traces-endpoint", "--collect-detailed-traces",
    "--per-request-spec-decode-metrics", "--kv-cache-metrics", "--kv-cache-metrics-sample", "--cudagraph-metrics",
    "--enable-layerwise-nvtx-tracing", "--enable-mfu-metrics", "--enable-logging-iteration-details",
    // SchedulerConfig
    "--max-num-batched-tokens", "--max-num-scheduled-tokens", "--max-num-seqs", "--max-num-partial-prefills",
    "--max-long-partial-prefills", "--long-prefill-token-threshold", "--num-lookahead-slots",
    "--scheduler-delay-factor", "--preemption-mode", "--num-scheduler-steps", "--multi-step-stream-outputs",
    "--scheduling-policy", "--enable-chunked-prefill", "--disable-chunked-mm-input", "--scheduler-cls",
    "--disable-hybrid-kv-cache-manager", "--async-scheduling", "--stream-interval", "--cuda-graph-sizes",
    "--use-v2-block-manager", "--max-num-queued-reqs", "--max-num-queued-tokens",
    // CompilationConfig, KernelConfig
    "--cudagraph-capture-sizes", "--max-cudagraph-capture-size", "--ir-op-priority", "--enable-flashinfer-autotune",
    "--moe-backend", "--linear-backend",
    // VllmConfig
    "--speculative-config", "--kv-transfer-config", "--kv-events-config", "--ec-transfer-config",
    "--compilation-config", "--attention-config", "--reasoning-config", "--kernel-config", "--additional-config",
    "--structured-outputs-config", "--profiler-config", "--optimization-level", "--performance-mode",
    "--weight-transfer-config", "--speculative-model", "--num-speculative-tokens", "--device",
    // other engine arguments
    "--disable-log-stats", "--aggregate-engine-logging", "--enable-log-requests", "--disable-log-requests",
    "--fail-on-environ-validation", "--shutdown-timeout", "--gdn-prefill-backend", "--tokenizer-pool-size",
    // serve and the OpenAI frontend (FrontendArgs)
    "--headless", "--api-server-count", "--config", "--host", "--port", "--uds", "--uvicorn-log-level",
    "--disable-uvicorn-access-log", "--allow-credentials", "--allowed-origins", "--allowed-methods",
    "--allowed-headers", "--api-key", "--lora-modules", "--prompt-adapters", "--chat-template",
    "--chat-template-content-format", "--trust-request-chat-template", "--default-chat-template-kwargs",
    "--response-role", "--ssl-keyfile", "--ssl-certfile", "--ssl-ca-certs", "--enable-ssl-refresh", "--ssl-cert-reqs",
    "--ssl-ciphers", "--root-path", "--middleware", "--return-tokens-as-token-ids",
    "--disable-frontend-multiprocessing", "--enable-request-id-headers", "--enable-auto-tool-choice",
    "--exclude-tools-when-tool-choice-none", "--tool-call-parser", "--tool-parser-plugin", "--tool-server",
    "--log-config-file", "--max-log-len", "--disable-fastapi-docs", "--enable-prompt-tokens-details",
    "--enable-server-load-tracking", "--enable-force-include-usage", "--enable-tokenizer-info-endpoint",
    "--enable-log-outputs", "--h11-max-incomplete-event-size", "--h11-max-header-count", "--log-error-stack",
    "--tokens-only", "--enable-offline-docs", "--enable-responses-api-store", "--log-level"};

/// Short forms, each with its long flag.
struct vllm_short_flag {
    std::string_view short_name;
    std::string_view long_name;
};
inline constexpr std::array<vllm_short_flag, 18> vllm_short_flags{{{"-tp", "--tensor-parallel-size"},
                                                                   {"-pp", "--pipeline-parallel-size"},
                                                                   {"-dp", "--data-parallel-size"},
                                                                   {"-dcp", "--decode-context-parallel-size"},
                                                                   {"-pcp", "--prefill-context-parallel-size"},
                                                                   {"-dpn", "--data-parallel-rank"},
                                                                   {"-dpr", "--data-parallel-start-rank"},
                                                                   {"-dpl", "--data-parallel-size-local"},
                                                                   {"-dpa", "--data-parallel-address"},
                                                                   {"-dpp", "--data-parallel-rpc-port"},
                                                                   {"-dpb", "--data-parallel-backend"},
                                                                   {"-dph", "--data-parallel-hybrid-lb"},
                                                                   {"-dpe", "--data-parallel-external-lb"},
                                                                   {"-ep", "--enable-expert-parallel"},
                                                                   {"-q", "--quantization"},
                                                                   {"-sc", "--speculative-config"},
                                                                   {"-cc", "--compilation-config"},
                                                                   {"-asc", "--api-server-count"}}};

}  // namespace ranktopo::detail
