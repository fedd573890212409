#!/usr/bin/env bash
# Every performance figure of the README in one command: GSAM step cost (JMH + interleaved harness), pipeline
# overhead (bare loop vs operator vs the full Kafka job on an embedded broker), checkpointing a ~1M-parameter model
# (throughput, state size, failure-to-next-step time) and many small models in one job (examples/s, heap).
# Writes benchmarks/results/benchmarks.md (one section per benchmark) and the per-benchmark files next to it.
# About 17 minutes on a 2-core machine (--quick: no JMH, fewer rounds, about 10). Run it on a quiet machine.
#   benchmarks/run-all.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
quick=false
[ "${1:-}" = "--quick" ] && quick=true
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package)
# Run from a copy: a rebuild while the benchmarks run would replace the jar under the running JVM.
jar="$(mktemp -d)/benchmarks.jar"
cp benchmarks/target/benchmarks.jar "$jar"
trap 'rm -rf "$(dirname "$jar")"' EXIT
out=benchmarks/results
mkdir -p "$out"
run() { echo "== $*" >&2; java -Xmx6g -cp "$jar" "$@"; }

rounds=3
$quick && rounds=2
if $quick; then
  run org.gsamflink.benchmarks.StepCostMain --skip-jmh --out "$out/step-cost.md"
else
  run org.gsamflink.benchmarks.StepCostMain --out "$out/step-cost.md"
fi
# Pipeline overhead twice: 20-step blocks interleaved with the bare loop (strict), and continuous runs, which also
# report the CPU per step by thread group (task threads, KafkaSource fetcher, embedded broker, the rest).
run org.gsamflink.benchmarks.OperatorThroughputMain --rounds "$rounds" --out "$out/pipeline-overhead.md"
run org.gsamflink.benchmarks.OperatorThroughputMain --block 0 --rounds 2 --skip-checkpoint --no-diagnose \
  --out "$out/pipeline-overhead-continuous.md"
run org.gsamflink.benchmarks.CheckpointRecoveryMain --rounds "$rounds" --out "$out/checkpointing.md"
run org.gsamflink.benchmarks.ScaleMain --out "$out/scale.md"

{
  echo "# gsam-flink benchmarks"
  echo
  echo "\`benchmarks/run-all.sh$($quick && echo ' --quick')\`, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(java -version 2>&1 | head -1)."
  echo
  for f in step-cost pipeline-overhead pipeline-overhead-continuous checkpointing scale; do
    cat "$out/$f.md"
    echo
  done
} > "$out/benchmarks.md"
echo "wrote $out/benchmarks.md" >&2
