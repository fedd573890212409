package org.gsamflink.operators.serve;

import java.io.Serializable;
import java.util.Locale;

/**
 * Whether a newly committed version may replace the one being served: {@link #none()} lets every version through;
 * {@link #maxAccuracyDrop(double)} refuses a version whose recent prequential accuracy (the training job's
 * {@code accuracy} over the steps before its snapshot, stored in the version's metrics) is worse than the serving
 * version's by more than the margin. The first version of a model is always served (there is nothing to compare
 * with); with the gate on, a version without an accuracy in its metrics is refused, since it cannot be judged.
 * Immutable and serializable.
 */
public final class VersionGate implements Serializable {

    private static final long serialVersionUID = 1L;

    /** NaN: no gate. */
    private final double maxDrop;

    private VersionGate(double maxDrop) {
        this.maxDrop = maxDrop;
    }

    public static VersionGate none() {
        return new VersionGate(Double.NaN);
    }

    /**
     * Refuse a version whose accuracy is below the serving version's minus {@code margin}.
     *
     * @throws IllegalArgumentException unless {@code margin} is finite and in [0, 1]
     */
    public static VersionGate maxAccuracyDrop(double margin) {
        if (!(margin >= 0 && margin <= 1)) {
            throw new IllegalArgumentException("the gate's accuracy margin must be in [0, 1], got " + margin);
        }
        return new VersionGate(margin);
    }

    public boolean enabled() {
        return !Double.isNaN(maxDrop);
    }

    /**
     * Why {@code candidateAccuracy} (NaN when the version has none) may not replace {@code serving} (null when
     * nothing is served yet), or null when it may.
     */
    public String refusal(ServedModel serving, double candidateAccuracy) {
        if (!enabled() || serving == null) {
            return null;
        }
        if (Double.isNaN(candidateAccuracy)) {
            return "its metrics have no accuracy to compare with version " + serving.version() + "'s";
        }
        double floor = serving.accuracy() - maxDrop;
        if (candidateAccuracy < floor) {
            return String.format(Locale.ROOT, "its recent accuracy %.4f is below version %d's %.4f minus the margin "
                    + "%.4f", candidateAccuracy, serving.version(), serving.accuracy(), maxDrop);
        }
        return null;
    }

    @Override
    public String toString() {
        return enabled() ? "VersionGate{maxAccuracyDrop=" + maxDrop + '}' : "VersionGate{none}";
    }
}
