package org.gsamflink.benchmarks;

import org.apache.flink.configuration.ConfigOption;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;
import org.gsamflink.cli.report.TrainingChart;
import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.cli.stream.StreamingRun;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * SGD, SAM and GSAM on the drift streams (SEA: abrupt drift; rotating hyperplane: gradual drift), each example
 * streamed through Kafka by the real job: every run is a {@link StreamingRun} (embedded broker, producer, {@code
 * GsamJob} on a local MiniCluster, exactly-once metrics and alerts read back) of an {@link ExperimentJob} whose keys
 * select the optimizer, {@code model.standardize} and {@code training.on-drift}. Reported per run: the fading-factor
 * prequential accuracy (α = {@code training.fading-factor}, 0.999) and kappa as they stand at the end of the stream,
 * the plain prequential accuracy over the whole stream, and the drift alarms of the job's alerts topic against the
 * true drift points, next to published figures of tree learners ({@link PublishedStreamFigures}).
 *
 * <p>Protocol. Model {@code mlp:<features>-<hidden>-2} (ReLU, softmax, no label smoothing), Adam, a cosine lr from
 * {@code --lr} to a tenth of it over {@code --decay-steps} steps, then constant: on a stationary stream one would
 * decay, and {@code on-drift: rewarm} restarts that schedule at each alarm. ρ (SAM) and then α (GSAM at SAM's ρ) are
 * chosen per generator on a separate validation stream (seed {@code --validation-seed}), on its prequential
 * accuracy, never on the reported stream (seed {@code --seed}).
 *
 * <pre>
 * benchmarks/run-streams.sh [--generators sea,hyperplane] [--examples 100000] [--optimizers sgd,sam,gsam]
 *     [--standardize off,on] [--on-drift none,rewarm] (or reset) [--sam-rhos 0.02,0.05,0.1] [--gsam-alphas 0.1,0.4]
 *     [--skip-sweep --sam-rho R --gsam-alpha A] [--out FILE] [--png FILE]
 * </pre>
 */
public final class StreamsMain {

    static final String ALERTS_TOPIC = "gsam-streams-alerts";
    private static final String STANDARDIZE_KEY = "model.standardize";

    private static final Map<String, String> DEFAULTS = BenchOptions.defaults("""
            generators           sea,hyperplane
            examples             100000
            seed                 1
            validation-seed      2
            validation-examples  30000
            batch                64
            hidden               64
            lr                   0.01
            decay-steps          500
            optimizers           sgd,sam,gsam
            standardize          off,on
            on-drift             none,rewarm
            sam-rhos             0.02,0.05,0.1
            gsam-alphas          0.1,0.4
            skip-sweep           false
            sam-rho              0.05
            gsam-alpha           0.1
            model-seed           1
            work                 benchmarks/target/streams
            out                  benchmarks/results/streams.md
            png                  benchmarks/results/streams.png
            """);

    private static final String USAGE = "usage: benchmarks/run-streams.sh [--option value ...]; options and "
            + "defaults: " + DEFAULTS + "\n--skip-sweep uses --sam-rho and --gsam-alpha as given for every generator";

    /** One job setting: optimizer (its keys), standardization and drift reaction. */
    record Setting(String optimizer, double rho, double alpha, boolean standardize, String onDrift) {
        String name() {
            return optimizer + (standardize ? " · std" : "") + " · on-drift " + onDrift;
        }

        String optimizerDetail() {
            return switch (optimizer) {
                case "SGD" -> "Adam (ρ = 0)";
                case "SAM" -> "ρ " + rho;
                default -> "ρ " + rho + ", α " + alpha;
            };
        }
    }

    /** What one run measured. */
    record RunResult(Setting setting, long steps, double fading, double kappa, double prequential,
                     List<Long> driftAlarms, List<Long> sharpnessAlarms, double seconds, List<MetricPoint> points) {}

    private final Map<String, String> opts;
    private final StringBuilder report = new StringBuilder();
    private final int batch;
    private final boolean standardizeKnown;

    private StreamsMain(Map<String, String> opts) {
        this.opts = opts;
        this.batch = Integer.parseInt(opts.get("batch"));
        this.standardizeKnown = jobKnows(STANDARDIZE_KEY);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchOptions.parseOrExit(args, DEFAULTS, USAGE, "skip-sweep"::equals,
                "skip-sweep");
        new StreamsMain(opts).run();
        System.exit(0);   // the last run's Kafka and Flink client threads would keep the JVM alive
    }

    private void run() throws Exception {
        long startNanos = System.nanoTime();
        int examples = Integer.parseInt(opts.get("examples"));
        List<Boolean> standardize = new ArrayList<>();
        for (String s : list("standardize")) {
            standardize.add(switch (s) {
                case "off" -> false;
                case "on" -> true;
                default -> throw new IllegalArgumentException("--standardize: off and/or on, got '" + s + "'");
            });
        }
        String standardizeNote = "";
        if (standardize.contains(true) && !standardizeKnown) {
            standardize.remove(Boolean.TRUE);
            standardizeNote = " The job has no `" + STANDARDIZE_KEY + "` key yet: the standardize-on runs are left out.";
        }
        report.append(String.format(Locale.ROOT, """
                ## SGD, SAM and GSAM on drift streams (SEA, rotating hyperplane), streamed through Kafka by the job

                Machine: %s.

                Every run: embedded Kafka broker → `gsam-flink` Kafka job on a local Flink MiniCluster (binary \
                minibatches of %d, exactly-once metrics and alerts); model mlp:<features>-%s-2, no label smoothing, \
                Adam, cosine lr %s → %s over the first %s steps then constant, float32, initial weights from seed %s; \
                fading factor α = 0.999; drift detector Page-Hinkley on the prequential errors (MOA's defaults).%s

                """, Machine.describe(), batch, opts.get("hidden"), opts.get("lr"), lrMin(), opts.get("decay-steps"),
                opts.get("model-seed"), standardizeNote));

        Map<String, List<RunResult>> byGenerator = new LinkedHashMap<>();
        Map<String, DriftStream> streams = new LinkedHashMap<>();
        for (String generator : list("generators")) {
            double rho = Double.parseDouble(opts.get("sam-rho"));
            double alpha = Double.parseDouble(opts.get("gsam-alpha"));
            if (!Boolean.parseBoolean(opts.get("skip-sweep"))) {
                DriftStream validation = DriftStream.generate(generator, Integer.parseInt(opts.get(
                        "validation-examples")), Long.parseLong(opts.get("validation-seed")));
                line("### " + validation.name() + ": choosing ρ and α on a validation stream (seed "
                        + opts.get("validation-seed") + ", " + validation.data().size() + " examples, on-drift none)");
                line("");
                line("| optimizer | setting | prequential accuracy | fading accuracy (end) |");
                line("|---|---|---:|---:|");
                boolean std = standardize.contains(true);
                rho = sweep(validation, doubles("sam-rhos"), r -> new Setting("SAM", r, 0, std, "none"));
                final double samRho = rho;
                alpha = sweep(validation, doubles("gsam-alphas"), a -> new Setting("GSAM", samRho, a, std, "none"));
                line("");
                line(String.format(Locale.ROOT, "Chosen: SAM ρ = %s, GSAM α = %s (at SAM's ρ).", rho, alpha));
                line("");
            }
            DriftStream stream = DriftStream.generate(generator, examples, Long.parseLong(opts.get("seed")));
            streams.put(generator, stream);
            List<RunResult> results = new ArrayList<>();
            for (String onDrift : list("on-drift")) {
                for (boolean std : standardize) {
                    for (String optimizer : list("optimizers")) {
                        results.add(runOne(stream, setting(optimizer, rho, alpha, std, onDrift), "final"));
                    }
                }
            }
            byGenerator.put(generator, results);
        }

        line("### Results (seed " + opts.get("seed") + ", " + examples + " examples per stream)");
        line("");
        for (DriftStream s : streams.values()) {
            line("- " + s.describe() + (s.driftExamples().isEmpty() ? "; gradual drift, no drift points"
                    : "; true drift points at examples " + join(s.driftExamples()) + " (steps "
                    + join(s.driftSteps(batch)) + ")") + ".");
        }
        line("");
        line("| stream | optimizer | standardize | on-drift | fading prequential accuracy (α 0.999, end) | kappa"
                + " (faded, end) | prequential accuracy (whole stream) | drift alarms (steps) | first alarm after"
                + " each true drift (examples) | sharpness alarms | s |");
        line("|---|---|---|---|---:|---:|---:|---|---|---:|---:|");
        for (Map.Entry<String, List<RunResult>> e : byGenerator.entrySet()) {
            DriftStream s = streams.get(e.getKey());
            for (RunResult r : e.getValue()) {
                Setting st = r.setting();
                line(String.format(Locale.ROOT, "| %s | %s (%s) | %s | %s | **%.4f** | %.4f | %.4f | %d (%s) | %s |"
                                + " %d | %.0f |", s.name(), st.optimizer(), st.optimizerDetail(),
                        st.standardize() ? "on" : "off", st.onDrift(), r.fading(), r.kappa(), r.prequential(),
                        r.driftAlarms().size(), abbreviate(r.driftAlarms()), delays(s, r.driftAlarms()),
                        r.sharpnessAlarms().size(), r.seconds()));
            }
        }
        line("");
        line(PublishedStreamFigures.table(examples));
        writeCharts(byGenerator, streams);
        line(String.format(Locale.ROOT, "Reproduce: `benchmarks/run-streams.sh` (%.0f min on this machine).",
                (System.nanoTime() - startNanos) / 60e9));
        System.out.println(report);
        BenchOptions.writeReport(opts.get("out"), report);
    }

    private Setting setting(String optimizer, double rho, double alpha, boolean std, String onDrift) {
        return switch (optimizer) {
            case "sgd" -> new Setting("SGD", 0, 0, std, onDrift);
            case "sam" -> new Setting("SAM", rho, 0, std, onDrift);
            case "gsam" -> new Setting("GSAM", rho, alpha, std, onDrift);
            default -> throw new IllegalArgumentException("--optimizers: sgd, sam, gsam; got '" + optimizer + "'");
        };
    }

    private double sweep(DriftStream validation, double[] values, java.util.function.DoubleFunction<Setting> setting)
            throws Exception {
        double best = values[0];
        double bestAccuracy = -1;
        for (double value : values) {
            Setting s = setting.apply(value);
            RunResult r = runOne(validation, s, "sweep");
            line(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f |", s.optimizer(), s.optimizerDetail(),
                    r.prequential(), r.fading()));
            if (r.prequential() > bestAccuracy) {
                bestAccuracy = r.prequential();
                best = value;
            }
        }
        return best;
    }

    private RunResult runOne(DriftStream stream, Setting s, String phase) throws Exception {
        String name = String.format(Locale.ROOT, "%s-%s-%s-%s", phase, stream.name(), s.name(), s.optimizerDetail())
                .replaceAll("[^A-Za-z0-9.]+", "_").toLowerCase(Locale.ROOT);
        Path dir = Path.of(opts.get("work")).resolve(name);
        log(String.format(Locale.ROOT, "%s %s %s (%s): %d examples ...", phase, stream.name(), s.name(),
                s.optimizerDetail(), stream.data().size()));
        long t0 = System.nanoTime();
        RunFolder folder = RunFolder.prepare(dir);
        String architecture = "mlp:" + stream.data().numFeatures() + "-" + opts.get("hidden") + "-"
                + stream.data().numClasses();
        ExperimentJob job = new ExperimentJob(folder, architecture, opts.get("lr"), lrMin(), batch,
                Long.parseLong(opts.get("model-seed")), Long.parseLong(opts.get("decay-steps")), keys(s));
        AlertsCollector alerts = new AlertsCollector(ALERTS_TOPIC);
        StreamingRun.Outcome o;
        try {
            o = StreamingRun.builder().folder(folder).data(stream.name(), stream.data())
                    .topics(ExperimentJob.TOPICS).jobConfig(job).modelId(ExperimentJob.MODEL_ID).passes(1)
                    .batchSize(batch).webUiPort(-1).companion(alerts)
                    .output(new PrintWriter(new StringWriter()), false).build().run();
        } finally {
            alerts.close();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        MetricsHistory h = o.history();
        long expected = (stream.data().size() + batch - 1) / batch;
        if (h.steps() != expected) {
            throw new IllegalStateException(name + ": trained " + h.steps() + " steps, expected " + expected
                    + " (stop reason: " + o.reason() + ")");
        }
        RunResult r = new RunResult(s, h.steps(), h.latest(MetricPoint::fadingAccuracy), h.latest(MetricPoint::kappa),
                h.accuracy(), alerts.steps("drift"), sharpness(alerts), seconds, h.points());
        log(String.format(Locale.ROOT, "  -> %d steps, fading %.4f, kappa %.4f, prequential %.4f, %d drift alarms %s,"
                        + " %d sharpness alarms, %.0f s", r.steps(), r.fading(), r.kappa(), r.prequential(),
                r.driftAlarms().size(), r.driftAlarms(), r.sharpnessAlarms().size(), seconds));
        // The broker's log and the checkpoints are the bulk of a run's folder; keep the metrics and the store.
        for (String bulky : List.of("kafka", "checkpoints", "savepoints")) {
            OperatorJob.deleteRecursively(dir.resolve(bulky));
        }
        return r;
    }

    private static List<Long> sharpness(AlertsCollector alerts) {
        List<Long> steps = new ArrayList<>(alerts.steps("sharpness-jump"));
        steps.addAll(alerts.steps("alignment-collapse"));
        return steps;
    }

    /** The job keys of a setting, on top of {@link ExperimentJob#settings}. */
    private Map<String, String> keys(Setting s) {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("model.updater", "adam");
        k.put("model.label-smoothing", "0");
        k.put("gsam.rho", "constant:" + s.rho());
        k.put("gsam.alpha", String.valueOf(s.alpha()));
        k.put("training.on-drift", s.onDrift());
        k.put("training.fading-factor", "0.999");
        k.put("sink.alerts-topic", ALERTS_TOPIC);
        if (standardizeKnown) {
            k.put(STANDARDIZE_KEY, String.valueOf(s.standardize()));
        }
        return k;
    }

    private void writeCharts(Map<String, List<RunResult>> byGenerator, Map<String, DriftStream> streams)
            throws Exception {
        Path png = Path.of(opts.get("png"));
        for (Map.Entry<String, List<RunResult>> e : byGenerator.entrySet()) {
            DriftStream s = streams.get(e.getKey());
            Path file = e.getKey().equals(list("generators").get(0)) ? png
                    : png.resolveSibling(png.getFileName().toString().replace(".png", "-" + e.getKey() + ".png"));
            TrainingChart.Builder chart = TrainingChart.builder().size(1100, 800)
                    .curves(TrainingChart.Curve.FADING_ACCURACY, TrainingChart.Curve.KAPPA)
                    .title(String.format(Locale.ROOT, "%s through Kafka (seed %s): fading prequential accuracy;"
                            + "%s dots: the job's drift alarms", s.name(), opts.get("seed"),
                            s.driftExamples().isEmpty() ? "" : " dashed: true drifts,"));
            for (RunResult r : chartedRuns(e.getValue())) {
                String name = r.setting().name() + " (" + r.setting().optimizerDetail() + ")";
                chart.run(name, r.points());
                chart.events(name, r.driftAlarms());
            }
            List<Long> drifts = s.driftSteps(batch);
            for (int i = 0; i < drifts.size(); i++) {
                chart.marker(drifts.get(i), "drift " + (i + 1));
            }
            chart.build().writePng(file);
            line("Plot of " + s.name() + ": `" + file + "` (the standardize-" + (chartStandardize(e.getValue())
                    ? "on" : "off") + " runs; fading accuracy and kappa per metrics record of 5 steps).");
            line("");
        }
    }

    /** SGD and GSAM without and with each drift reaction, at the standardization the table shows last. */
    private List<RunResult> chartedRuns(List<RunResult> runs) {
        boolean std = chartStandardize(runs);
        return runs.stream().filter(r -> r.setting().standardize() == std && !r.setting().optimizer().equals("SAM"))
                .toList();
    }

    private static boolean chartStandardize(List<RunResult> runs) {
        return runs.stream().anyMatch(r -> r.setting().standardize());
    }

    /** For each true drift, the examples from it to the first drift alarm after it and before the next one. */
    private String delays(DriftStream s, List<Long> alarmSteps) {
        if (s.driftExamples().isEmpty()) {
            return "–";
        }
        List<String> out = new ArrayList<>();
        List<Long> drifts = s.driftExamples();
        for (int i = 0; i < drifts.size(); i++) {
            long from = drifts.get(i);
            long to = i + 1 < drifts.size() ? drifts.get(i + 1) : Long.MAX_VALUE;
            out.add(alarmSteps.stream().map(step -> step * batch).filter(e -> e >= from && e < to).findFirst()
                    .map(e -> "+" + (e - from)).orElse("none"));
        }
        return String.join(", ", out);
    }

    private static String abbreviate(List<Long> steps) {
        String all = join(steps);
        return steps.size() <= 8 ? all : join(steps.subList(0, 8)) + ", …";
    }

    /** Whether the job's configuration has the key {@code key} (a key added by a later change may be missing). */
    static boolean jobKnows(String key) {
        return Arrays.stream(JobOptions.class.getFields()).anyMatch(f -> {
            try {
                return f.get(null) instanceof ConfigOption<?> o && o.key().equals(key);
            } catch (IllegalAccessException e) {
                return false;
            }
        });
    }

    private String lrMin() {
        return String.valueOf(Double.parseDouble(opts.get("lr")) / 10);
    }

    private List<String> list(String key) {
        return Arrays.stream(opts.get(key).split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    private double[] doubles(String key) {
        return list(key).stream().mapToDouble(Double::parseDouble).toArray();
    }

    private static String join(List<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private void line(String s) {
        report.append(s).append('\n');
    }

    private static void log(String s) {
        System.err.println(s);
    }
}
