package org.gsamflink.benchmarks;

import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Step cost of GSAM vs DL4J {@code fit}: runs {@link StepCostBenchmark} through JMH (one fork), then the
 * {@link InterleavedStepTimer} in this JVM, prints a Markdown table and the GSAM/fit ratio against the target, and,
 * when the MLP misses the target (or with {@code --breakdown}), a {@link StepBreakdown} of the GSAM step.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar [--models mlp,cnn] [--out FILE] [--raw CSV] [--skip-jmh] [--skip-interleaved]
 *     [--jmh-warmup-iterations 3] [--jmh-warmup-time 2] [--jmh-iterations 5] [--jmh-time 2]
 *     [--mlp-warmup 150] [--mlp-rounds 300] [--cnn-warmup 8] [--cnn-rounds 40]
 *     [--breakdown | --no-breakdown] [--breakdown-rounds 200] [--target 1.8]
 * </pre>
 * Every option can also be given as a system property {@code -Dbench.<option>=value} (e.g.
 * {@code -Dbench.mlp-rounds=400}); command-line arguments win. Times are in seconds. The defaults take about
 * 3–4 minutes on a 2-core machine. Exit status: 0 (also when the target is missed), 2 for bad arguments.
 */
public final class StepCostMain {

    private static final long NET_SEED = StepCostBenchmark.NET_SEED;
    private static final long DATA_SEED = StepCostBenchmark.DATA_SEED;
    private static final List<StepVariant> VARIANTS = List.of(StepVariant.FIT, StepVariant.SAM, StepVariant.GSAM,
            StepVariant.GSAM_K5);

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("models", "mlp,cnn");
        DEFAULTS.put("out", "");
        DEFAULTS.put("raw", "");
        DEFAULTS.put("skip-jmh", "false");
        DEFAULTS.put("skip-interleaved", "false");
        DEFAULTS.put("jmh-warmup-iterations", "3");
        DEFAULTS.put("jmh-warmup-time", "2");
        DEFAULTS.put("jmh-iterations", "5");
        DEFAULTS.put("jmh-time", "2");
        DEFAULTS.put("mlp-warmup", "150");
        DEFAULTS.put("mlp-rounds", "300");
        DEFAULTS.put("cnn-warmup", "8");
        DEFAULTS.put("cnn-rounds", "40");
        DEFAULTS.put("breakdown", "auto");
        DEFAULTS.put("breakdown-rounds", "200");
        DEFAULTS.put("target", "1.8");
    }

    private static final String USAGE = "usage: java -jar benchmarks.jar [--option value ...]"
            + " (or -Dbench.<option>=value); flags: --skip-jmh, --skip-interleaved, --breakdown, --no-breakdown\n"
            + "options and defaults: " + DEFAULTS
            + "\n--breakdown auto = only when GSAM/fit on the MLP misses --target; --out FILE writes the Markdown"
            + " report; --raw FILE writes every interleaved step time as CSV";

    private final Map<String, String> opts;
    private final StringBuilder report = new StringBuilder();

    private StepCostMain(Map<String, String> opts) {
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        new StepCostMain(opts).run();
        // ND4J leaves non-daemon threads behind on some platforms.
        System.exit(0);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> o = BenchOptions.parse(args, DEFAULTS, USAGE,
                key -> key.startsWith("skip-") || key.equals("breakdown"), "breakdown");
        for (String k : List.of("jmh-warmup-iterations", "jmh-warmup-time", "jmh-iterations", "jmh-time",
                "mlp-warmup", "mlp-rounds", "cnn-warmup", "cnn-rounds", "breakdown-rounds")) {
            int v;
            try {
                v = Integer.parseInt(o.get(k).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + k + " must be an integer, got " + o.get(k));
            }
            boolean mayBeZero = k.contains("warmup");
            if (v < (mayBeZero ? 0 : 1)) {
                throw new IllegalArgumentException("--" + k + " must be >= " + (mayBeZero ? 0 : 1) + ", got " + v);
            }
        }
        try {
            Double.parseDouble(o.get("target"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target must be a number, got " + o.get("target"));
        }
        for (String m : o.get("models").split(",")) {
            try {
                BenchModel.of(m);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown model " + m + " (mlp, cnn)");
            }
        }
        return o;
    }

    private int intOpt(String k) {
        return Integer.parseInt(opts.get(k).trim());
    }

    private boolean boolOpt(String k) {
        return Boolean.parseBoolean(opts.get(k).trim());
    }

    private void run() throws RunnerException, IOException {
        List<BenchModel> models = new ArrayList<>();
        for (String m : opts.get("models").split(",")) {
            models.add(BenchModel.of(m));
        }
        double target = Double.parseDouble(opts.get("target"));
        long t0 = System.nanoTime();

        // 1. JMH first, in its own fork, while this JVM has not loaded ND4J yet (no idle native threads around).
        Map<String, double[]> jmh = boolOpt("skip-jmh") ? Map.of() : runJmh(models);

        // 2. Interleaved rounds in this JVM.
        log("== environment");
        String env = environment();
        log(env);
        Map<BenchModel, InterleavedStepTimer.Result> inter = new LinkedHashMap<>();
        if (!boolOpt("skip-interleaved")) {
            log("== interleaved steps (round-robin fit/sam/gsam, rotating order, one network per variant)");
            BatchPool pool = BatchPool.standard(DATA_SEED);
            for (BenchModel m : models) {
                inter.put(m, InterleavedStepTimer.run(m, VARIANTS, intOpt(m.id() + "-warmup"),
                        intOpt(m.id() + "-rounds"), pool, NET_SEED, StepCostMain::log));
            }
        }

        String raw = opts.get("raw").trim();
        if (!raw.isEmpty() && !inter.isEmpty()) {
            writeRaw(Path.of(raw), inter.values());
        }

        // 3. Table and verdicts.
        line("## GSAM step cost vs DL4J fit (minibatch " + BatchPool.DEFAULT_BATCH_SIZE + ", CPU, float32, Adam)");
        line("");
        line("Environment: " + env.replace('\n', ';'));
        line("");
        line("| model | variant | interleaved median ms/step | IQR ms | mean ms | ratio to fit (medians)"
                + " | paired ratio to fit | JMH ms/op ± 99.9% CI | JMH ratio to fit |");
        line("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (BenchModel m : models) {
            InterleavedStepTimer.Result r = inter.get(m);
            double[] jmhFit = jmh.get(key(m, StepVariant.FIT));
            for (StepVariant v : VARIANTS) {
                double[] j = jmh.get(key(m, v));
                String med = "n/a", iqr = "n/a", mean = "n/a", ratio = "n/a", paired = "n/a";
                if (r != null) {
                    Samples s = r.samples(v);
                    med = f3(s.median());
                    iqr = f3(s.p25()) + "–" + f3(s.p75());
                    mean = f3(s.mean());
                    ratio = f2(r.medianRatio(v, StepVariant.FIT)) + "x";
                    paired = f2(r.pairedRatioMedian(v, StepVariant.FIT)) + "x";
                }
                String js = j == null ? "n/a" : f3(j[0]) + " ± " + f3(j[1]);
                String jr = j == null || jmhFit == null ? "n/a" : f2(j[0] / jmhFit[0]) + "x";
                line("| " + m.id() + " | " + v.id() + " | " + med + " | " + iqr + " | " + mean + " | " + ratio
                        + " | " + paired + " | " + js + " | " + jr + " |");
            }
        }
        line("");
        if (!inter.isEmpty()) {
            InterleavedStepTimer.Result any = inter.values().iterator().next();
            line("Interleaved: " + inter.values().stream()
                    .map(r -> r.model().id() + " " + r.warmupRounds() + " warm-up + " + r.rounds() + " rounds")
                    .reduce((a, b) -> a + ", " + b).orElse("") + " of " + any.variants().size()
                    + " steps each. JMH: 1 fork, " + opts.get("jmh-warmup-iterations") + "×" + opts.get("jmh-warmup-time")
                    + " s warm-up, " + opts.get("jmh-iterations") + "×" + opts.get("jmh-time") + " s measurement.");
            line("");
        }
        boolean missed = false;
        for (BenchModel m : models) {
            for (StepVariant v : List.of(StepVariant.SAM, StepVariant.GSAM)) {
                double ratio;
                String source;
                InterleavedStepTimer.Result r = inter.get(m);
                if (r != null) {
                    ratio = r.medianRatio(v, StepVariant.FIT);
                    source = "interleaved medians; paired " + f2(r.pairedRatioMedian(v, StepVariant.FIT)) + "x";
                } else if (jmh.containsKey(key(m, v)) && jmh.containsKey(key(m, StepVariant.FIT))) {
                    ratio = jmh.get(key(m, v))[0] / jmh.get(key(m, StepVariant.FIT))[0];
                    source = "JMH";
                } else {
                    continue;
                }
                if (jmh.containsKey(key(m, v)) && jmh.containsKey(key(m, StepVariant.FIT)) && r != null) {
                    source += ", JMH " + f2(jmh.get(key(m, v))[0] / jmh.get(key(m, StepVariant.FIT))[0]) + "x";
                }
                boolean met = ratio <= target;
                if (v == StepVariant.GSAM && m == BenchModel.MLP && !met) {
                    missed = true;
                }
                line(String.format(Locale.ROOT, "%s/fit ratio (%s): %.2fx  target <= %sx: %s   (%s)",
                        v.name(), m.id(), ratio, opts.get("target"), met ? "MET" : "NOT MET", source));
            }
        }
        line("");

        // 4. Breakdown when the MLP misses the target, or on request.
        String bd = opts.get("breakdown").trim();
        boolean breakdown = bd.equals("auto") ? missed : Boolean.parseBoolean(bd);
        if (breakdown) {
            log("== breakdown of the GSAM step (instrumented replica, interleaved with the real steps)");
            BatchPool pool = BatchPool.standard(DATA_SEED);
            BenchModel m = models.contains(BenchModel.MLP) ? BenchModel.MLP : models.get(0);
            int rounds = intOpt("breakdown-rounds");
            StepBreakdown.Result b = StepBreakdown.run(m, Math.max(10, rounds / 2), rounds, pool, NET_SEED,
                    StepCostMain::log);
            printBreakdown(b);
            long len = m.build(NET_SEED).numParams();
            line("### Single vector operations on " + len + " float32 values (median of 400, ms)");
            line("");
            line("| operation | median ms | IQR ms |");
            line("|---|---:|---:|");
            VectorOpCosts.measure(len, 50, 400).forEach((name, s) ->
                    line("| " + name + " | " + f3(s.median()) + " | " + f3(s.p25()) + "–" + f3(s.p75()) + " |"));
            line("");
        }
        log(String.format("== done in %.0f s", (System.nanoTime() - t0) / 1e9));
        BenchOptions.writeReport(opts.get("out"), report);
    }

    private void printBreakdown(StepBreakdown.Result b) {
        double fit = b.realFit().median();
        double gsam = b.realGsam().median();
        StepBreakdown.Flavour asIs = StepBreakdown.Flavour.GSAM_AS_IS;
        StepBreakdown.Flavour tuned = StepBreakdown.Flavour.GSAM_TUNED;
        StepBreakdown.Flavour fitR = StepBreakdown.Flavour.FIT;
        line("### Breakdown of one step (" + b.model().id() + ", medians of " + b.rounds()
                + " interleaved rounds, ms; ×fit = / median of the real fit step)");
        line("");
        line("| phase | " + asIs.label() + " | ×fit | " + tuned.label() + " | ×fit | " + fitR.label() + " |");
        line("|---|---:|---:|---:|---:|---:|");
        for (StepBreakdown.Phase p : StepBreakdown.Phase.values()) {
            line("| " + p.label() + " | " + cell(b.phase(asIs, p), fit) + " | " + cell(b.phase(tuned, p), fit)
                    + " | " + cell(b.phase(fitR, p), Double.NaN) + " |");
        }
        line("| **replica total** (sum of phases per step) | " + cell(b.total(asIs), fit) + " | "
                + cell(b.total(tuned), fit) + " | " + cell(b.total(fitR), Double.NaN) + " |");
        line("| real step (Gsam.step / net.fit) | " + f3(gsam) + " | " + f2(gsam / fit) + " | – | – | " + f3(fit)
                + " |");
        line("");
        line("Replica check, max |w_real − w_replica| after all rounds: " + b.maxParamDiffToRealStep().entrySet()
                .stream().map(e -> e.getKey().label() + " " + String.format(Locale.ROOT, "%.2e", e.getValue()))
                .reduce((x, y) -> x + ", " + y).orElse("") + " (0 = bit-identical to the real step; the BLAS"
                + " replica's norms round differently — ND4J's float norm2 is off by ~1e-5 relative — and Adam"
                + " amplifies that over the rounds on random labels).");
        line("");
        double clean = b.median(asIs, StepBreakdown.Phase.CLEAN_PASS);
        double pert = b.median(asIs, StepBreakdown.Phase.PERTURBED_PASS);
        double capture = b.median(asIs, StepBreakdown.Phase.CAPTURE);
        double vec = vectorOps(b, asIs);
        double vecTuned = vectorOps(b, tuned);
        double upd = b.median(asIs, StepBreakdown.Phase.UPDATER) + b.median(asIs, StepBreakdown.Phase.APPLY);
        double half = b.halfBatchPass().median();
        double tunedRatio = b.total(tuned).median() / b.total(asIs).median() * gsam / fit;
        line("Derived (ms; ratios to the real fit step, " + f3(fit) + " ms):");
        line("- two forward-backward passes: " + f3(clean + pert) + " (" + f2((clean + pert) / fit) + "x); "
                + "the one pass of the fit replica: " + f3(b.median(fitR, StepBreakdown.Phase.CLEAN_PASS)));
        line("- GSAM's vector ops (norms, copies, ascent, restore, dot, combine): " + f3(vec) + " ("
                + f2(vec / fit) + "x); with BLAS nrm2 + scal: " + f3(vecTuned) + " (" + f2(vecTuned / fit)
                + "x); prediction capture: " + f3(capture) + " (" + f2(capture / fit) + "x)");
        line("- updater + apply (paid once by both): " + f3(upd) + " (" + f2(upd / fit) + "x)");
        line("- floor, two passes + updater only: " + f2((clean - capture + pert + upd) / fit) + "x");
        line("- GSAM/fit with BLAS nrm2 + scal (real GSAM × tuned/as-is replica totals): ≈ " + f2(tunedRatio) + "x");
        line("- what-if perturbed pass on 64 of 128 examples (pass " + f3(half) + "): ≈ "
                + f2((gsam - pert + half) / fit) + "x");
        line("- what-if sharpness-aware step every 2nd step (plain step in between): ≈ "
                + f2((gsam + fit) / 2 / fit) + "x on average");
        line("");
    }

    private static double vectorOps(StepBreakdown.Result b, StepBreakdown.Flavour f) {
        return b.median(f, StepBreakdown.Phase.CLEAN_VECTOR_OPS) + b.median(f, StepBreakdown.Phase.ASCENT)
                + b.median(f, StepBreakdown.Phase.PERTURBED_VECTOR_OPS) + b.median(f, StepBreakdown.Phase.COMBINE);
    }

    private static String cell(Samples s, double fit) {
        if (s == null) {
            return Double.isNaN(fit) ? "–" : "– | –";
        }
        return Double.isNaN(fit) ? f3(s.median()) : f3(s.median()) + " | " + f2(s.median() / fit);
    }

    /** Every interleaved step time as CSV: model,round,position,variant,ms (position = order within the round). */
    private static void writeRaw(Path p, Collection<InterleavedStepTimer.Result> results) throws IOException {
        StringBuilder sb = new StringBuilder("model,round,position,variant,ms\n");
        for (InterleavedStepTimer.Result r : results) {
            int k = r.variants().size();
            for (int round = 0; round < r.rounds(); round++) {
                for (int j = 0; j < k; j++) {
                    StepVariant v = r.variants().get((round + j) % k);
                    sb.append(r.model().id()).append(',').append(round).append(',').append(j).append(',')
                            .append(v.id()).append(',')
                            .append(String.format(Locale.ROOT, "%.4f", r.nanos().get(v)[round] / 1e6)).append('\n');
                }
            }
        }
        if (p.getParent() != null) {
            Files.createDirectories(p.getParent());
        }
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
        log("raw interleaved timings written to " + p.toAbsolutePath());
    }

    private Map<String, double[]> runJmh(List<BenchModel> models) throws RunnerException {
        log("== JMH (" + StepCostBenchmark.class.getSimpleName() + ", 1 fork, variants one after the other)");
        String[] modelIds = models.stream().map(BenchModel::id).toArray(String[]::new);
        String[] variantIds = VARIANTS.stream().map(StepVariant::id).toArray(String[]::new);
        Options options = new OptionsBuilder()
                .include("\\Q" + StepCostBenchmark.class.getName() + "\\E")
                .param("model", modelIds)
                .param("variant", variantIds)
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.MILLISECONDS)
                .threads(1)
                .forks(1)
                .warmupIterations(intOpt("jmh-warmup-iterations"))
                .warmupTime(TimeValue.seconds(intOpt("jmh-warmup-time")))
                .measurementIterations(intOpt("jmh-iterations"))
                .measurementTime(TimeValue.seconds(intOpt("jmh-time")))
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, double[]> out = new HashMap<>();
        for (RunResult rr : results) {
            String m = rr.getParams().getParam("model");
            String v = rr.getParams().getParam("variant");
            Result<?> pr = rr.getPrimaryResult();
            out.put(m + "/" + v, new double[] {pr.getScore(), pr.getScoreError()});
        }
        return out;
    }

    private static String key(BenchModel m, StepVariant v) {
        return m.id() + "/" + v.id();
    }

    private static String environment() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        Map<String, String> shown = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            shown.put(k, p.getProperty(k));
        }
        return String.format(Locale.ROOT, "java %s, %d CPUs, OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, ND4J %s",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"), shown);
    }

    private void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }

    private static void log(String s) {
        System.out.println(s);
        System.out.flush();
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
