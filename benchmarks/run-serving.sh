#!/usr/bin/env bash
# Serving (issue 17): the prediction job (job.mode: serve, serve.delivery: at_least_once) on a local MiniCluster with
# the embedded broker vs the bare network.output loop, MLP 784-256-10, single-example JSON and 64-row binary requests:
# predictions/s at max throughput, request -> prediction latency at a sustained rate, and commit -> first use of new
# versions at serve.poll-interval 1 s (default) and 100 ms. Builds the benchmarks jar if needed, runs ServeBenchMain
# and writes benchmarks/results/serving.md. About 4 minutes on a 2-core machine. Arguments go to ServeBenchMain, e.g.
#   benchmarks/run-serving.sh --swaps 20 --poll-ms 1000,250,100
#   benchmarks/run-serving.sh --no-low-latency --out benchmarks/target/serving.md
#   benchmarks/run-serving.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
# As in the other benchmarks: idle OpenMP threads sleep instead of spinning against Flink's and Kafka's threads.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ] || [ -n "$(find benchmarks/src optimizer/src operators/src pipeline/src model-store/src cli/src -newer "$jar" -type f -print -quit)" ]; then
  (./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package)
fi
# Run from a copy: a rebuild while the benchmark runs would replace the jar under the running JVM.
copy="$(mktemp -d)/benchmarks.jar"
cp "$jar" "$copy"
trap 'rm -rf "$(dirname "$copy")"' EXIT
out=benchmarks/results/serving.md
for a in "$@"; do
  case "$a" in --out|--out=*) out="" ;; esac
done
java -Xmx4g -cp "$copy" org.gsamflink.benchmarks.ServeBenchMain ${out:+--out "$out"} "$@"
