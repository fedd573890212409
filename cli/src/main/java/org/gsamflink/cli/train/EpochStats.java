package org.gsamflink.cli.train;

/**
 * Running totals of one epoch so far (or of the whole epoch, at its end).
 *
 * @param steps        steps taken in this epoch, skipped ones included
 * @param skipped      steps skipped because of a NaN/Inf loss or gradient
 * @param examples     training examples seen
 * @param correct      examples whose clean-pass prediction (made before the update: prequential) was right
 * @param meanLoss     mean clean loss ℓ over the non-skipped steps (NaN if none)
 * @param meanGap      mean surrogate gap h over the non-skipped steps (NaN if none)
 * @param elapsedNanos wall time since the epoch started
 */
public record EpochStats(long steps, long skipped, long examples, long correct, double meanLoss, double meanGap,
                         long elapsedNanos) {

    /** Prequential ("predict, then train") accuracy of the epoch so far. */
    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** Training throughput: examples per second of wall time. */
    public double examplesPerSecond() {
        return elapsedNanos <= 0 ? 0.0 : examples * 1e9 / elapsedNanos;
    }

    public double elapsedSeconds() {
        return elapsedNanos / 1e9;
    }
}
