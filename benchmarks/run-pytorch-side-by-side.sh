#!/usr/bin/env bash
# PyTorch vs DL4J training steps side by side (MLP 784-256-256-10, minibatch 128, Adam, float32, all cores):
# PyTorch plain and GSAM steps and the project's DL4J fit and GSAM steps, interleaved in one run on the same data;
# prints the medians and the ratios. Installs Debian's python3-torch and OpenBLAS if they are missing (needs root;
# never done by the test suite): without libopenblas0 Debian's torch runs on the reference BLAS, 13x slower. Arguments go to side_by_side.py, e.g. --rounds 40 --block 20. Takes ~3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null || [[ "$blas" != *openblas* ]]; then
  if [ "$(id -u)" != 0 ]; then
    echo "needs Debian's python3-torch and libopenblas0-pthread: run 'sudo apt-get install python3-torch" \
      "libopenblas0-pthread' and try again" >&2
    exit 2
  fi
  echo "installing Debian's python3-torch and libopenblas0-pthread" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null
fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package)
exec /usr/bin/python3 benchmarks/src/main/python/side_by_side.py --jar benchmarks/target/benchmarks.jar "$@"
