#!/usr/bin/env bash
# SGD vs SAM vs ASAM vs GSAM on Fashion-MNIST streamed through Kafka by the real training job (ExperimentMain):
# a validation-split sweep of rho and alpha, then 3 seeds x 4 optimizers on the full training set, held-out accuracy
# on the test set. Writes benchmarks/results/experiment.md and experiment.png. About 15 minutes on 2 cores.
# Needs Debian's dataset-fashion-mnist (or --data DIR). Arguments go to ExperimentMain, e.g.
#   benchmarks/run-experiment.sh --seeds 1,2,3 --passes 2
#   benchmarks/run-experiment.sh --skip-sweep --sam-rho 0.05 --asam-rho 0.5 --gsam-alpha 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package) \
  && java -Xmx6g -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.ExperimentMain "$@"
