package org.gsamflink.benchmarks;

import java.util.Arrays;

/** Order statistics of a series of timings in nanoseconds; reported in milliseconds. */
public final class Samples {

    private final double[] sortedMs;

    public Samples(long[] nanos) {
        this.sortedMs = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            sortedMs[i] = nanos[i] / 1e6;
        }
        Arrays.sort(sortedMs);
    }

    public Samples(double[] values) {
        this.sortedMs = values.clone();
        Arrays.sort(sortedMs);
    }

    public int count() {
        return sortedMs.length;
    }

    /** Linear-interpolated quantile, q in [0, 1]. */
    public double quantile(double q) {
        if (sortedMs.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sortedMs.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sortedMs.length - 1);
        return sortedMs[lo] + (pos - lo) * (sortedMs[hi] - sortedMs[lo]);
    }

    public double median() {
        return quantile(0.5);
    }

    public double p25() {
        return quantile(0.25);
    }

    public double p75() {
        return quantile(0.75);
    }

    public double min() {
        return sortedMs.length == 0 ? Double.NaN : sortedMs[0];
    }

    public double mean() {
        double s = 0;
        for (double v : sortedMs) {
            s += v;
        }
        return sortedMs.length == 0 ? Double.NaN : s / sortedMs.length;
    }
}
