"""PyTorch vs DL4J training steps on the same machine, shapes, threads and data, interleaved in one run.

The DL4J side is StepServerMain (a JVM that steps when told); this driver writes the minibatches both sides train
on, starts it, and then alternates blocks of steps: PyTorch plain, PyTorch GSAM, DL4J fit, DL4J GSAM, rotating the
order every round (and DL4J GSAM with sharpness-every 5 as a fifth) so that a noisy machine's drift hits all four alike. Every variant trains its own network
(MLP 784-256-256-10, ReLU, softmax cross-entropy, Adam lr 1e-3, minibatch 128, float32). The GSAM step here is
written from ../shared/GSAM.md (the authors' decomposition, perturbation `none`, rho 0.05, alpha 0.1, eps 1e-12,
w restored from a copy), as the project's Gsam does it.

Usage: python3 side_by_side.py --jar benchmarks/target/benchmarks.jar [--rounds 30] [--block 20] [--threads 2]
Prints a Markdown table: median ms/step per variant and the ratios DL4J/PyTorch.
"""
import argparse
import os
import platform
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

FEATURES, HIDDEN, CLASSES = 784, 256, 10
RHO, ALPHA, EPS = 0.05, 0.1, 1e-12


def write_batches(path, batches, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batches, n, FEATURES), dtype=np.float32)
    y = rng.integers(0, CLASSES, size=(batches, n), dtype=np.int32)
    with open(path, "wb") as f:
        f.write(struct.pack("<4i", batches, n, FEATURES, CLASSES))
        f.write(x.astype("<f4").tobytes())
        f.write(y.astype("<i4").tobytes())
    return [(torch.from_numpy(x[b].copy()), torch.from_numpy(y[b].astype(np.int64))) for b in range(batches)]


def mlp(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, CLASSES))


class PlainStep:
    def __init__(self, seed):
        self.model = mlp(seed)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def __call__(self, x, y):
        self.opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()


class GsamStep:
    """One GSAM step (GSAM.md steps 2-7) over Adam."""

    def __init__(self, seed):
        self.model = mlp(seed)
        self.params = [p for p in self.model.parameters()]
        self.opt = torch.optim.Adam(self.params, lr=1e-3)

    def __call__(self, x, y):
        ps = self.params
        self.opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        with torch.no_grad():
            g = [p.grad.clone() for p in ps]
            g_norm = torch.sqrt(sum((gi * gi).sum() for gi in g))
            saved = [p.detach().clone() for p in ps]
            scale = RHO / (g_norm + EPS)
            for p, gi in zip(ps, g):
                p.add_(gi, alpha=float(scale))
        self.opt.zero_grad(set_to_none=False)
        loss_p = F.cross_entropy(self.model(x), y)
        loss_p.backward()
        with torch.no_grad():
            for p, w in zip(ps, saved):
                p.copy_(w)
            gp = [p.grad for p in ps]
            gp_norm = torch.sqrt(sum((gi * gi).sum() for gi in gp))
            dot = sum((a * b).sum() for a, b in zip(g, gp))
            cos = dot / (g_norm * gp_norm + EPS)
            # d = g_p - alpha * (g - cos * |g| * g_p / (|g_p| + eps)), written into p.grad
            coef = 1.0 + ALPHA * cos * g_norm / (gp_norm + EPS)
            for p, gi in zip(ps, g):
                p.grad.mul_(coef).add_(gi, alpha=-ALPHA)
        self.opt.step()
        return loss.item()


def torch_block(step, batches, start, n):
    times = []
    for i in range(n):
        x, y = batches[(start + i) % len(batches)]
        t0 = time.perf_counter_ns()
        step(x, y)
        times.append(time.perf_counter_ns() - t0)
    return times


def java_block(proc, variant, n):
    proc.stdin.write(f"step {variant} {n}\n")
    proc.stdin.flush()
    line = proc.stdout.readline().split()
    if not line or line[0] != "ok":
        raise RuntimeError(f"DL4J step server: {' '.join(line)}")
    return [int(v) for v in line[1:1 + n]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", required=True)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--warmup-blocks", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--java-opts", default="", help="extra JVM options of the DL4J side, space-separated")
    ap.add_argument("--java-cp-prefix", default="", help="jars before the benchmarks jar (e.g. another libnd4j build)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    data = tempfile.NamedTemporaryFile(prefix="side-by-side-", suffix=".bin", delete=False).name
    batches = write_batches(data, a.batches, a.batch_size, a.seed)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"))
    cp = a.jar if not a.java_cp_prefix else a.java_cp_prefix + os.pathsep + a.jar
    proc = subprocess.Popen(["java", *a.java_opts.split(), "-cp", cp, "org.gsamflink.benchmarks.StepServerMain", data],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("DL4J step server did not start")
        plain, gsam = PlainStep(1), GsamStep(1)
        runs = {
            "pytorch plain (Adam)": lambda n, at: torch_block(plain, batches, at, n),
            "pytorch GSAM (Adam)": lambda n, at: torch_block(gsam, batches, at, n),
            "dl4j fit (Adam)": lambda n, at: java_block(proc, "fit", n),
            "dl4j GSAM (Adam)": lambda n, at: java_block(proc, "gsam", n),
            "dl4j GSAM, sharpness-every 5 (Adam)": lambda n, at: java_block(proc, "gsam_k5", n),
        }
        names = list(runs)
        times = {k: [] for k in names}
        block_medians = {k: [] for k in names}
        total = a.warmup_blocks + a.rounds
        for r in range(total):
            order = names[r % len(names):] + names[:r % len(names)]
            for k in order:
                t = runs[k](a.block, r * a.block)
                if r >= a.warmup_blocks:
                    times[k].extend(t)
                    block_medians[k].append(statistics.median(t))
            print(f"round {r + 1}/{total}", file=sys.stderr, flush=True)
    finally:
        try:
            proc.stdin.write("quit\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        proc.wait(timeout=60)
        os.unlink(data)

    med = {k: statistics.median(v) / 1e6 for k, v in times.items()}

    def paired(num, den):
        # Ratio of block medians taken in the same round: drift between rounds cancels.
        return statistics.median(x / y for x, y in zip(block_medians[num], block_medians[den]))

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(f"MLP {FEATURES}-{HIDDEN}-{HIDDEN}-{CLASSES}, minibatch {a.batch_size}, float32, {a.threads} threads, "
          f"{cpu}; PyTorch {torch.__version__} on {blas}; DL4J on ND4J's bundled OpenBLAS {a.java_opts} "
          f"{a.java_cp_prefix}; "
          f"{a.rounds} rounds x {a.block} steps per variant, interleaved\n")
    print("| variant | median ms/step | p10 | p90 |")
    print("|---|---:|---:|---:|")
    for k in names:
        q = statistics.quantiles([t / 1e6 for t in times[k]], n=10)
        print(f"| {k} | {med[k]:.2f} | {q[0]:.2f} | {q[-1]:.2f} |")
    print()
    print("| ratio (paired per round, median) | value |")
    print("|---|---:|")
    print(f"| dl4j fit / pytorch plain | {paired('dl4j fit (Adam)', 'pytorch plain (Adam)'):.2f} |")
    print(f"| dl4j GSAM / pytorch GSAM | {paired('dl4j GSAM (Adam)', 'pytorch GSAM (Adam)'):.2f} |")
    print(f"| dl4j GSAM / dl4j fit | {paired('dl4j GSAM (Adam)', 'dl4j fit (Adam)'):.2f} |")
    print(f"| pytorch GSAM / pytorch plain | {paired('pytorch GSAM (Adam)', 'pytorch plain (Adam)'):.2f} |")
    print(f"| dl4j GSAM sharpness-every 5 / dl4j fit | "
          f"{paired('dl4j GSAM, sharpness-every 5 (Adam)', 'dl4j fit (Adam)'):.2f} |")
    print(f"| dl4j GSAM sharpness-every 5 / pytorch GSAM | "
          f"{paired('dl4j GSAM, sharpness-every 5 (Adam)', 'pytorch GSAM (Adam)'):.2f} |")


if __name__ == "__main__":
    main()
