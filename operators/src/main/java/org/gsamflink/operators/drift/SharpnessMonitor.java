package org.gsamflink.operators.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Watches GSAM's per-step sharpness figures for a sudden change: a jump of the surrogate gap {@code h = ℓ_p − ℓ}
 * (the loss landscape around the weights got sharper, e.g. after a drift or a too-large lr) and a collapse of the
 * alignment {@code cos(g, g_p)} (the perturbed gradient no longer points where the clean one does).
 *
 * <p>Rule, the same for both signals: an exponentially weighted mean {@code m} and variance {@code v} of the signal
 * (weight {@code β} per new value, {@code max(β, 1/n)} while {@code n < 1/β}, so the start is the plain mean; the
 * incremental form of Finch, "Incremental calculation of weighted mean and variance", 2009) form the baseline. After
 * a warm-up of {@code warmup} values, a value is <em>out</em> when it is more than {@code k} standard deviations beyond
 * it: {@code h > m + k·s} ({@code sharpness-jump}) or {@code cos < m − k·s} ({@code alignment-collapse}), with {@code
 * s = max(√v, 0.05·|m|)}: a change smaller than {@code 5k} % of the level is no jump however quiet the signal was.
 * The signal fires when {@code confirm} values in a row are out (the streak's last value and threshold are the
 * alarm's figures); out values are not folded into the baseline. Real training runs need both guards: the surrogate
 * gap is heavy-tailed (single steps of a clean run reach many standard deviations of the last fifty) and drifts
 * slowly as the loss falls, while a change that matters lasts. After an alarm that signal's baseline starts again, so
 * a lasting new level becomes the new baseline after the warm-up and a signal fires at most once per {@code warmup}
 * values. NaN values (the in-between steps of {@code gsam.sharpness-every} > 1, or ρ = 0) are skipped and do not
 * break a streak.
 *
 * <p>Defaults: β = 0.02 (a memory of about 50 values), warm-up 50, k = 6, confirm 3. What to expect (measured by
 * {@code SharpnessMonitorTest}, 20 seeds of 2,000 steps each): a lasting jump of h by 10 standard deviations of its
 * noise (and 3× its level) fires on the third value past it; a cos falling from 0.9 to 0.3 likewise; stationary
 * Gaussian streams, and stationary log-normal gaps (σ = 0.5, the heavy tail of a clean run), raise at most 1 false
 * alarm together.
 *
 * <p>State: two (m, v, n) triples ({@link #write}/{@link #read}, versioned), kept in the model's keyed state;
 * β, warm-up and k are configuration. Not thread-safe.
 */
public final class SharpnessMonitor {

    public static final double DEFAULT_BETA = 0.02;
    public static final int DEFAULT_WARMUP = 50;
    public static final double DEFAULT_K = 6;
    public static final int DEFAULT_CONFIRM = 3;
    /** The smallest standard deviation, relative to the level, a threshold is drawn with. */
    private static final double RELATIVE_FLOOR = 0.05;
    public static final String SHARPNESS_JUMP = "sharpness-jump";
    public static final String ALIGNMENT_COLLAPSE = "alignment-collapse";
    private static final byte FORMAT = 1;

    private final Baseline gap;
    private final Baseline cosine;

    public SharpnessMonitor() {
        this(DEFAULT_BETA, DEFAULT_WARMUP, DEFAULT_K, DEFAULT_CONFIRM);
    }

    public SharpnessMonitor(double beta, int warmup, double k, int confirm) {
        if (!(beta > 0 && beta < 1) || warmup < 2 || !(k > 0) || confirm < 1) {
            throw new IllegalArgumentException("the sharpness monitor needs beta in (0, 1), warmup >= 2, k > 0 and "
                    + "confirm >= 1; got " + beta + ", " + warmup + ", " + k + ", " + confirm);
        }
        gap = new Baseline(beta, warmup, k, confirm, 1);
        cosine = new Baseline(beta, warmup, k, confirm, -1);
    }

    /**
     * Adds one step's figures (either may be NaN: skipped); the alarm they raise, or null. A gap jump wins over an
     * alignment collapse in the same step (both signals are still updated).
     */
    public Alarm add(double surrogateGap, double cos) {
        Alarm a = gap.add(surrogateGap) ? new Alarm(SHARPNESS_JUMP, surrogateGap, gap.firedAt) : null;
        if (cosine.add(cos) && a == null) {
            a = new Alarm(ALIGNMENT_COLLAPSE, cos, cosine.firedAt);
        }
        return a;
    }

    public void copyFrom(SharpnessMonitor o) {
        gap.copyFrom(o.gap);
        cosine.copyFrom(o.cosine);
    }

    /** {@code byte format (1)}, then for h and for cos: {@code long n, int streak, double mean, double variance}. */
    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        gap.write(out);
        cosine.write(out);
    }

    /** Reads {@link #write}'s output into this. */
    public void read(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unsupported sharpness monitor state format " + format + " (this release reads "
                    + FORMAT + ")");
        }
        gap.read(in);
        cosine.read(in);
    }

    /** One signal's baseline; {@code direction} +1 fires above it, −1 below. */
    private static final class Baseline {
        private final double beta;
        private final int warmup;
        private final double k;
        private final int confirm;
        private final int direction;
        private long n;
        /** Out values in a row so far. */
        private int streak;
        private double mean;
        private double variance;
        /** The threshold the last firing value crossed (not state). */
        private double firedAt = Double.NaN;

        Baseline(double beta, int warmup, double k, int confirm, int direction) {
            this.beta = beta;
            this.warmup = warmup;
            this.k = k;
            this.confirm = confirm;
            this.direction = direction;
        }

        boolean add(double x) {
            if (Double.isNaN(x)) {
                return false;
            }
            if (n >= warmup) {
                double s = Math.max(Math.sqrt(variance), RELATIVE_FLOOR * Math.abs(mean));
                double threshold = mean + direction * k * s;
                if (direction * (x - threshold) > 0) {
                    if (++streak < confirm) {
                        return false;
                    }
                    firedAt = threshold;
                    n = 0;
                    mean = 0;
                    variance = 0;
                    streak = 0;
                    return true;
                }
            }
            streak = 0;
            n++;
            double w = Math.max(beta, 1.0 / n);
            double diff = x - mean;
            double incr = w * diff;
            mean += incr;
            variance = (1 - w) * (variance + diff * incr);
            return false;
        }

        void copyFrom(Baseline o) {
            n = o.n;
            streak = o.streak;
            mean = o.mean;
            variance = o.variance;
        }

        void write(DataOutput out) throws IOException {
            out.writeLong(n);
            out.writeInt(streak);
            out.writeDouble(mean);
            out.writeDouble(variance);
        }

        void read(DataInput in) throws IOException {
            long count = in.readLong();
            if (count < 0) {
                throw new IOException("sharpness monitor state with a negative count " + count);
            }
            int inARow = in.readInt();
            if (inARow < 0) {
                throw new IOException("sharpness monitor state with a negative streak " + inARow);
            }
            n = count;
            streak = inARow;
            mean = in.readDouble();
            variance = in.readDouble();
        }
    }
}
