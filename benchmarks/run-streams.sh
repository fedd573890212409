#!/usr/bin/env bash
# SGD vs SAM vs GSAM on the drift streams (SEA: abrupt drifts; rotating hyperplane: gradual drift), every example
# streamed through Kafka by the real training job (StreamsMain), with standardization and the drift reaction on and
# off: fading prequential accuracy and kappa, drift alarms against the true drift points, published tree figures.
# Writes benchmarks/results/streams.md, streams.png (SEA) and streams-hyperplane.png. Arguments go to StreamsMain, e.g.
#   benchmarks/run-streams.sh --examples 100000 --on-drift none,rewarm
#   benchmarks/run-streams.sh --skip-sweep --sam-rho 0.05 --gsam-alpha 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# The networks are tiny (3-64-2, 10-64-2): more BLAS threads only contend with Flink's and Kafka's on 2 cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package) \
  && java -Xmx4g -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.StreamsMain "$@"
