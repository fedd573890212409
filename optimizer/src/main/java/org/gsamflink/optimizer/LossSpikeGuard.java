package org.gsamflink.optimizer;

import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;

/**
 * The settings of {@link Gsam}'s loss-spike guard: immutable, validated, {@link Serializable}. Off unless given
 * ({@link GsamConfig.Builder#lossSpikeGuard}, {@link OptimizerSettings.Builder#lossSpikeGuard}).
 *
 * <p>The rule. A step whose clean loss ℓ exceeds {@link #factor()} × m, m being the <em>median of the clean losses
 * of the last {@link #windowSize()} steps taken</em>, is skipped ({@link SkipReason#LOSS_SPIKE}) — once at least
 * {@link #warmupSteps()} losses are in that window (before, nothing is skipped) and only while m &gt; 0.
 *
 * <p>Why a running median and not an EMA of the loss: minibatch losses are noisy and heavy-tailed, and the guard
 * must not learn from what it is meant to reject. The median of a window ignores up to half of it being outliers
 * (e.g. spikes accepted during the warm-up or by a re-level), needs no smoothing constant and is scale-free, so
 * one factor fits every loss; an EMA is pulled up by every accepted outlier and lags a real change by its time
 * constant. The cost is the window ({@code windowSize} doubles of optimizer state, saved with it) and a sort of
 * it per step (a few µs for the default window, against milliseconds for a forward-backward pass).
 *
 * <p>A spike is not drift. The guard skips <em>isolated</em> outliers (a corrupt or mislabelled minibatch, an
 * unlucky batch of a tiny stream); it must not freeze a model on a real, lasting change of the data, where every
 * later loss is high. So after {@link #maxConsecutiveSpikes()} consecutive spikes (K) it gives in: the next spike
 * (the (K+1)-th in a row) is trained on, and the window is re-levelled to those K + 1 losses, so the median now
 * stands at the new level (and the guard warms up again there if K + 1 &lt; {@code warmupSteps}). A lasting shift
 * thus costs K skipped steps. A loss that is not a spike ends a run of spikes. Only the losses of steps taken
 * enter the window (during the warm-up too); those of skipped steps never do.
 *
 * <pre>{@code
 * LossSpikeGuard guard = LossSpikeGuard.builder().factor(3).build();     // window 50, warm-up 20, K = 5
 * GsamConfig cfg = GsamConfig.builder().rho(0.05).lossSpikeGuard(guard).build();
 * }</pre>
 */
public final class LossSpikeGuard implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Clean losses in the window whose median is the guard's level. */
    public static final int DEFAULT_WINDOW_SIZE = 50;
    /** Losses the window must hold before the guard may skip. */
    public static final int DEFAULT_WARMUP_STEPS = 20;
    /** Consecutive spikes skipped before the guard accepts a lasting shift and re-levels. */
    public static final int DEFAULT_MAX_CONSECUTIVE_SPIKES = 5;
    /** The largest window (the window is optimizer state, saved with every checkpoint). */
    public static final int MAX_WINDOW_SIZE = 10_000;

    private final double factor;
    private final int windowSize;
    private final int warmupSteps;
    private final int maxConsecutiveSpikes;

    private LossSpikeGuard(double factor, int windowSize, int warmupSteps, int maxConsecutiveSpikes) {
        this.factor = factor;
        this.windowSize = windowSize;
        this.warmupSteps = warmupSteps;
        this.maxConsecutiveSpikes = maxConsecutiveSpikes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A guard with this factor and the default window, warm-up and K. */
    public static LossSpikeGuard ofFactor(double factor) {
        return builder().factor(factor).build();
    }

    public Builder toBuilder() {
        return builder().factor(factor).windowSize(windowSize).warmupSteps(warmupSteps)
                .maxConsecutiveSpikes(maxConsecutiveSpikes);
    }

    /** A step is a spike when ℓ &gt; factor × the running median. */
    public double factor() {
        return factor;
    }

    public int windowSize() {
        return windowSize;
    }

    public int warmupSteps() {
        return warmupSteps;
    }

    public int maxConsecutiveSpikes() {
        return maxConsecutiveSpikes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossSpikeGuard g && Double.compare(factor, g.factor) == 0 && windowSize == g.windowSize
                && warmupSteps == g.warmupSteps && maxConsecutiveSpikes == g.maxConsecutiveSpikes;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(factor) * 31 * 31 * 31 + windowSize * 31 * 31 + warmupSteps * 31 + maxConsecutiveSpikes;
    }

    @Override
    public String toString() {
        return "factor=" + factor + ",window=" + windowSize + ",warmup=" + warmupSteps + ",maxConsecutive="
                + maxConsecutiveSpikes;
    }

    /** Deserialized settings pass the builder's rules again. */
    private Object readResolve() throws ObjectStreamException {
        try {
            return toBuilder().build();
        } catch (RuntimeException e) {
            InvalidObjectException invalid = new InvalidObjectException("invalid LossSpikeGuard: " + e.getMessage());
            invalid.initCause(e);
            throw invalid;
        }
    }

    /** Builder; each setter checks its own value, {@link #build()} the rules across them. */
    public static final class Builder {
        private double factor = Double.NaN;
        private int windowSize = DEFAULT_WINDOW_SIZE;
        private int warmupSteps = DEFAULT_WARMUP_STEPS;
        private int maxConsecutiveSpikes = DEFAULT_MAX_CONSECUTIVE_SPIKES;

        private Builder() {}

        /** Required: the multiple of the running median above which a loss is a spike; finite and &gt; 1. */
        public Builder factor(double factor) {
            if (!(Double.isFinite(factor) && factor > 1)) {
                throw new IllegalArgumentException("loss spike factor must be a finite number > 1, got " + factor);
            }
            this.factor = factor;
            return this;
        }

        /** Losses whose median is the level, 1 to {@value #MAX_WINDOW_SIZE} (default {@value #DEFAULT_WINDOW_SIZE}). */
        public Builder windowSize(int windowSize) {
            if (windowSize < 1 || windowSize > MAX_WINDOW_SIZE) {
                throw new IllegalArgumentException("loss spike window must be between 1 and " + MAX_WINDOW_SIZE
                        + ", got " + windowSize);
            }
            this.windowSize = windowSize;
            return this;
        }

        /** Losses in the window before the guard may skip, ≥ 1 and ≤ the window (default {@value #DEFAULT_WARMUP_STEPS}). */
        public Builder warmupSteps(int warmupSteps) {
            if (warmupSteps < 1) {
                throw new IllegalArgumentException("loss spike warm-up must be >= 1 step, got " + warmupSteps);
            }
            this.warmupSteps = warmupSteps;
            return this;
        }

        /** K: spikes in a row that are skipped before a lasting shift is accepted, ≥ 1 (default {@value #DEFAULT_MAX_CONSECUTIVE_SPIKES}). */
        public Builder maxConsecutiveSpikes(int maxConsecutiveSpikes) {
            if (maxConsecutiveSpikes < 1) {
                throw new IllegalArgumentException("loss spike max consecutive spikes must be >= 1, got "
                        + maxConsecutiveSpikes);
            }
            this.maxConsecutiveSpikes = maxConsecutiveSpikes;
            return this;
        }

        /**
         * @throws IllegalStateException no factor was given
         * @throws IllegalArgumentException the warm-up is longer than the window (it could never end)
         */
        public LossSpikeGuard build() {
            if (Double.isNaN(factor)) {
                throw new IllegalStateException("loss spike factor is required");
            }
            if (warmupSteps > windowSize) {
                throw new IllegalArgumentException("loss spike warm-up (" + warmupSteps + " steps) must not be longer "
                        + "than its window (" + windowSize + " losses)");
            }
            return new LossSpikeGuard(factor, windowSize, warmupSteps, maxConsecutiveSpikes);
        }
    }
}
