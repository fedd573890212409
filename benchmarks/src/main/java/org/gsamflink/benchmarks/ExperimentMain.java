package org.gsamflink.benchmarks;

import org.gsamflink.cli.data.IdxReader;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;
import org.gsamflink.cli.report.RunReport;
import org.gsamflink.cli.report.TrainingChart;
import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.cli.stream.StreamingRun;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * SGD vs SAM vs ASAM vs GSAM on Fashion-MNIST, streamed through Kafka by the real job: every run is a
 * {@link StreamingRun} (embedded KRaft broker, producer, {@code GsamJob} on a local MiniCluster, exactly-once
 * metrics, the final model committed to a model store) of an {@link ExperimentJob} with its {@link RunReport},
 * the runs differing only in the optimizer keys.
 *
 * <p>Protocol. Same model (MLP 784-256-10, ReLU, softmax, label smoothing 0.1), base optimizer (Nesterov momentum
 * 0.9), lr schedule (cosine from {@code --lr} to {@code --lr-min} over the run), batch 128, and, per seed, the same
 * initial weights and data order for every optimizer. ρ and α are chosen on a validation split, never on the test
 * set: the seed-1 order of the 60,000 training images is split into 50,000 for training and 10,000 for validation;
 * SAM's ρ and ASAM's ρ are swept, then GSAM's α at SAM's best ρ (as in the paper, GSAM keeps SAM's ρ). The final
 * runs train on all 60,000 images ({@code --passes} passes) for each seed and report prequential accuracy over the
 * stream, held-out accuracy of the committed model on the 10,000 test images, and the surrogate gap.
 *
 * <pre>
 * benchmarks/run-experiment.sh [--seeds 1,2,3] [--passes 2] [--sweep-passes 1] [--out FILE] [--png FILE]
 *     [--sam-rhos 0.01,0.02,0.05,0.1] [--asam-rhos 0.1,0.2,0.5,1] [--gsam-alphas 0.05,0.1,0.2,0.4]
 *     [--sam-rho R --asam-rho R --gsam-alpha A --skip-sweep]
 *     [--optimizers sgd,sam,asam,gsam,gsam-k] [--sharpness-every 5]   (gsam-k: GSAM with gsam.sharpness-every)
 * </pre>
 */
public final class ExperimentMain {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("data", "/usr/share/datasets/fashion-mnist");
        DEFAULTS.put("seeds", "1,2,3");
        DEFAULTS.put("passes", "2");
        DEFAULTS.put("sweep-passes", "1");
        DEFAULTS.put("validation", "10000");
        DEFAULTS.put("limit", "0");
        DEFAULTS.put("test-limit", "-1");
        DEFAULTS.put("label-noise", "0");
        DEFAULTS.put("eval-passes", "");
        DEFAULTS.put("lr", "0.05");
        DEFAULTS.put("lr-min", "0.0005");
        DEFAULTS.put("batch", "128");
        DEFAULTS.put("architecture", "mlp:784-256-10");
        DEFAULTS.put("sam-rhos", "0.01,0.02,0.05,0.1");
        DEFAULTS.put("asam-rhos", "0.1,0.2,0.5,1.0");
        DEFAULTS.put("gsam-alphas", "0.05,0.1,0.2,0.4");
        DEFAULTS.put("skip-sweep", "false");
        DEFAULTS.put("sam-rho", "0.05");
        DEFAULTS.put("asam-rho", "0.5");
        DEFAULTS.put("gsam-alpha", "0.1");
        DEFAULTS.put("optimizers", "sgd,sam,asam,gsam");
        DEFAULTS.put("sharpness-every", "5");
        DEFAULTS.put("work", "benchmarks/target/experiment");
        DEFAULTS.put("out", "benchmarks/results/experiment.md");
        DEFAULTS.put("png", "benchmarks/results/experiment.png");
        DEFAULTS.put("command", "benchmarks/run-experiment.sh");
    }

    private static final String USAGE = "usage: benchmarks/run-experiment.sh [--option value ...]; options and "
            + "defaults: " + DEFAULTS + "\n--skip-sweep uses --sam-rho, --asam-rho and --gsam-alpha as given;"
            + " --test-limit -1: with --limit, max(1000, limit / 6) test images, 0: all; --label-noise P: symmetric"
            + " noise on the training and validation labels (never the test set); --eval-passes 5,10: also the"
            + " held-out accuracy of the models stored after those passes (final runs)";

    /** One optimizer setting: its name and the job keys that select it. */
    record Variant(String name, String setting, Map<String, String> keys) {
        static Variant sgd() {
            return new Variant("SGD", "Nesterov momentum 0.9 (rho = 0: the base step, bit for bit)",
                    Map.of("gsam.rho", "constant:0", "gsam.alpha", "0"));
        }

        static Variant sam(double rho) {
            return new Variant("SAM", "rho " + rho, Map.of("gsam.rho", "constant:" + rho, "gsam.alpha", "0"));
        }

        static Variant asam(double rho) {
            return new Variant("ASAM", "rho " + rho + ", adaptive", Map.of("gsam.rho", "constant:" + rho,
                    "gsam.alpha", "0", "gsam.perturbation", "asam"));
        }

        static Variant gsam(double rho, double alpha) {
            return new Variant("GSAM", "rho " + rho + ", alpha " + alpha, Map.of("gsam.rho", "constant:" + rho,
                    "gsam.alpha", String.valueOf(alpha)));
        }

        /** GSAM with {@code gsam.sharpness-every: k}: the full direction every k steps. */
        static Variant gsamEvery(double rho, double alpha, int k) {
            return new Variant("GSAM-k" + k, "rho " + rho + ", alpha " + alpha + ", sharpness-every " + k,
                    Map.of("gsam.rho", "constant:" + rho, "gsam.alpha", String.valueOf(alpha),
                            "gsam.sharpness-every", String.valueOf(k)));
        }
    }

    /** What one run measured. */
    record RunResult(Variant variant, long seed, long steps, double prequential, double prequentialLastPass,
                     double heldOut, double meanGap, double seconds, List<MetricPoint> points,
                     double[] heldOutAtPasses) {}

    private final Map<String, String> opts;
    private final StringBuilder report = new StringBuilder();
    private final int batch;

    private ExperimentMain(Map<String, String> opts) {
        this.opts = opts;
        this.batch = Integer.parseInt(opts.get("batch"));
    }

    public static void main(String[] args) throws Exception {
        new ExperimentMain(BenchOptions.parseOrExit(args, DEFAULTS, USAGE, "skip-sweep"::equals, "skip-sweep")).run();
        System.exit(0);
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Path data = Path.of(opts.get("data"));
        LabeledData train = IdxReader.readDirectory(data, IdxReader.Split.TRAIN);
        LabeledData test = IdxReader.readDirectory(data, IdxReader.Split.TEST, train.numClasses());
        int limit = Integer.parseInt(opts.get("limit"));
        int testLimit = Integer.parseInt(opts.get("test-limit"));
        if (limit > 0) {   // the first examples of the training split (and by default a smaller test set)
            train = train.limit(limit);
        }
        if (testLimit > 0 || (testLimit < 0 && limit > 0)) {
            test = test.limit(testLimit > 0 ? testLimit : Math.max(1000, limit / 6));
        }
        double noise = Double.parseDouble(opts.get("label-noise"));
        List<Long> seeds = Arrays.stream(opts.get("seeds").split(",")).map(String::strip).map(Long::parseLong)
                .toList();
        int passes = Integer.parseInt(opts.get("passes"));
        line("## SGD vs SAM vs ASAM vs GSAM on Fashion-MNIST, streamed through Kafka by the training job"
                + (noise > 0 ? String.format(Locale.ROOT, ", %.0f %% symmetric label noise", 100 * noise) : ""));
        line("");
        line("Machine: " + Machine.describe() + ".");
        line("");
        line(String.format(Locale.ROOT, "Every run: embedded Kafka broker → `gsam-flink` Kafka job on a local Flink"
                        + " MiniCluster (binary minibatches of %d, exactly-once metrics, final model committed to the"
                        + " model store); model %s, label smoothing 0.1, Nesterov momentum 0.9, cosine lr %s → %s over"
                        + " the run, float32. Per seed: the same initial weights and data order for every optimizer.",
                batch, opts.get("architecture"), opts.get("lr"), opts.get("lr-min")));
        line("");
        if (noise > 0) {
            line(String.format(Locale.ROOT, "Label noise: with probability %s each training label is replaced by a"
                    + " class drawn uniformly from the 9 other classes (a fixed draw per data seed; `LabelNoise`)."
                    + " The validation split is cut from these noisy training examples and keeps its noisy labels"
                    + " (a user only has noisy labels), so ρ and α are chosen on noisy validation accuracy. The"
                    + " prequential accuracies are on the noisy stream; the test set is clean.", noise));
            line("");
        }

        double samRho = Double.parseDouble(opts.get("sam-rho"));
        double asamRho = Double.parseDouble(opts.get("asam-rho"));
        double alpha = Double.parseDouble(opts.get("gsam-alpha"));
        if (!Boolean.parseBoolean(opts.get("skip-sweep"))) {
            int validation = Math.min(Integer.parseInt(opts.get("validation")), train.size() / 5);
            int[] order = permutation(train.size(), seeds.get(0));
            LabeledData noisy = noisy(train, noise, seeds.get(0));
            LabeledData sweepTrain = noisy.select(order, 0, train.size() - validation);
            LabeledData sweepValidation = noisy.select(order, train.size() - validation, train.size());
            int sweepPasses = Integer.parseInt(opts.get("sweep-passes"));
            line(String.format(Locale.ROOT, "### Choosing ρ and α on a validation split (seed %d, %d training /"
                            + " %d validation images from the training set, %d pass%s)", seeds.get(0),
                    sweepTrain.size(), sweepValidation.size(), sweepPasses, sweepPasses == 1 ? "" : "es"));
            line("");
            line("| optimizer | setting | validation accuracy" + (noise > 0 ? " (noisy labels)" : "")
                    + " | prequential accuracy | mean surrogate gap |");
            line("|---|---|---:|---:|---:|");
            samRho = sweep(doubles("sam-rhos"), Variant::sam, sweepTrain, sweepValidation, seeds.get(0), sweepPasses);
            asamRho = sweep(doubles("asam-rhos"), Variant::asam, sweepTrain, sweepValidation, seeds.get(0),
                    sweepPasses);
            final double rho = samRho;
            alpha = sweep(doubles("gsam-alphas"), a -> Variant.gsam(rho, a), sweepTrain, sweepValidation,
                    seeds.get(0), sweepPasses);
            line("");
            line(String.format(Locale.ROOT, "Chosen on validation accuracy: SAM ρ = %s, ASAM ρ = %s, GSAM α = %s"
                    + " (at SAM's ρ).", samRho, asamRho, alpha));
            line("");
        } else {
            line(String.format(Locale.ROOT, "Settings given (no sweep): SAM ρ = %s, ASAM ρ = %s, GSAM α = %s.",
                    samRho, asamRho, alpha));
            line("");
        }

        Map<String, Variant> all = new LinkedHashMap<>();
        all.put("sgd", Variant.sgd());
        all.put("sam", Variant.sam(samRho));
        all.put("asam", Variant.asam(asamRho));
        all.put("gsam", Variant.gsam(samRho, alpha));
        all.put("gsam-k", Variant.gsamEvery(samRho, alpha, Integer.parseInt(opts.get("sharpness-every"))));
        List<Variant> variants = new ArrayList<>();
        for (String o : opts.get("optimizers").split(",")) {
            Variant v = all.get(o.trim());
            if (v == null) {
                throw new IllegalArgumentException("--optimizers: unknown '" + o + "', expected some of " + all.keySet());
            }
            variants.add(v);
        }
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        variants.forEach(v -> results.put(v.name(), new ArrayList<>()));
        for (long seed : seeds) {
            LabeledData ordered = noisy(train, noise, seed).select(permutation(train.size(), seed), 0,
                    train.size());
            for (Variant v : variants) {
                results.get(v.name()).add(runOne(v, seed, ordered, test, passes, "final"));
            }
        }
        line(String.format(Locale.ROOT, "### Results: %d seeds (%s), %d pass(es) over the %,d training images, held-out"
                + " accuracy on the %,d test images (mean ± std over seeds)", seeds.size(), opts.get("seeds"),
                passes, train.size(), test.size()));
        line("");
        int[] evalPasses = evalPasses();
        String stream = noise > 0 ? "noisy stream" : "stream";
        StringBuilder head = new StringBuilder("| optimizer | setting | prequential accuracy (" + stream
                + ") | prequential accuracy (" + stream + ", last pass) | held-out test accuracy"
                + (noise > 0 ? " (clean)" : "") + " |");
        for (int p : evalPasses) {
            head.append(" held-out after pass ").append(p).append(" |");
        }
        line(head + " mean surrogate gap | s per run |");
        line("|---|---|---:|---:|---:|" + "---:|".repeat(evalPasses.length) + "---:|---:|");
        for (Variant v : variants) {
            List<RunResult> rs = results.get(v.name());
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %s | %s | %s | **%s** |",
                    v.name(), v.setting(), pm(rs, RunResult::prequential, 4),
                    pm(rs, RunResult::prequentialLastPass, 4), pm(rs, RunResult::heldOut, 4)));
            for (int i = 0; i < evalPasses.length; i++) {
                final int k = i;
                row.append(' ').append(pm(rs, r -> r.heldOutAtPasses()[k], 4)).append(" |");
            }
            line(row + String.format(Locale.ROOT, " %s | %.0f |", pm(rs, RunResult::meanGap, 4),
                    rs.stream().mapToDouble(RunResult::seconds).average().orElse(Double.NaN)));
        }
        line("");
        List<RunResult> sam = results.getOrDefault("SAM", List.of());
        List<RunResult> gsam = results.getOrDefault("GSAM", List.of());
        int smaller = 0;
        StringBuilder perSeed = new StringBuilder();
        for (int i = 0; i < Math.min(sam.size(), gsam.size()); i++) {
            if (gsam.get(i).meanGap() < sam.get(i).meanGap()) {
                smaller++;
            }
            perSeed.append(String.format(Locale.ROOT, "%sseed %d: SAM %.4f, GSAM %.4f", i == 0 ? "" : "; ",
                    sam.get(i).seed(), sam.get(i).meanGap(), gsam.get(i).meanGap()));
        }
        if (!sam.isEmpty() && !gsam.isEmpty()) {
            line(String.format(Locale.ROOT, "Surrogate gap (mean over the stream, same ρ): %s. GSAM kept it smaller than"
                    + " SAM in %d of %d seeds.", perSeed, smaller, Math.min(sam.size(), gsam.size())));
        }
        line("");

        Path png = Path.of(opts.get("png"));
        TrainingChart.Builder chart = TrainingChart.builder().title(String.format(Locale.ROOT,
                "Fashion-MNIST through Kafka, seed %d: %s%s", seeds.get(0), opts.get("architecture"),
                noise > 0 ? String.format(Locale.ROOT, ", %.0f %% label noise", 100 * noise) : ""));
        for (Variant v : variants) {
            chart.run(v.name() + " (" + v.setting().replace(" (rho = 0: the base step, bit for bit)", "") + ")",
                    smooth(results.get(v.name()).get(0).points(), 20));
        }
        chart.build().writePng(png);
        line("Plot (seed " + seeds.get(0) + ", moving average over 20 metric records = 100 steps): `" + png + "`.");
        line("");
        line(String.format(Locale.ROOT, "Reproduce: `%s` (%.0f min on this machine).", opts.get("command"),
                (System.nanoTime() - t0) / 60e9));
        System.out.println(report);
        BenchOptions.writeReport(opts.get("out"), report);
        log("plot written to " + png.toAbsolutePath());
    }

    private double sweep(double[] values, java.util.function.DoubleFunction<Variant> variant, LabeledData train,
                         LabeledData validation, long seed, int passes) throws Exception {
        double best = values[0];
        double bestAccuracy = -1;
        for (double value : values) {
            Variant v = variant.apply(value);
            RunResult r = runOne(v, seed, train, validation, passes, "sweep");
            line(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f | %.4f |", v.name(), v.setting(), r.heldOut(),
                    r.prequential(), r.meanGap()));
            if (r.heldOut() > bestAccuracy) {
                bestAccuracy = r.heldOut();
                best = value;
            }
        }
        return best;
    }

    private RunResult runOne(Variant v, long seed, LabeledData train, LabeledData heldOut, int passes, String phase)
            throws Exception {
        String name = String.format(Locale.ROOT, "%s-%s-%s-seed%d", phase, v.name(), v.setting()
                .replaceAll("[^A-Za-z0-9.]+", "_"), seed).toLowerCase(Locale.ROOT);
        Path dir = Path.of(opts.get("work")).resolve(name);
        long steps = (long) passes * ((train.size() + batch - 1) / batch);
        log(String.format(Locale.ROOT, "%s %s (%s), seed %d: %d examples x %d pass(es) ...", phase, v.name(),
                v.setting(), seed, train.size(), passes));
        long t0 = System.nanoTime();
        RunReport.Result r = stream(dir, v, seed, steps, train, heldOut, passes, "final".equals(phase));
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<MetricPoint> points = readPoints(r.metrics());
        MetricsHistory lastPass = new MetricsHistory();
        long lastPassFrom = steps - steps / passes;
        points.stream().filter(p -> p.step() > lastPassFrom).forEach(lastPass::add);
        double[] atPasses = "final".equals(phase) ? PassEvaluation.accuracies(r.store(), ExperimentJob.MODEL_ID,
                steps / passes, evalPasses(), heldOut) : new double[0];
        RunResult result = new RunResult(v, seed, r.steps(), r.prequentialAccuracy(), lastPass.accuracy(),
                r.heldOutAccuracy(), MetricsHistory.mean(points, MetricPoint::surrogateGap), seconds, points,
                atPasses);
        log(String.format(Locale.ROOT, "  -> %d steps, prequential %.4f, held-out %.4f%s, gap %.4f, %.0f s",
                r.steps(), result.prequential(), result.heldOut(), atPasses.length == 0 ? ""
                        : " (after passes " + Arrays.toString(evalPasses()) + ": " + Arrays.toString(atPasses) + ")",
                result.meanGap(), seconds));
        if (r.steps() != steps) {
            throw new IllegalStateException(name + ": trained " + r.steps() + " steps, expected " + steps
                    + " (stop reason: " + r.reason() + ")");
        }
        // The broker's log and the checkpoints are 200+ MB per run; keep the metrics, store and summary.
        for (String bulky : List.of("kafka", "checkpoints", "savepoints")) {
            OperatorJob.deleteRecursively(dir.resolve(bulky));
        }
        return result;
    }

    /** One run through Kafka and the job (as the streaming demo runs it), and its report in {@code dir}. */
    private RunReport.Result stream(Path dir, Variant v, long seed, long steps, LabeledData train,
                                    LabeledData heldOut, int passes, boolean keepPasses) throws Exception {
        RunFolder folder = RunFolder.prepare(dir);
        Map<String, String> keys = new LinkedHashMap<>(v.keys());
        int every = PassEvaluation.gcd(evalPasses());
        if (every > 0 && keepPasses) {   // store the models after those passes
            keys.put("training.snapshot-every-steps", String.valueOf(every * (steps / passes)));
        }
        ExperimentJob job = new ExperimentJob(folder, opts.get("architecture"), opts.get("lr"), opts.get("lr-min"),
                batch, seed, steps, keys);
        StreamingRun.Outcome o = StreamingRun.builder().folder(folder).data("Fashion-MNIST", train)
                .topics(ExperimentJob.TOPICS).jobConfig(job).modelId(ExperimentJob.MODEL_ID).passes(passes)
                .batchSize(batch).webUiPort(-1).output(new PrintWriter(new StringWriter()), false).build().run();
        JobConfig cfg = o.config();
        return RunReport.builder().modelId(ExperimentJob.MODEL_ID).dataSource("Fashion-MNIST").heldOut(heldOut)
                .store(folder.store()).metrics(folder.metrics()).chart(folder.chart()).summary(folder.summary())
                .chartTitle(String.format(Locale.ROOT, "gsam-flink demo: %s, alpha %s, %s", "Fashion-MNIST",
                        cfg.get(JobOptions.ALPHA), cfg.get(JobOptions.ARCHITECTURE)))
                .build().write(o.reason(), o.history(), o.startMs(), o.deadLetters(), o.savepoint());
    }

    private static List<MetricPoint> readPoints(Path metrics) throws IOException {
        try (Stream<String> lines = Files.lines(metrics)) {
            return lines.filter(l -> !l.isBlank()).map(MetricPoint::parse).toList();
        }
    }

    /** Moving average of loss, accuracy and gap over {@code window} records, for a readable plot. */
    static List<MetricPoint> smooth(List<MetricPoint> points, int window) {
        List<MetricPoint> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            List<MetricPoint> w = points.subList(Math.max(0, i - window + 1), i + 1);
            MetricPoint p = points.get(i);
            out.add(new MetricPoint(p.model(), p.step(), p.steps(), p.examples(),
                    MetricsHistory.mean(w, MetricPoint::loss), MetricsHistory.mean(w, MetricPoint::perturbedLoss),
                    MetricsHistory.mean(w, MetricPoint::surrogateGap), MetricsHistory.accuracy(w),
                    p.fadingAccuracy(), p.kappa(), p.rho(), p.lr(),
                    p.examplesPerSecond(), p.skippedSteps(), p.timestampMs()));
        }
        return out;
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** {@code train} with symmetric label noise drawn for data seed {@code seed} ({@code train} itself at 0). */
    private static LabeledData noisy(LabeledData train, double rate, long seed) {
        LabelNoise.Corrupted c = LabelNoise.corrupt(train, rate, seed);
        if (rate > 0) {
            log(String.format(Locale.ROOT, "label noise %s, seed %d: %d of %d labels changed (%.4f)", rate, seed,
                    c.changed(), train.size(), c.changedFraction()));
        }
        return c.data();
    }

    private int[] evalPasses() {
        String s = opts.get("eval-passes").strip();
        int[] p = s.isEmpty() ? new int[0] : Arrays.stream(s.split(",")).map(String::strip)
                .mapToInt(Integer::parseInt).toArray();
        if (Arrays.stream(p).anyMatch(x -> x < 1 || x > Integer.parseInt(opts.get("passes")))) {
            throw new IllegalArgumentException("--eval-passes: each must be in [1, --passes], got " + s);
        }
        return p;
    }

    private double[] doubles(String key) {
        return Arrays.stream(opts.get(key).split(",")).map(String::strip).mapToDouble(Double::parseDouble).toArray();
    }

    /** mean ± sample standard deviation over the runs. */
    static String pm(List<RunResult> rs, java.util.function.ToDoubleFunction<RunResult> f, int digits) {
        double[] v = rs.stream().mapToDouble(f).toArray();
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        double std = v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%." + digits + "f ± %." + digits + "f", mean, std);
    }

    private void line(String s) {
        report.append(s).append('\n');
    }

    private static void log(String s) {
        System.err.println(s);
    }
}
