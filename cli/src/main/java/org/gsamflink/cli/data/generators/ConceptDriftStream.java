package org.gsamflink.cli.data.generators;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Concepts one after another, with a drift between each two: example {@code t} (counted from 1) comes from the
 * next concept with MOA's sigmoid probability {@code 1 / (1 + e^{−4 (t − p) / w})} at the drift's position
 * {@code p} and the width {@code w}, else from the current one. Width 1 is abrupt: the new concept's share is
 * 0.018 one example before {@code p}, 0.5 at {@code p}, 0.982 one after, and three or more examples away below
 * 10⁻⁵ or above 1 − 10⁻⁵. Each concept keeps its own random generator and only advances when it is drawn,
 * as in MOA.
 *
 * <pre>
 * A. Bifet, G. Holmes, B. Pfahringer, R. Kirkby and R. Gavaldà. New ensemble methods for evolving data streams.
 * Proc. 15th ACM SIGKDD (KDD 2009), pp. 139–148 (the sigmoid join of two streams).
 * MOA: moa.streams.ConceptDriftStream (-s stream, -d drift stream, -p position, -w width, default 1000,
 * -r randomSeed, default 1).
 * </pre>
 *
 * <p>Several drifts: MOA nests {@code ConceptDriftStream}s, and a nested stream counts only the examples that
 * reached it, so its position is relative to the drift before. Here every position is absolute (counted on the
 * whole stream) and increasing; for drift {@code j} the walk from the first concept moves on with the sigmoid
 * probability of each drift in turn, drawing one random number per drift it considers. With one drift this is
 * MOA's {@code ConceptDriftStream} draw for draw.
 *
 * <p>Memory: the concepts. Not thread-safe.
 */
public final class ConceptDriftStream implements ExampleStream {

    public static final long DEFAULT_WIDTH = 1;
    public static final long DEFAULT_SEED = 1;

    private final List<ExampleStream> concepts;
    private final long[] positions;
    private final long width;
    private final Random random;
    private long t;
    private int lastConcept = -1;

    private ConceptDriftStream(Builder b) {
        this.concepts = List.copyOf(b.concepts);
        this.positions = b.positions.stream().mapToLong(Long::longValue).toArray();
        this.width = b.width;
        this.random = new Random(b.seed);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The new concept's share at example {@code t} (counted from 1) of a drift at {@code position}. */
    public static double probabilityOfNew(long t, long position, long width) {
        return 1.0 / (1.0 + Math.exp(-4.0 * (t - position) / width));
    }

    @Override
    public int numFeatures() {
        return concepts.get(0).numFeatures();
    }

    @Override
    public int numClasses() {
        return concepts.get(0).numClasses();
    }

    /** The index (0-based, in the order added) of the concept the last example came from; −1 before the first. */
    public int lastConcept() {
        return lastConcept;
    }

    @Override
    public int next(double[] x) {
        t++;
        int concept = 0;
        // MOA's comparison: a draw above the probability keeps the current concept.
        while (concept < positions.length
                && !(random.nextDouble() > probabilityOfNew(t, positions[concept], width))) {
            concept++;
        }
        lastConcept = concept;
        return concepts.get(concept).next(x);
    }

    @Override
    public String toString() {
        return "ConceptDriftStream(" + concepts + " at " + Arrays.toString(positions) + ", width " + width
                + ")";
    }

    /** Builder: concepts in order, one drift position fewer than concepts; each setter checks its value. */
    public static final class Builder {
        private final List<ExampleStream> concepts = new ArrayList<>();
        private final List<Long> positions = new ArrayList<>();
        private long width = DEFAULT_WIDTH;
        private long seed = DEFAULT_SEED;

        private Builder() {}

        /** The next concept. */
        public Builder concept(ExampleStream concept) {
            this.concepts.add(Objects.requireNonNull(concept, "concept"));
            return this;
        }

        /** The next drift's position on the whole stream, ≥ 1 and after the previous drift's. */
        public Builder driftAt(long position) {
            if (position < 1) {
                throw new IllegalArgumentException("drift position must be >= 1, got " + position);
            }
            if (!positions.isEmpty() && position <= positions.get(positions.size() - 1)) {
                throw new IllegalArgumentException("drift positions must increase, got " + position + " after "
                        + positions.get(positions.size() - 1));
            }
            this.positions.add(position);
            return this;
        }

        /** Width of every drift, ≥ 1 (1, the default: abrupt). */
        public Builder width(long width) {
            if (width < 1) {
                throw new IllegalArgumentException("drift width must be >= 1, got " + width);
            }
            this.width = width;
            return this;
        }

        /** Seed of the draws between concepts (the concepts have their own). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public ConceptDriftStream build() {
            if (concepts.isEmpty()) {
                throw new IllegalStateException("a concept drift stream needs at least one concept");
            }
            if (positions.size() != concepts.size() - 1) {
                throw new IllegalStateException(concepts.size() + " concepts need " + (concepts.size() - 1)
                        + " drift positions, got " + positions.size());
            }
            for (ExampleStream c : concepts) {
                if (c.numFeatures() != numFeatures() || c.numClasses() != concepts.get(0).numClasses()) {
                    throw new IllegalStateException("every concept must have " + numFeatures() + " features and "
                            + concepts.get(0).numClasses() + " classes, " + c + " does not");
                }
            }
            return new ConceptDriftStream(this);
        }

        private int numFeatures() {
            return concepts.get(0).numFeatures();
        }
    }
}
