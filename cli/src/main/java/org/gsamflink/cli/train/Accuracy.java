package org.gsamflink.cli.train;

/**
 * Classification accuracy: {@code correct} of {@code total} examples.
 *
 * @param correct examples whose argmax prediction equals the label, 0 ≤ correct ≤ total
 * @param total   examples evaluated, ≥ 0
 */
public record Accuracy(long correct, long total) {

    public Accuracy {
        if (total < 0 || correct < 0 || correct > total) {
            throw new IllegalArgumentException("need 0 <= correct <= total, got " + correct + " of " + total);
        }
    }

    /** correct / total, or NaN when nothing was evaluated. */
    public double value() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** E.g. {@code 0.8612 (10000 examples)}. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.4f (%d examples)", value(), total);
    }
}
