#!/usr/bin/env bash
# Where sharpness-aware training helps: SGD vs SAM vs ASAM vs GSAM on Fashion-MNIST with 40 % symmetric label noise,
# streamed through Kafka by the real training job (ExperimentMain with --label-noise): the first 10,000 training
# images, MLP 784-512-512-10, 15 passes (plain SGD does not yet memorise the wrong labels at 15; --passes 40
# --sweep-passes 40 for the longer regime, about 2 h here by extrapolation), rho and alpha chosen on a noisy validation split of those
# images (8,000 / 2,000), then 3 seeds x 4 optimizers, held-out accuracy on the 10,000 clean test images, also after
# passes 5, 10 and 15. Writes benchmarks/results/experiment-label-noise.md and .png. About 50 minutes on 2 cores
# (47 measured). Needs Debian's dataset-fashion-mnist (or --data DIR). Arguments go to ExperimentMain after these
# defaults and override them; the row without noise in the README:
#   benchmarks/run-label-noise.sh --label-noise 0 --skip-sweep --sam-rho 0.05 --asam-rho 1.0 --gsam-alpha 0.1 \
#     --optimizers sgd,sam,gsam --work benchmarks/target/experiment-label-noise-0 \
#     --out benchmarks/results/experiment-label-noise-0.md --png benchmarks/results/experiment-label-noise-0.png
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package) \
  && java -Xmx6g -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.ExperimentMain \
    --label-noise 0.4 --limit 10000 --test-limit 0 --validation 2000 --architecture mlp:784-512-512-10 \
    --passes 15 --sweep-passes 15 --eval-passes 5,10,15 --seeds 1,2,3 \
    --sam-rhos 0.05,0.1,0.2 --asam-rhos 0.5,1.0 --gsam-alphas 0.1,0.3 \
    --work benchmarks/target/experiment-label-noise \
    --out benchmarks/results/experiment-label-noise.md --png benchmarks/results/experiment-label-noise.png \
    --command "benchmarks/run-label-noise.sh${*:+ $*}" "$@"
