#!/usr/bin/env bash
# ranktopo::torch (members only) against vLLM's way (new_group for every
# group on every rank, Debian's python3-torch), in one run: config A at 4, 8
# and 16 processes and config B (`ranktopo plan --example`) at 16, over a
# TCPStore as vLLM's tcp:// init makes (RANKTOPO_BENCH_STORE=file: a
# FileStore); each creation's share at 16; then the calls per rank counted
# from config A's plan up to 2^20 ranks; the creation model checked against
# counted store calls and constructions at 4, 8 and 16, and its scale table.
# IDENTICAL=1 adds two columns, one more run each per row: ranktopo::torch
# sharing identical groups with vllm-ascend's key (RANKTOPO_BENCH_SHARING=identical:
# HCCL buffer size and reuse domain) and sharing every identical group
# (identical_any).
# Usage, from anywhere:  bench/torch_run.sh
# BUILD_DIR (default build-bench-torch) overrides the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build-bench-torch}"
python=/usr/bin/python3  # Debian's, which has python3-torch
settings=(tensor_parallel_size=2 mlp_tensor_parallel_size=2 oproj_tensor_parallel_size=2
  embedding_tensor_parallel_size=2 flashcomm2_enabled=true flashcomm2_oproj_tensor_parallel_size=2
  layer_sharding=true dynamic_eplb=true multistream_overlap_gate=true)

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRANKTOPO_BUILD_BENCHMARKS=ON \
  -DRANKTOPO_BUILD_TESTS=OFF -DRANKTOPO_BUILD_EXAMPLES=ON -DRANKTOPO_WITH_MPI=OFF > /dev/null
cmake --build "$build_dir" -j2 --target ranktopo_cli ranktopo_bench_torch ranktopo_bench_model

echo "# ranktopo::torch vs vLLM's new_group, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores"
echo "# config A: world_size=N data_parallel_size=N/2 ${settings[*]}"
echo "# config B: ranktopo plan --example (16 ranks: T = 4, D = 2, P = 2, most families on)"
echo

# measure <label> <processes> <plan.json> <ranktopo_bench_torch arguments...>: appends one
# table row to rows (with RANKTOPO_BENCH_SHARING=identical and identical_any beside when
# IDENTICAL=1); leaves
# each creation's slowest-rank times in vllm_each and ours_each, and each rank's counted store
# calls and constructions in ours_store and ours_made.
rows=""
measure() {
  local label=$1 n=$2 plan=$3 keyed_ms="" shared_ms=""
  shift 3
  { read -r _ _ creations groups vllm_ms vllm_calls; read -r -a vllm_each; } \
    < <("$python" bench/torch_vllm.py "$n" "$plan")
  { read -r _ _ _ _ ours_ms ours_calls; read -r -a ours_each; read -r _ ours_store; read -r _ ours_made; } \
    < <(RANKTOPO_BENCH_SHARING=none "$build_dir/bench/ranktopo_bench_torch" "$n" "$@")
  if [[ "${IDENTICAL:-0}" == 1 ]]; then
    { read -r _ _ _ _ keyed_ms _; } \
      < <(RANKTOPO_BENCH_SHARING=identical "$build_dir/bench/ranktopo_bench_torch" "$n" "$@")
    { read -r _ _ _ _ shared_ms _; } \
      < <(RANKTOPO_BENCH_SHARING=identical_any "$build_dir/bench/ranktopo_bench_torch" "$n" "$@")
  fi
  rows+="$(awk -v l="$label" -v n="$n" -v c="$creations" -v g="$groups" -v v="$vllm_ms" -v o="$ours_ms" \
    -v vc="$vllm_calls" -v oc="$ours_calls" -v k="$keyed_ms" -v s="$shared_ms" \
    'BEGIN { printf "| %s | %d | %d | %d | %.0f | %.0f | %s | %s | %d | %d | %.1fx |", l, n, c, g, v, o,
             k == "" ? "-" : sprintf("%.0f", k), s == "" ? "-" : sprintf("%.0f", s), vc, oc, v / o }')"$'\n'
}

# check_model <processes> <sharing> <counted store calls> <counted constructions> [<vLLM store calls less polls> <polls>]:
# compares each rank's counted calls with bench/creation_model.hpp's (config A); appends to checks.
checks=""
check_model() {
  local n=$1 sharing=$2 store=$3 made=$4 vstore=${5:-} vpolls=${6:-}
  checks+="$("$build_dir/bench/ranktopo_bench_model" "$n" "$sharing" | awk -v n="$n" -v sh="$sharing" \
    -v store="$store" -v made="$made" -v vstore="$vstore" -v vpolls="$vpolls" '
    BEGIN { split(store, s, " "); split(made, m, " "); split(vstore, vs, " "); split(vpolls, vp, " "); bad = 0 }
    { r = $1 + 1
      if (s[r] != $2 || m[r] != $3) { bad++; printf "rank %d: ranktopo counted %s store calls, %s constructions; model %s, %s\n", $1, s[r], m[r], $2, $3 > "/dev/stderr" }
      if (vstore != "" && (vs[r] != $4 || vp[r] < $5)) { bad++; printf "rank %d: vLLM counted %s store calls and %s polls; model %s and at least %s\n", $1, vs[r], vp[r], $4, $5 > "/dev/stderr" } }
    END { printf "| %d | %s | %s | %s | %s |\n", n, sh, vstore == "" ? "-" : "every rank", "every rank", bad == 0 ? "agree" : "DIFFER" }')"$'\n'
}

# per_creation <plan.json>: each creation's slowest rank, both ways, from the last measure.
per_creation() {
  echo "| creation | groups x size | vLLM way ms | ranktopo::torch ms |"
  echo "| --- | ---: | ---: | ---: |"
  "$python" - "$1" "${vllm_each[*]}" "${ours_each[*]}" <<'PY'
import json, sys
creations = json.load(open(sys.argv[1]))["creations"]
vllm, ours = ([float(x) for x in arg.split()] for arg in sys.argv[2:4])
for c, v, o in zip(creations, vllm, ours):
    print(f"| {c['name']} | {len(c['groups'])} x {len(c['groups'][0])} | {v:.0f} | {o:.0f} |")
PY
}

for n in 4 8 16; do
  sets=(--set "world_size=$n" --set "data_parallel_size=$((n / 2))")
  for s in "${settings[@]}"; do sets+=(--set "$s"); done
  "$build_dir/examples/ranktopo" plan "${sets[@]}" > "$build_dir/plan_$n.json"
  measure A "$n" "$build_dir/plan_$n.json" "${settings[@]}"
  # The model against counted calls: ours from that run, vLLM's from a counting run (not timed).
  { read -r _; read -r _; read -r _ vllm_store; read -r _ vllm_polls; } \
    < <(RANKTOPO_BENCH_COUNT=1 "$python" bench/torch_vllm.py "$n" "$build_dir/plan_$n.json")
  check_model "$n" none "$ours_store" "$ours_made" "$vllm_store" "$vllm_polls"
  if [[ "$n" -lt 16 ]]; then
    for sharing in identical identical_any; do
      { read -r _; read -r _; read -r _ store; read -r _ made; } \
        < <(RANKTOPO_BENCH_SHARING=$sharing "$build_dir/bench/ranktopo_bench_torch" "$n" "${settings[@]}")
      check_model "$n" "$sharing" "$store" "$made"
    done
  fi
done
a_table=$(per_creation "$build_dir/plan_16.json")
"$build_dir/examples/ranktopo" plan --example > "$build_dir/plan_example.json"
measure B 16 "$build_dir/plan_example.json" --example
b_table=$(per_creation "$build_dir/plan_example.json")
echo "| config | processes | creations | groups | vLLM way ms | ranktopo::torch ms | identical, vllm-ascend's key ms | identical_any ms | vLLM calls per rank | ranktopo calls per rank | speed-up |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s' "$rows"
echo
echo "The creation model (bench/creation_model.hpp) against the store calls and constructions counted per rank, config A:"
echo
echo "| processes | ranktopo sharing | vLLM store calls and barrier polls | ranktopo store calls and constructions | model |"
echo "| ---: | --- | --- | --- | --- |"
printf '%s' "$checks"
# Where the time goes at 16 processes: each creation's slowest rank, both ways.
echo
echo "Per creation at 16 processes, config A (slowest rank in that creation's constructors; vLLM: its new_group calls):"
echo
echo "$a_table"
echo
echo "Per creation at 16 processes, config B:"
echo
echo "$b_table"
echo
echo "Process-group constructions per rank, counted from the plan (not run):"
echo
"$build_dir/bench/ranktopo_bench_torch" --count "${settings[@]}"
echo
echo "Creation work per rank at scale, from the plan (bench/creation_model.hpp; vLLM's groups included):"
echo
"$build_dir/bench/ranktopo_bench_model"
