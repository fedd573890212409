#!/usr/bin/env bash
# Throughput of the GSAM training operator on a local Flink MiniCluster vs the bare optimizer loop on the same
# in-memory minibatches (MLP 784-256-256-10, minibatch 128, CPU, float32): builds the self-contained benchmarks jar,
# then runs OperatorThroughputMain, which prints a Markdown table and the operator/bare-loop ratio against the target
# (>= 0.95). About 3 minutes on a 2-core machine (4 with --diagnose). Arguments go to OperatorThroughputMain, e.g.
#   benchmarks/run-operator-throughput.sh --out benchmarks/target/operator-throughput.md
#   benchmarks/run-operator-throughput.sh --diagnose            # + chained-operator runs and single-operation costs
#   benchmarks/run-operator-throughput.sh --block 0             # continuous runs: bare, operator, bare, operator, ...
#   benchmarks/run-operator-throughput.sh --flink-conf 'taskmanager.memory.segment-size=1mb'
#   benchmarks/run-operator-throughput.sh --help
# The build tries offline (-o) first, then online.
set -euo pipefail
cd "$(dirname "$0")/.."
# libnd4j's OpenMP threads spin-wait after each op by default and then compete with OpenBLAS's own threads (and here
# with Flink's source and network threads) for the two cores. PASSIVE makes idle OpenMP threads sleep; both cores are
# still used. Export OMP_WAIT_POLICY yourself to measure another setting.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package) \
  && java -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.OperatorThroughputMain "$@"
