package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.apache.flink.util.TimeUtils;
import org.apache.logging.log4j.Level;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.demo.DemoData;
import org.gsamflink.cli.demo.StreamingDemo;
import org.gsamflink.cli.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code gsam-flink demo}: the whole system on one machine (Kafka, Flink, producer, GSAM job, model store). */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Run the streaming demo: embedded Kafka + local Flink + Fashion-MNIST producer + GSAM training job.",
        description = {
                "Starts a Kafka broker (KRaft, loopback only; or uses --bootstrap-servers), a local Flink MiniCluster "
                        + "with its web UI, a producer streaming Fashion-MNIST (Debian's dataset-fashion-mnist; a "
                        + "generated data set if it is missing; or the CSV file given as --data) and the Kafka "
                        + "training job with snapshots to a local "
                        + "model store. Shows one live progress line; at the end (or on Ctrl-C) stops the job with a "
                        + "savepoint and prints a summary, the held-out accuracy of the newest stored model, and "
                        + "where the snapshots, metrics and the PNG plot are.",
                "Everything goes under --data-dir, which each run starts afresh."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "demo-data",
            description = "Where the broker's log, the model store, checkpoints, metrics and the plot go "
                    + "(default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,…]",
            description = "Use this Kafka instead of the embedded broker (the demo's topics are created if missing).")
    String bootstrapServers;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv",
            description = "MNIST-style IDX directory (default: /usr/share/datasets/fashion-mnist, or generated "
                    + "images if it is not installed), or a CSV file: features then the label, a header line "
                    + "allowed; its last " + DemoData.HELD_OUT_PERCENT + " % is held out and the MLP is sized "
                    + "from its width and classes.")
    Path data;

    @Option(names = "--label-column", paramLabel = "N", defaultValue = "-1",
            description = "The label's column of a CSV --data file, 0-based; negative counts from the end "
                    + "(default: ${DEFAULT-VALUE}, the last).")
    int labelColumn;

    @Option(names = "--generated", description = "Stream generated images even if Fashion-MNIST is installed.")
    boolean generated;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "0",
            description = "Stop after N training steps (default: one pass over the training set).")
    long maxSteps;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Stop after this long, e.g. 90s, 3min.")
    String duration;

    @Option(names = "--passes", paramLabel = "N", defaultValue = "1",
            description = "Passes over the training set; 0 = repeat until stopped (default: ${DEFAULT-VALUE}).")
    int passes;

    @Mixin
    ProducerOptions producer = new ProducerOptions("binary", "fashion", 128);

    @Option(names = "--web-ui-port", paramLabel = "PORT", defaultValue = "8081",
            description = "Port of Flink's web UI on 127.0.0.1; another free one if taken (default: ${DEFAULT-VALUE}).")
    int webUiPort;

    @Option(names = "--no-web-ui", description = "Do not start Flink's web UI.")
    boolean noWebUi;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override a job configuration key (repeatable), e.g. -D gsam.alpha=0.3 -D "
                    + "model.architecture=mlp:784-512-10.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // A broker, a Flink cluster and a job share the demo's JVM; their warnings about an unconfigured local
        // setup (no log file for the web UI, no delegation tokens) say nothing to a demo user: errors only.
        logging.quiet(Level.ERROR, true);
        StreamingDemo.Builder b = StreamingDemo.builder();
        try {
            b.dataDir(dataDir).bootstrapServers(bootstrapServers).data(data).labelColumn(labelColumn)
                    .generated(generated)
                    .maxSteps(maxSteps).passes(passes).rate(producer.rate()).format(producer.format())
                    .batchSize(producer.batchSize()).modelId(producer.modelId()).webUiPort(noWebUi ? -1 : webUiPort);
            if (duration != null) {
                b.duration(parseDuration(duration));
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("demo: " + e.getMessage());
        }
        overrides.forEach(b::override);
        PrintWriter out = spec.commandLine().getOut();
        b.output(out, System.console() != null);
        StreamingDemo demo = b.build();
        Interrupts interrupts = Interrupts.install(demo, out);
        try {
            RunReport.Result r = demo.run();
            printSummary(out, r, demo.majorityShare());
            demo.servingSummary().ifPresent(s -> s.print(out));
            out.flush();
            return ExitCodes.OK;
        } finally {
            interrupts.uninstall();
        }
    }

    private static Duration parseDuration(String text) {
        try {
            return TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("demo: --duration '" + text + "': " + e.getMessage());
        }
    }

    /** {@code majorityShare}: the accuracy of always answering the stream's most frequent class. */
    static void printSummary(PrintWriter out, RunReport.Result r, double majorityShare) {
        out.println();
        out.println("Summary (" + r.reason().description() + ")");
        out.printf(Locale.ROOT, "  data                 %s%n", r.dataSource());
        out.printf(Locale.ROOT, "  trained              %d steps, %d examples in %.1f s (%.0f examples/s while training)%n",
                r.steps(), r.examples(), r.seconds(), r.examplesPerSecond());
        out.printf(Locale.ROOT, "  prequential accuracy %.4f over the stream, %.4f over its last 10 %% (most frequent "
                + "class: %.2f)%n", r.prequentialAccuracy(), r.recentAccuracy(), majorityShare);
        out.printf(Locale.ROOT, "  fading accuracy      %.4f, kappa %.4f (at the end; recent examples weigh most)%n",
                r.fadingAccuracy(), r.kappa());
        out.printf(Locale.ROOT, "  last 10 %%            loss %.4f, surrogate gap %.4f; final rho %.4f, lr %.4g%n",
                r.recentLoss(), r.recentSurrogateGap(), r.rho(), r.lr());
        if (r.latestVersion() >= 0) {
            out.printf(Locale.ROOT, "  held-out accuracy    %.4f on %d test examples (stored version %d)%n",
                    r.heldOutAccuracy(), r.heldOutExamples(), r.latestVersion());
        }
        out.printf(Locale.ROOT, "  dead letters         %d%n", r.deadLetters());
        out.println("  model store          " + r.store() + "  versions " + r.storeVersions());
        out.println("                       (./gsam-flink model list --store " + r.store() + ")");
        out.println("  metrics              " + r.metrics());
        if (r.chart() != null) {
            out.println("  plot                 " + r.chart());
        }
        if (r.savepoint() != null) {
            out.println("  savepoint            " + r.savepoint());
        }
        out.println("  summary              " + r.summary());
    }

    /**
     * Ctrl-C asks the demo to stop cleanly (savepoint, summary, broker shut down) instead of killing the JVM;
     * a second Ctrl-C exits at once. Uses the JDK's signal API where it exists, so that no shutdown has begun
     * while the demo stops its threads.
     */
    static final class Interrupts {
        private final Object previous;

        private Interrupts(Object previous) {
            this.previous = previous;
        }

        static Interrupts install(StreamingDemo demo, PrintWriter out) {
            try {
                sun.misc.Signal interrupt = new sun.misc.Signal("INT");
                boolean[] once = {false};
                sun.misc.SignalHandler previous = sun.misc.Signal.handle(interrupt, sig -> {
                    if (once[0]) {
                        out.println();
                        out.println("Second Ctrl-C: exiting without a clean stop.");
                        Runtime.getRuntime().halt(130);
                    }
                    once[0] = true;
                    out.println();
                    out.println("Ctrl-C: stopping cleanly (press Ctrl-C again to exit at once) ...");
                    demo.requestStop();
                });
                return new Interrupts(previous);
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                return new Interrupts(null);   // no signal support: Ctrl-C ends the JVM as usual
            }
        }

        void uninstall() {
            if (previous instanceof sun.misc.SignalHandler h) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
                } catch (IllegalArgumentException e) {
                    // nothing to restore
                }
            }
        }
    }
}
