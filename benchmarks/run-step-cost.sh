#!/usr/bin/env bash
# GSAM vs DL4J fit step cost (MLP 784-256-256-10 and a LeNet-style CNN, minibatch 128, CPU):
# builds the self-contained benchmarks jar, then runs JMH (one fork) and the interleaved harness and prints a
# Markdown table with the GSAM/fit ratios. Takes ~4 minutes on a 2-core machine. Arguments go to StepCostMain, e.g.
#   benchmarks/run-step-cost.sh --out benchmarks/target/step-cost.md
#   benchmarks/run-step-cost.sh --skip-jmh --mlp-rounds 400 --breakdown
# The build is offline (-o): the first build on a machine without JMH in ~/.m2 needs it without -o.
set -euo pipefail
cd "$(dirname "$0")/.."
# libnd4j's OpenMP threads spin-wait after each op by default and then compete with OpenBLAS's own threads for the
# two cores: a quarter of the steps then take 2-3x longer (bimodal timings). PASSIVE makes idle OpenMP threads
# sleep; both cores are still used. Export OMP_WAIT_POLICY yourself to measure another setting.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package) && java -jar benchmarks/target/benchmarks.jar "$@"
