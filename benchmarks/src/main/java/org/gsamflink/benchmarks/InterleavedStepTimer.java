package org.gsamflink.benchmarks;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A plain-Java harness that times training steps of several variants <em>interleaved</em> in one JVM: one network
 * per variant, then rounds in which every variant takes one step, the order rotating from round to round. Drift
 * of a noisy machine (other tenants, frequency changes, GC) then hits all variants alike, and the per-round paired
 * ratios cancel most of it. Reports the median per variant and the median of the paired per-round ratios.
 *
 * <p>Use: {@code InterleavedStepTimer.run(model, variants, warmupRounds, rounds, pool, seed, log)}; steppers are
 * built and closed inside.
 */
public final class InterleavedStepTimer {

    /** Timings of one model. {@code nanos.get(v)[r]} is variant v's step time in measured round r. */
    public record Result(BenchModel model, List<StepVariant> variants, int warmupRounds, int rounds,
                         Map<StepVariant, long[]> nanos, Map<StepVariant, Double> lastLoss) {

        public Samples samples(StepVariant v) {
            return new Samples(nanos.get(v));
        }

        /** Median over rounds of (v's step time / base's step time in the same round). */
        public double pairedRatioMedian(StepVariant v, StepVariant base) {
            long[] a = nanos.get(v);
            long[] b = nanos.get(base);
            double[] r = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = (double) a[i] / b[i];
            }
            return new Samples(r).quantile(0.5);
        }

        /** Ratio of the medians: median(v) / median(base). */
        public double medianRatio(StepVariant v, StepVariant base) {
            return samples(v).median() / samples(base).median();
        }
    }

    private InterleavedStepTimer() {}

    public static Result run(BenchModel model, List<StepVariant> variants, int warmupRounds, int rounds,
                             BatchPool pool, long seed, Consumer<String> log) {
        if (variants.isEmpty() || rounds < 1 || warmupRounds < 0) {
            throw new IllegalArgumentException("need variants, rounds >= 1 and warmupRounds >= 0");
        }
        List<Stepper> steppers = new ArrayList<>();
        try {
            for (StepVariant v : variants) {
                steppers.add(Stepper.create(model, v, pool, seed));
            }
            int k = steppers.size();
            Map<StepVariant, long[]> nanos = new EnumMap<>(StepVariant.class);
            Map<StepVariant, Double> loss = new EnumMap<>(StepVariant.class);
            for (StepVariant v : variants) {
                nanos.put(v, new long[rounds]);
            }
            long t0 = System.nanoTime();
            for (int r = 0; r < warmupRounds; r++) {
                for (int j = 0; j < k; j++) {
                    steppers.get((r + j) % k).step();
                }
            }
            log.accept(String.format("  %s: %d warm-up rounds in %.1f s", model.id(), warmupRounds,
                    (System.nanoTime() - t0) / 1e9));
            t0 = System.nanoTime();
            double sink = 0;
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < k; j++) {
                    Stepper s = steppers.get((r + j) % k);
                    long start = System.nanoTime();
                    double l = s.step();
                    nanos.get(s.variant())[r] = System.nanoTime() - start;
                    loss.put(s.variant(), l);
                    sink += l;
                }
            }
            log.accept(String.format("  %s: %d measured rounds in %.1f s (loss checksum %.4f)", model.id(), rounds,
                    (System.nanoTime() - t0) / 1e9, sink));
            return new Result(model, List.copyOf(variants), warmupRounds, rounds, nanos, loss);
        } finally {
            steppers.forEach(Stepper::close);
        }
    }
}
