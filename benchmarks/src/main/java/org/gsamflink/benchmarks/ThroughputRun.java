package org.gsamflink.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * One timed run of N training steps: the time each step ended ({@link System#nanoTime()}; for the operator, when its
 * metrics record reached the sink), the step losses, and for checkpointed jobs when each checkpoint reached the sink
 * and how large the completed checkpoints were. Throughput is taken over the steps after the warm-up only.
 *
 * <p>Continuous runs ({@code block == 0}): step i took {@code end[i] − end[i−1]}, so the measured window is
 * {@code end[N−1] − end[warmup−1]} and examples/s = {@code batch × (N − warmup) / window}. Block-interleaved runs
 * ({@code block = K > 0}) ran K steps at a time, alternating with another run: {@code blockStartNanos[b]} is when
 * block b (steps bK … bK+K−1) was let go, its first step took {@code end[bK] − blockStart[b]}, and the window is the
 * sum of the measured blocks' times, leaving out the time the other run had the machine.
 *
 * @param block             steps per block, 0 for a continuous run (then blockStartNanos is empty)
 * @param stepEndNanos      end time of step i (0-based), N values, non-decreasing
 * @param losses            clean loss of step i
 * @param checkpointMarks   nanoTime at which each checkpoint passed the sink (empty without checkpoints)
 * @param checkpointBytes   size in bytes of each completed checkpoint seen in the checkpoint directory
 * @param wallSeconds       the whole run (for a job: submission to completion)
 * @param ownCores          CPU cores this JVM used on average in the measured window (NaN where unknown)
 * @param foreignCores      CPU cores other processes used meanwhile (NaN where unknown)
 * @param stepOnlyNanos     time of {@code Gsam.step} alone in step i (the operator reports it in its metrics), or
 *                          empty where unknown
 */
public record ThroughputRun(String variant, int round, int batchSize, int warmup, int block, long[] blockStartNanos,
                            long[] stepEndNanos, double[] losses, long[] checkpointMarks, long[] checkpointBytes,
                            double wallSeconds, double ownCores, double foreignCores, long[] stepOnlyNanos) {

    public ThroughputRun {
        if (warmup < 1 || warmup >= stepEndNanos.length - 1) {
            throw new IllegalArgumentException("need 1 <= warmup < steps - 1, got warmup " + warmup + " of "
                    + stepEndNanos.length + " steps");
        }
        if (block > 0 && (warmup % block != 0 || stepEndNanos.length % block != 0
                || blockStartNanos.length != stepEndNanos.length / block)) {
            throw new IllegalArgumentException("block-interleaved runs need warmup and steps divisible by the block"
                    + " and one start time per block");
        }
        for (int i = 0; i < stepEndNanos.length; i++) {
            if (stepEndNanos[i] == 0) {
                throw new IllegalStateException(variant + ": step " + (i + 1) + " of " + stepEndNanos.length
                        + " never reported (skipped step or lost metrics record)");
            }
        }
    }

    /** A continuous run. */
    public static ThroughputRun continuous(String variant, int round, int batchSize, int warmup, long[] stepEndNanos,
                                           double[] losses, long[] checkpointMarks, long[] checkpointBytes,
                                           double wallSeconds, double ownCores, double foreignCores) {
        return new ThroughputRun(variant, round, batchSize, warmup, 0, new long[0], stepEndNanos, losses,
                checkpointMarks, checkpointBytes, wallSeconds, ownCores, foreignCores, new long[0]);
    }

    public int steps() {
        return stepEndNanos.length;
    }

    /** Steps in the measured window: those after the warm-up. */
    public int measuredSteps() {
        return steps() - warmup;
    }

    /** When step i (i >= 1) started: the previous step's end, or its block's start. */
    private long stepStartNanos(int i) {
        return block > 0 && i % block == 0 ? blockStartNanos[i / block] : stepEndNanos[i - 1];
    }

    /** Time spent in the measured steps, ns. */
    public long windowNanos() {
        long sum = 0;
        for (int i = warmup; i < steps(); i++) {
            sum += stepEndNanos[i] - stepStartNanos(i);
        }
        return sum;
    }

    public double examplesPerSecond() {
        return (double) batchSize * measuredSteps() / (windowNanos() / 1e9);
    }

    public double msPerStep() {
        return windowNanos() / 1e6 / measuredSteps();
    }

    /** Time of each measured step, ms. */
    public double[] gapsMs() {
        double[] g = new double[measuredSteps()];
        for (int i = warmup; i < steps(); i++) {
            g[i - warmup] = (stepEndNanos[i] - stepStartNanos(i)) / 1e6;
        }
        return g;
    }

    /** Median time of a step in the measured window (robust to GC pauses, checkpoints, other processes), ms. */
    public double medianGapMs() {
        return new Samples(gapsMs()).median();
    }

    /** Median time of Gsam.step alone in the measured steps, ms (NaN where unknown). */
    public double medianStepOnlyMs() {
        if (stepOnlyNanos.length != steps()) {
            return Double.NaN;
        }
        double[] v = new double[measuredSteps()];
        for (int i = warmup; i < steps(); i++) {
            v[i - warmup] = stepOnlyNanos[i] / 1e6;
        }
        return new Samples(v).median();
    }

    /** Median time per step outside Gsam.step (receiving, validating, DataSet, metrics, …), ms. */
    public double medianOutsideStepMs() {
        return outsideStep().median();
    }

    /** Time per measured step outside Gsam.step, ms (empty where unknown). */
    public Samples outsideStep() {
        if (stepOnlyNanos.length != steps()) {
            return new Samples(new double[0]);
        }
        double[] v = new double[measuredSteps()];
        for (int i = warmup; i < steps(); i++) {
            v[i - warmup] = (stepEndNanos[i] - stepStartNanos(i) - stepOnlyNanos[i]) / 1e6;
        }
        return new Samples(v);
    }

    /** Mean time per step outside Gsam.step, ms. */
    public double meanOutsideStepMs() {
        return outsideStep().mean();
    }

    /** Throughput from the median step time. */
    public double examplesPerSecondFromMedianGap() {
        return batchSize * 1e3 / medianGapMs();
    }

    /** The measured step during which {@code nanos} fell, or -1. */
    private int measuredStepAt(long nanos) {
        for (int i = warmup; i < steps(); i++) {
            if (nanos > stepStartNanos(i) && nanos <= stepEndNanos[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Checkpoints whose barrier passed the sink inside the measured window. */
    public int checkpointsInWindow() {
        int n = 0;
        for (long m : checkpointMarks) {
            if (measuredStepAt(m) >= 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Mean extra time of the steps during which a checkpoint passed, over the median step, in ms: what one
     * checkpoint costs the training thread (NaN without checkpoints in the window).
     */
    public double extraMsPerCheckpoint() {
        double median = medianGapMs();
        double sum = 0;
        int n = 0;
        for (long m : checkpointMarks) {
            int i = measuredStepAt(m);
            if (i >= 0) {
                sum += (stepEndNanos[i] - stepStartNanos(i)) / 1e6 - median;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Mean size of the completed checkpoints, bytes (NaN when none was seen). */
    public double meanCheckpointBytes() {
        return checkpointBytes.length == 0 ? Double.NaN : Arrays.stream(checkpointBytes).average().orElse(Double.NaN);
    }

    /** Largest |loss_i − other.loss_i| over the common steps: 0 when both ran the very same computation. */
    public double maxLossDiff(ThroughputRun other) {
        double max = 0;
        for (int i = 0; i < Math.min(losses.length, other.losses.length); i++) {
            max = Math.max(max, Math.abs(losses[i] - other.losses[i]));
        }
        return max;
    }

    /**
     * Median over the measured blocks of (other's block time / this block time): this run's throughput relative to
     * the run it alternated with, block by block (NaN for continuous runs).
     */
    public double medianBlockRatio(ThroughputRun other) {
        if (block == 0 || other.block != block || other.steps() != steps()) {
            return Double.NaN;
        }
        int blocks = steps() / block;
        int first = warmup / block;
        double[] r = new double[blocks - first];
        for (int b = first; b < blocks; b++) {
            r[b - first] = (double) other.blockNanos(b) / blockNanos(b);
        }
        return new Samples(r).median();
    }

    private long blockNanos(int b) {
        return stepEndNanos[(b + 1) * block - 1] - blockStartNanos[b];
    }

    public static double medianExamplesPerSecond(List<ThroughputRun> runs) {
        return new Samples(runs.stream().mapToDouble(ThroughputRun::examplesPerSecond).toArray()).median();
    }

    /** The best round: the least disturbed by other processes on a shared machine. */
    public static double bestExamplesPerSecond(List<ThroughputRun> runs) {
        return runs.stream().mapToDouble(ThroughputRun::examplesPerSecond).max().orElse(Double.NaN);
    }
}
