package org.gsamflink.cli;

import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.data.generators.ConceptDriftStream;
import org.gsamflink.cli.data.generators.ExampleStream;
import org.gsamflink.cli.data.generators.HyperplaneGenerator;
import org.gsamflink.cli.data.generators.SeaGenerator;
import org.gsamflink.pipeline.InvalidInputException;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * {@code produce --generator}: a drift stream with MOA's parameters (a picocli mixin). The examples are generated
 * up front into a {@link LabeledData}, so that they reach Kafka exactly as a file's do (formats, batching, rate,
 * {@code --loop}); they are small (16 bytes each for SEA, 4 × features + 4 for the hyperplane), and a count that
 * would take more than half the heap is refused with a message instead of an {@code OutOfMemoryError}.
 *
 * <p>Unset options take the generators' MOA defaults (see {@link SeaGenerator}, {@link HyperplaneGenerator}),
 * except {@code --mag-change}: MOA's 0 never turns the plane, so the default here is {@value #DEFAULT_MAG_CHANGE}
 * (Bifet et al., KDD 2009, use 0.001 and 0.0001).
 */
public final class GeneratorOptions {

    /** The generators {@code --generator} offers. */
    public enum Kind { SEA, HYPERPLANE }

    static final int DEFAULT_EXAMPLES = 100_000;
    static final long DEFAULT_SEED = 1;
    static final double DEFAULT_MAG_CHANGE = 0.001;
    static final List<Integer> DEFAULT_CONCEPTS = List.of(1, 2, 3, 4);

    @Option(names = "--generator", paramLabel = "sea|hyperplane", converter = LowerCaseEnumConverter.Generator.class,
            description = "Instead of --file: generate a drift stream, SEA (abrupt drifts between concepts) or a "
                    + "rotating hyperplane (gradual drift).")
    Kind kind;

    @Option(names = "--examples", paramLabel = "N",
            description = "Examples to generate (default: " + DEFAULT_EXAMPLES + ").")
    Integer examples;

    @Option(names = "--seed", paramLabel = "N",
            description = "Random seed; one seed, one stream (default: " + DEFAULT_SEED + ", MOA's).")
    Long seed;

    @Option(names = "--noise", paramLabel = "PCT",
            description = "Labels flipped, in whole percent (default: MOA's, 10 for sea, 5 for hyperplane).")
    Integer noise;

    @Option(names = "--concepts", split = ",", paramLabel = "F[,F...]",
            description = "sea: the classification functions in stream order, each 1..4 (threshold 8, 9, 7, 9.5; "
                    + "default: 1,2,3,4).")
    List<Integer> concepts;

    @Option(names = "--drift-positions", split = ",", paramLabel = "P[,P...]",
            description = "sea: the example (counted from 1) each drift is centred on, increasing, one fewer than "
                    + "the concepts (default: evenly spaced, 25000,50000,75000 for 100000 examples).")
    List<Long> driftPositions;

    @Option(names = "--drift-width", paramLabel = "W",
            description = "sea: examples over which each drift happens, MOA's sigmoid (default: 1, abrupt).")
    Long driftWidth;

    @Option(names = "--features", paramLabel = "D",
            description = "hyperplane: attributes (default: " + HyperplaneGenerator.DEFAULT_FEATURES + ").")
    Integer features;

    @Option(names = "--drift-features", paramLabel = "K",
            description = "hyperplane: attributes whose weights drift (default: "
                    + HyperplaneGenerator.DEFAULT_DRIFT_FEATURES + ").")
    Integer driftFeatures;

    @Option(names = "--mag-change", paramLabel = "T",
            description = "hyperplane: how far a drifting weight moves per example, 0..1 (default: "
                    + DEFAULT_MAG_CHANGE + "; MOA's is 0, no drift).")
    Double magChange;

    @Option(names = "--sigma", paramLabel = "PCT",
            description = "hyperplane: chance per example that a drifting weight reverses, in percent (default: "
                    + HyperplaneGenerator.DEFAULT_SIGMA_PERCENTAGE + ").")
    Integer sigma;

    /** The generator asked for, or null when {@code --generator} was not given. */
    public Kind kind() {
        return kind;
    }

    /** The generator options given on the command line, {@code --generator} aside. */
    public List<String> given() {
        List<String> names = new ArrayList<>(common());
        names.addAll(seaOnly());
        names.addAll(hyperplaneOnly());
        return names;
    }

    /**
     * Generates the examples.
     *
     * @throws InvalidInputException naming the option whose value is wrong or does not apply to the generator
     * @throws IllegalStateException if {@code --generator} was not given
     */
    public LabeledData generate() {
        if (kind == null) {
            throw new IllegalStateException("no --generator");
        }
        List<String> foreign = kind == Kind.SEA ? hyperplaneOnly() : seaOnly();
        if (!foreign.isEmpty()) {
            throw new InvalidInputException(foreign.get(0) + " applies only to --generator "
                    + (kind == Kind.SEA ? "hyperplane" : "sea"));
        }
        int n = examples == null ? DEFAULT_EXAMPLES : examples;
        if (n < 1) {
            throw new InvalidInputException("--examples must be >= 1, got " + n);
        }
        long s = seed == null ? DEFAULT_SEED : seed;
        try {
            Generated g = kind == Kind.SEA ? sea(n, s) : hyperplane(n, s);
            checkMemory(n, g.stream().numFeatures());
            return g.stream().take(n, g.description());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidInputException("--generator " + kind.name().toLowerCase(Locale.ROOT) + ": "
                    + e.getMessage());
        }
    }

    /** A stream and how the summaries name it. */
    private record Generated(ExampleStream stream, String description) {}

    private Generated sea(int n, long s) {
        List<Integer> functions = concepts == null ? DEFAULT_CONCEPTS : concepts;
        int noisePercentage = noise == null ? SeaGenerator.DEFAULT_NOISE_PERCENTAGE : noise;
        String head = "SEA (" + n + " examples, functions " + join(functions);
        String tail = ", noise " + noisePercentage + " %, seed " + s + ")";
        if (functions.size() == 1) {
            if (driftPositions != null || driftWidth != null) {
                throw new IllegalArgumentException("one concept has no drifts: drop --drift-positions and "
                        + "--drift-width");
            }
            // One concept is MOA's SEAGenerator with this seed.
            return new Generated(SeaGenerator.builder().function(functions.get(0)).noisePercentage(noisePercentage)
                    .seed(s).build(), head + tail);
        }
        List<Long> positions = driftPositions == null ? evenly(n, functions.size()) : driftPositions;
        long width = driftWidth == null ? ConceptDriftStream.DEFAULT_WIDTH : driftWidth;
        if (positions.size() != functions.size() - 1) {
            throw new IllegalArgumentException(functions.size() + " concepts need " + (functions.size() - 1)
                    + " --drift-positions, got " + positions.size());
        }
        if (positions.get(positions.size() - 1) > n) {
            throw new IllegalArgumentException("drift position " + positions.get(positions.size() - 1)
                    + " is beyond the " + n + " examples");
        }
        // One seed for the whole stream; independent streams for the join and each concept, since MOA's
        // habit of seeding them all alike would replay the first concept's attributes after every drift.
        Random seeds = new Random(s);
        ConceptDriftStream.Builder b = ConceptDriftStream.builder().seed(seeds.nextLong()).width(width);
        for (int f : functions) {
            b.concept(SeaGenerator.builder().function(f).noisePercentage(noisePercentage).seed(seeds.nextLong())
                    .build());
        }
        positions.forEach(b::driftAt);
        return new Generated(b.build(), head + ", drifts at " + join(positions) + " width " + width + tail);
    }

    private Generated hyperplane(int n, long s) {
        int d = features == null ? HyperplaneGenerator.DEFAULT_FEATURES : features;
        int k = driftFeatures == null ? HyperplaneGenerator.DEFAULT_DRIFT_FEATURES : driftFeatures;
        double t = magChange == null ? DEFAULT_MAG_CHANGE : magChange;
        int sigmaPercentage = sigma == null ? HyperplaneGenerator.DEFAULT_SIGMA_PERCENTAGE : sigma;
        int noisePercentage = noise == null ? HyperplaneGenerator.DEFAULT_NOISE_PERCENTAGE : noise;
        HyperplaneGenerator g = HyperplaneGenerator.builder().features(d).driftFeatures(k).magChange(t)
                .sigmaPercentage(sigmaPercentage).noisePercentage(noisePercentage).seed(s).build();
        return new Generated(g, String.format(Locale.ROOT, "rotating hyperplane (%d examples, %d features, %d "
                + "drifting by %s, sigma %d %%, noise %d %%, seed %d)", n, d, k, t, sigmaPercentage, noisePercentage, s));
    }

    /** Drifts at n/k, 2n/k, …: k concepts of equal length. */
    static List<Long> evenly(int n, int k) {
        List<Long> positions = new ArrayList<>();
        for (int j = 1; j < k; j++) {
            positions.add(Math.max(1, (long) n * j / k));
        }
        return positions;
    }

    private static void checkMemory(int n, int width) {
        long bytes = (long) n * (4L * width + 4);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2) {
            throw new IllegalArgumentException(n + " examples take " + (bytes >> 20) + " MiB, more than half the "
                    + "heap (" + (heap >> 20) + " MiB): generate fewer and repeat them with --loop, or give the JVM "
                    + "more (GSAM_FLINK_JAVA_OPTS=-Xmx...)");
        }
    }

    private static String join(List<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private List<String> common() {
        return names(new Object[] {examples, seed, noise}, "--examples", "--seed", "--noise");
    }

    private List<String> seaOnly() {
        return names(new Object[] {concepts, driftPositions, driftWidth}, "--concepts", "--drift-positions",
                "--drift-width");
    }

    private List<String> hyperplaneOnly() {
        return names(new Object[] {features, driftFeatures, magChange, sigma}, "--features", "--drift-features",
                "--mag-change", "--sigma");
    }

    private static List<String> names(Object[] values, String... names) {
        List<String> given = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                given.add(names[i]);
            }
        }
        return given;
    }
}
