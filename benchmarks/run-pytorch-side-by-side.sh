#!/usr/bin/env bash
# PyTorch vs DL4J training steps side by side (MLP 784-256-256-10, minibatch 128, Adam, float32, all cores):
# PyTorch plain and GSAM steps and the project's DL4J fit and GSAM steps, interleaved in one run on the same data;
# prints the medians and the ratios. Installs Debian's python3-torch if it is missing (needs root; never done by the
# test suite). Arguments go to side_by_side.py, e.g. --rounds 40 --block 20. Takes ~3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "python3-torch is not installed: run 'sudo apt-get install python3-torch' (Debian) and try again" >&2
    exit 2
  fi
  echo "installing Debian's python3-torch" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
(./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package)
exec /usr/bin/python3 benchmarks/src/main/python/side_by_side.py --jar benchmarks/target/benchmarks.jar "$@"
