package org.gsamflink.benchmarks;

import org.gsamflink.cli.GeneratorOptions;
import org.gsamflink.cli.data.LabeledData;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One generated drift stream of {@link StreamsMain}, made by the {@code gsam-flink produce --generator} code itself
 * ({@link GeneratorOptions}, given the same options as that command line), so that the benchmark streams exactly what
 * {@code produce} would. The settings follow Gomes et al.'s SEA_a and HYPER streams (the ARF paper's
 * SYNTHETIC_STREAMS.txt, see {@link PublishedStreamFigures}), scaled to {@code n} examples: SEA with functions 1, 2, 3,
 * 4, MOA's 10 % label noise and abrupt drifts of width 50 at n/4, n/2, 3n/4; the rotating hyperplane with 10
 * features, all 10 drifting by 0.001 per example, MOA's 10 % chance of a direction reversal and 5 % label noise.
 *
 * @param name          how tables name the stream
 * @param data          the examples in stream order
 * @param driftExamples the true drift positions (examples counted from 1), empty for gradual drift
 * @param options       the {@code produce} options that make it
 */
record DriftStream(String name, LabeledData data, List<Long> driftExamples, List<String> options) {

    static final List<String> GENERATORS = List.of("sea", "hyperplane");
    /** Gomes et al.'s SEA_a width: abrupt, the new concept's share goes from 1 % to 99 % within about 115 examples. */
    static final int SEA_DRIFT_WIDTH = 50;

    static DriftStream generate(String generator, int examples, long seed) {
        List<String> args = new ArrayList<>(List.of("--generator", generator, "--examples", String.valueOf(examples),
                "--seed", String.valueOf(seed)));
        List<Long> drifts = new ArrayList<>();
        // Settings written out even where they are the defaults, so the command line says all of them.
        String name;
        switch (generator) {
            case "sea" -> {
                name = "SEA";
                for (int j = 1; j < 4; j++) {
                    drifts.add((long) examples * j / 4);   // GeneratorOptions' default: evenly spaced
                }
                args.addAll(List.of("--concepts", "1,2,3,4", "--drift-width", String.valueOf(SEA_DRIFT_WIDTH),
                        "--noise", "10"));
            }
            case "hyperplane" -> {
                name = "Hyperplane";
                args.addAll(List.of("--features", "10", "--drift-features", "10", "--mag-change", "0.001",
                        "--sigma", "10", "--noise", "5"));
            }
            default -> throw new IllegalArgumentException("unknown generator '" + generator + "', expected one of "
                    + GENERATORS);
        }
        GeneratorOptions options = CommandLine.populateCommand(new GeneratorOptions(), args.toArray(String[]::new));
        return new DriftStream(name, options.generate(), List.copyOf(drifts), List.copyOf(args));
    }

    /** The {@code produce} command line that streams the same examples. */
    String command() {
        return "gsam-flink produce " + String.join(" ", options);
    }

    /** The true drift positions as steps of {@code batch} examples. */
    List<Long> driftSteps(int batch) {
        return driftExamples.stream().map(e -> (e + batch - 1) / batch).toList();
    }

    String describe() {
        return String.format(Locale.ROOT, "%s: %s (`%s`)", name, data.source(), command());
    }
}
