package org.gsamflink.operators.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Page-Hinkley test for an increase in the mean of a stream, fed one 0/1 prequential error per example (in order; a
 * minibatch is its examples, row by row): a model whose error rate rises has met a concept drift.
 *
 * <pre>
 * Page, E. S. "Continuous Inspection Schemes." Biometrika 41(1/2), 1954, pp. 100–115.
 * As in MOA (Bifet et al., "MOA: Massive Online Analysis", JMLR 11, 2010), moa.classifiers.core.driftdetection.PageHinkleyDM
 * </pre>
 *
 * <p>Per value x: {@code n ← n + 1}, {@code mean ← mean + (x − mean) / n}, {@code m ← α·m + (x − mean − δ)} (MOA's
 * update), {@code M ← min(M, m)} ({@code m} and {@code M} start at 0); from the {@code minInstances}-th value on it
 * fires when {@code m − M > λ}, and then starts again from nothing (as MOA resets on the input after a detection).
 * Defaults are MOA's: {@code minInstances = 30}, {@code δ = 0.005}, {@code λ = 50}, {@code α = 1 − 0.0001}.
 *
 * <p>The test is Page's {@code m − min m} (as River's {@code PageHinkley} has it), not MOA's {@code m > λ}: while a
 * model learns, its error falls below the running mean and {@code m} sinks far below 0 (about −120 after the 1,200
 * examples of {@code GsamTrainingOperatorDriftTest}), so MOA's form finds a later drift only once {@code m} has
 * climbed back (there about 780 examples after it); Page's measures the rise from the lowest point (there about 110).
 *
 * <p>What to expect (measured by {@code PageHinkleyTest}, 20 seeds): an error rate rising from 0.1 to 0.6 is found
 * within 200 examples (60 to 115 measured); a stationary error rate of 0.2 raises at most 2 false alarms in 20
 * streams of 5,000 examples (none measured). Under a stationary stream {@code m} drifts down by δ per value, so an alarm needs a noise excursion of
 * λ above the lowest point, about once every {@code σ²/(2δ²)·exp(2δλ/σ²)} values (σ² the error's variance: 0.16 at
 * 0.2, ~60,000 values; at an error rate of 0.5, ~6,000).
 *
 * <p>State: four numbers ({@link #write}/{@link #read}, versioned), kept in the model's keyed state. The parameters
 * are configuration, not state. Not thread-safe.
 */
public final class PageHinkley {

    public static final int DEFAULT_MIN_INSTANCES = 30;
    public static final double DEFAULT_DELTA = 0.005;
    public static final double DEFAULT_LAMBDA = 50;
    public static final double DEFAULT_ALPHA = 1 - 0.0001;
    private static final byte FORMAT = 1;

    private final int minInstances;
    private final double delta;
    private final double lambda;
    private final double alpha;

    private long n;
    private double mean;
    private double sum;
    private double min;
    private double fired = Double.NaN;

    /** MOA's defaults. */
    public PageHinkley() {
        this(DEFAULT_MIN_INSTANCES, DEFAULT_DELTA, DEFAULT_LAMBDA, DEFAULT_ALPHA);
    }

    public PageHinkley(int minInstances, double delta, double lambda, double alpha) {
        if (minInstances < 1 || !(delta >= 0) || !(lambda > 0) || !(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("Page-Hinkley needs minInstances >= 1, delta >= 0, lambda > 0 and "
                    + "alpha in (0, 1]; got " + minInstances + ", " + delta + ", " + lambda + ", " + alpha);
        }
        this.minInstances = minInstances;
        this.delta = delta;
        this.lambda = lambda;
        this.alpha = alpha;
    }

    /** Adds one value; true when it makes the test fire (the test has then started again: {@link #lastAlarm()}). */
    public boolean add(double x) {
        n++;
        mean += (x - mean) / n;
        sum = alpha * sum + (x - mean - delta);
        min = Math.min(min, sum);
        if (n >= minInstances && sum - min > lambda) {
            fired = sum - min;
            reset();
            return true;
        }
        return false;
    }

    /** The statistic that made {@link #add} last return true (NaN before any alarm; not state: for the alert only). */
    public double lastAlarm() {
        return fired;
    }

    /** The threshold λ the test statistic is compared with. */
    public double threshold() {
        return lambda;
    }

    /** The test statistic {@code m − M} now. */
    public double statistic() {
        return sum - min;
    }

    /** Values since the start or the last alarm. */
    public long count() {
        return n;
    }

    public void reset() {
        n = 0;
        mean = 0;
        sum = 0;
        min = 0;
    }

    public void copyFrom(PageHinkley o) {
        n = o.n;
        mean = o.mean;
        sum = o.sum;
        min = o.min;
    }

    /** {@code byte format (1), long n, double mean, double m, double M}. */
    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(n);
        out.writeDouble(mean);
        out.writeDouble(sum);
        out.writeDouble(min);
    }

    /** Reads {@link #write}'s output into this. */
    public void read(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unsupported Page-Hinkley state format " + format + " (this release reads " + FORMAT
                    + ")");
        }
        long count = in.readLong();
        if (count < 0) {
            throw new IOException("Page-Hinkley state with a negative count " + count);
        }
        n = count;
        mean = in.readDouble();
        sum = in.readDouble();
        min = in.readDouble();
    }
}
