package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.gsamflink.operators.ModelSpec;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.gsamflink.benchmarks.ThroughputReport.log;
import static org.gsamflink.benchmarks.ThroughputReport.median;
import static org.gsamflink.benchmarks.ThroughputReport.f2;
import static org.gsamflink.benchmarks.ThroughputReport.f3;

/**
 * Throughput of the keyed GSAM training operator on a local Flink MiniCluster vs the bare optimizer loop
 * ({@code new Gsam(net, cfg)} and {@code step(DataSet)}) on the same in-memory minibatches: MLP 784-256-256-10,
 * GSAM α 0.1, ρ 0.05, Adam 1e-3, float32, minibatch 128, N steps cycling a pool of distinct batches, every run on a
 * fresh network from the same seed (the operator and the bare loop compute the very same losses, checked).
 *
 * <p>Variants:
 * <ul>
 *   <li>bare loop, building each step's DataSet from the float[]/int[] arrays as the operator must (the reference);</li>
 *   <li>bare loop on pre-built DataSets;</li>
 *   <li>the operator via {@code GsamTraining.train} (DataGeneratorSource → keyBy → operator → Sink V2), metrics every
 *       step; throughput from the times at which the metrics records reach the sink;</li>
 *   <li>the same with checkpoints every second (file system storage; size and cost per checkpoint reported);</li>
 *   <li>diagnostic (with {@code --diagnose}, or automatically when the target is missed): the operator chained to
 *       the source without the keyBy shuffle, plus single-operation costs of what the operator does per step.</li>
 * </ul>
 * Throughput counts the steps after the warm-up only ({@code 128 × k / time of those k steps}), which leaves out job
 * start-up and JIT warm-up. Interleaving: by default ({@code --block 20}) each variant runs against its own bare loop
 * in one run, 20 steps each in turn (the operator waits in its sink while this thread steps the bare loop), so both
 * see the same load of a shared machine; {@code --block 0} runs each variant as one continuous run instead (bare,
 * operator, bare, operator, …). Rounds rotate the order of the variants; the report gives medians over rounds.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.OperatorThroughputMain
 *     [--steps 600] [--warmup 100] [--rounds 3] [--block 20] [--pool 8] [--batch 128] [--checkpoint-ms 1000]
 *     [--skip-checkpoint] [--diagnose auto|true|false] [--diag-rounds 2] [--target 0.95] [--out FILE]
 *     [--quiet-wait 0] [--flink-conf 'key=value;key=value']
 * </pre>
 * {@code --quiet-wait S} waits up to S seconds before each run until other processes use under a quarter of a core;
 * {@code --flink-conf} adds Flink configuration to every job (e.g. {@code execution.buffer-timeout.interval=0ms}).
 * Options may also be given as {@code -Dbench.<option>=value}; command-line arguments win. The defaults take about
 * 3 minutes on a 2-core machine (4 with {@code --diagnose}). Exit status 0 (also when the target is missed), 2 for
 * bad arguments.
 *
 * <p>This class holds the options, the plan of a run and its findings; {@link ThroughputRounds} runs the variants,
 * {@link SingleOpCosts} times the single operations and {@link ThroughputReport} formats the report.
 */
public final class OperatorThroughputMain {

    private static final long NET_SEED = StepCostBenchmark.NET_SEED;
    static final long DATA_SEED = StepCostBenchmark.DATA_SEED;

    static final String BARE = "bare loop, DataSet from arrays";
    static final String BARE_PREBUILT = "bare loop, pre-built DataSets";
    static final String OPERATOR = "operator (GsamTraining.train, keyBy)";
    static final String OPERATOR_CKPT = "operator, checkpoint every %d ms";
    static final String OPERATOR_CHAINED = "operator chained to source, no keyBy (diagnostic)";
    static final String KAFKA_JOB = "full Kafka job (GsamJob: KafkaSource, decode, train, sinks)";

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("steps", "600");
        DEFAULTS.put("warmup", "100");
        DEFAULTS.put("rounds", "3");
        DEFAULTS.put("pool", "8");
        DEFAULTS.put("batch", String.valueOf(BatchPool.DEFAULT_BATCH_SIZE));
        DEFAULTS.put("checkpoint-ms", "1000");
        DEFAULTS.put("skip-checkpoint", "false");
        DEFAULTS.put("skip-kafka", "false");
        DEFAULTS.put("diagnose", "auto");
        DEFAULTS.put("diag-rounds", "2");
        DEFAULTS.put("target", "0.95");
        DEFAULTS.put("quiet-wait", "0");
        DEFAULTS.put("block", "20");
        DEFAULTS.put("flink-conf", "");
        DEFAULTS.put("out", "");
    }

    private static final String USAGE = "usage: java -cp benchmarks.jar " + OperatorThroughputMain.class.getName()
            + " [--option value ...] (or -Dbench.<option>=value); flags: --skip-checkpoint, --skip-kafka, --diagnose, --no-diagnose\n"
            + "options and defaults: " + DEFAULTS
            + "\n--diagnose auto = the chained-operator rounds and single-operation costs only when operator/bare misses"
            + " --target; --out FILE writes the Markdown report";

    private final Map<String, String> opts;
    private final ThroughputReport report = new ThroughputReport();
    private final int steps;
    private final int warmup;
    private final int batch;
    private final long checkpointMs;
    private final ModelSpec spec;
    private final ThroughputRounds rounds;

    OperatorThroughputMain(Map<String, String> opts) {
        this.opts = opts;
        this.steps = intOpt("steps");
        this.warmup = intOpt("warmup");
        this.batch = intOpt("batch");
        this.checkpointMs = intOpt("checkpoint-ms");
        MultiLayerConfiguration conf = BenchModel.MLP.configuration(NET_SEED);
        this.spec = ModelSpec.builder().network(conf).numFeatures(BenchModel.INPUTS).numClasses(BenchModel.CLASSES)
                .alpha(StepVariant.ALPHA).rho("constant:" + StepVariant.RHO).batchSize(batch).build();
        this.rounds = new ThroughputRounds(spec, steps, warmup, intOpt("block"), checkpointMs, intOpt("quiet-wait"));
    }

    /** The operator's model spec; the bare loop builds its network and optimizer from it too. */
    ModelSpec spec() {
        return spec;
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
        new OperatorThroughputMain(opts).run();
        // ND4J and Flink leave non-daemon threads behind.
        System.exit(0);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> o = BenchOptions.parse(args, DEFAULTS, USAGE,
                key -> key.equals("skip-checkpoint") || key.equals("skip-kafka") || key.equals("diagnose"), "diagnose");
        for (String k : List.of("steps", "warmup", "rounds", "pool", "batch", "checkpoint-ms", "diag-rounds",
                "quiet-wait", "block")) {
            int v;
            try {
                v = Integer.parseInt(o.get(k).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + k + " must be an integer, got " + o.get(k));
            }
            int min = k.equals("quiet-wait") || k.equals("block") ? 0 : 1;
            if (v < min) {
                throw new IllegalArgumentException("--" + k + " must be >= " + min + ", got " + v);
            }
        }
        int steps = Integer.parseInt(o.get("steps").trim());
        int warmup = Integer.parseInt(o.get("warmup").trim());
        if (warmup >= steps - 1) {
            throw new IllegalArgumentException("--warmup must be < --steps - 1, got " + warmup + " and " + steps);
        }
        int block = Integer.parseInt(o.get("block").trim());
        if (block > 0 && (steps % block != 0 || warmup % block != 0)) {
            throw new IllegalArgumentException("--steps and --warmup must be multiples of --block (0 = continuous runs),"
                    + " got " + steps + ", " + warmup + " and " + block);
        }
        flinkConf(o.get("flink-conf"));
        String d = o.get("diagnose").trim();
        if (!d.equals("auto") && !d.equals("true") && !d.equals("false")) {
            throw new IllegalArgumentException("--diagnose must be auto, true or false, got " + d);
        }
        try {
            Double.parseDouble(o.get("target"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target must be a number, got " + o.get("target"));
        }
        return o;
    }

    /** {@code key=value;key=value} → a map of Flink configuration entries. */
    static Map<String, String> flinkConf(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.split(";")) {
            if (kv.isBlank()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--flink-conf takes key=value pairs separated by ';', got " + kv);
            }
            m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return m;
    }

    private int intOpt(String k) {
        return Integer.parseInt(opts.get(k).trim());
    }

    private boolean boolOpt(String k) {
        return Boolean.parseBoolean(opts.get(k).trim());
    }

    /** Builds the shared pool (arrays for the generator and the bare loop, DataSets for the pre-built variant). */
    void preparePool() {
        rounds.preparePool(intOpt("pool"), batch, flinkConf(opts.get("flink-conf")));
    }

    /** A continuous bare-loop run (all steps at once). */
    ThroughputRun runBare(String variant, int round, boolean prebuiltBatches) {
        return rounds.runBare(variant, round, prebuiltBatches);
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        double target = Double.parseDouble(opts.get("target"));
        String diagnose = opts.get("diagnose").trim();
        int block = intOpt("block");
        String ckptName = String.format(Locale.ROOT, OPERATOR_CKPT, checkpointMs);
        log("== environment");
        String env = environment();
        log(env);
        preparePool();

        Map<String, ThroughputRounds.PairTask> tasks = new LinkedHashMap<>();
        if (block == 0) {
            tasks.put(BARE, r -> new ThroughputRounds.Pair(rounds.runBare(BARE, r, false), null));
        }
        tasks.put(OPERATOR, rounds.job(OPERATOR, OperatorJob.Wiring.KEYED));
        tasks.put(BARE_PREBUILT, rounds.prebuiltVsArrays());
        if (!boolOpt("skip-kafka")) {
            tasks.put(KAFKA_JOB, rounds.job(KAFKA_JOB, OperatorJob.Wiring.KAFKA));
        }
        if (!boolOpt("skip-checkpoint")) {
            tasks.put(ckptName, rounds.job(ckptName, OperatorJob.Wiring.KEYED_CHECKPOINTED));
        }
        if (diagnose.equals("true")) {
            tasks.put(OPERATOR_CHAINED, rounds.job(OPERATOR_CHAINED, OperatorJob.Wiring.CHAINED));
        }
        log(String.format(Locale.ROOT, "== %d rounds of %s; %d steps each (%d warm-up), pool of %d batches of %d; %s",
                intOpt("rounds"), tasks.keySet(), steps, warmup, intOpt("pool"), batch, interleaving()));
        ThroughputRounds.Results res = rounds.interleave(tasks, intOpt("rounds"), 0);

        double ratio = res.ratio(OPERATOR);
        boolean met = ratio >= target;

        report.line("## GSAM operator throughput vs the bare optimizer loop (MLP 784-256-256-10, minibatch " + batch
                + ", CPU, float32, GSAM α " + StepVariant.ALPHA + " ρ " + StepVariant.RHO + ", Adam "
                + BenchModel.ADAM_LR + ")");
        report.line("");
        report.line("Environment: " + env);
        report.line("");
        report.line(String.format(Locale.ROOT, "%d steps per run over a pool of %d distinct batches; throughput over the last"
                        + " %d steps (after %d warm-up steps); %d rounds, the order rotating; medians over rounds. %s.",
                steps, intOpt("pool"), steps - warmup, warmup, intOpt("rounds"), interleaving()));
        report.line("");
        report.table(res);
        report.line("");
        ThroughputRun bare0 = res.refs().get(OPERATOR).get(0);
        report.line(String.format(Locale.ROOT, "Same computation check: max |loss difference| per step, operator vs bare loop"
                        + " (round 1): %.3g; pre-built vs arrays: %.3g.",
                res.runs().get(OPERATOR).get(0).maxLossDiff(bare0),
                res.runs().get(BARE_PREBUILT).get(0).maxLossDiff(res.refs().get(BARE_PREBUILT).get(0))));
        if (res.runs().containsKey(ckptName)) {
            List<ThroughputRun> ck = res.runs().get(ckptName);
            double bytes = median(ck, ThroughputRun::meanCheckpointBytes);
            double extra = median(ck, ThroughputRun::extraMsPerCheckpoint);
            long params = spec.newNetwork().numParams();
            report.line(String.format(Locale.ROOT, "Checkpoints: %s in the measured windows; completed checkpoint size %s"
                            + " (parameters %d × 4 B = %.2f MB, plus Adam's two moments: 3 × that); extra time of a"
                            + " step during which a checkpoint passed: %s ms (median over runs).",
                    ck.stream().map(r -> String.valueOf(r.checkpointsInWindow())).reduce((x, y) -> x + "/" + y)
                            .orElse("-"),
                    Double.isFinite(bytes) ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6) : "n/a", params,
                    params * 4 / 1e6, f2(extra)));
        }
        List<ThroughputRun> all = new ArrayList<>();
        res.runs().values().forEach(all::addAll);
        report.line(String.format(Locale.ROOT, "Noise: other processes used %.2f CPU cores on average during the measured"
                        + " windows (median over all runs; max %.2f).",
                median(all, ThroughputRun::foreignCores),
                all.stream().mapToDouble(ThroughputRun::foreignCores).filter(Double::isFinite).max().orElse(Double.NaN)));
        for (Map.Entry<String, Map<String, Double>> e : OperatorJob.THREAD_CPU.entrySet()) {
            report.line("CPU per step by thread group, " + e.getKey() + " (last round): " + ThreadCpu.format(e.getValue())
                    + ".");
        }
        report.line("");
        if (res.runs().containsKey(ckptName)) {
            report.line(String.format(Locale.ROOT, "operator with checkpoints every %d ms / bare loop: %.2f", checkpointMs,
                    res.ratio(ckptName)));
        }
        report.line(String.format(Locale.ROOT, "operator / bare loop: %.2f  target >= %s: %s", ratio, opts.get("target"),
                met ? "MET" : "NOT MET"));
        if (res.runs().containsKey(KAFKA_JOB)) {
            double kafka = res.ratio(KAFKA_JOB);
            report.line(String.format(Locale.ROOT, "full Kafka job / bare loop: %.2f  target >= %s: %s (max |loss difference|"
                            + " per step vs the bare loop, round 1: %.3g)", kafka, opts.get("target"),
                    kafka >= target ? "MET" : "NOT MET",
                    res.runs().get(KAFKA_JOB).get(0).maxLossDiff(res.refs().get(KAFKA_JOB).get(0))));
        }
        report.line("");

        boolean diag = diagnose.equals("true") || (diagnose.equals("auto") && !met);
        if (diag) {
            diagnose(res);
        }
        log(String.format(Locale.ROOT, "== done in %.0f s", (System.nanoTime() - t0) / 1e9));
        BenchOptions.writeReport(opts.get("out"), report.text());
    }

    private String interleaving() {
        int block = intOpt("block");
        return block == 0 ? "Each variant is one continuous run per round; the bare loop is its own run"
                : "Each variant alternates " + block + "-step blocks with its own bare loop (DataSets from arrays) in"
                + " one run, so both see the same machine load; a block's time runs from its release to its last"
                + " step's end";
    }

    /** Where the operator's time goes: the chained (no shuffle) job, and the single per-step operations. */
    private void diagnose(ThroughputRounds.Results main) throws Exception {
        ThroughputRounds.Results res;
        if (main.runs().containsKey(OPERATOR_CHAINED)) {
            res = main;
        } else {
            log("== diagnostic rounds: the operator with and without the keyBy shuffle");
            Map<String, ThroughputRounds.PairTask> tasks = new LinkedHashMap<>();
            if (intOpt("block") == 0) {
                tasks.put(BARE, r -> new ThroughputRounds.Pair(rounds.runBare(BARE, r, false), null));
            }
            tasks.put(OPERATOR_CHAINED, rounds.job(OPERATOR_CHAINED, OperatorJob.Wiring.CHAINED));
            tasks.put(OPERATOR, rounds.job(OPERATOR, OperatorJob.Wiring.KEYED));
            res = rounds.interleave(tasks, intOpt("diag-rounds"), intOpt("rounds"));
            report.line("### Diagnostic rounds (" + intOpt("diag-rounds") + " more rounds)");
            report.line("");
            report.table(res);
            report.line("");
        }
        double keyed = res.ratio(OPERATOR);
        double chained = res.ratio(OPERATOR_CHAINED);
        double bareMs = median(res.refs().get(OPERATOR), ThroughputRun::msPerStep);
        report.line(String.format(Locale.ROOT, "keyBy shuffle: chained/bare %.3f, keyBy/bare %.3f → the shuffle costs ≈ %.1f%%"
                        + " of a bare step (%.3f ms of %.3f); everything else the operator adds ≈ %.1f%% (ratios of"
                        + " medians on a noisy machine: differences of a few %% are within noise).",
                chained, keyed, 100 * (1 / keyed - 1 / chained), bareMs * (1 / keyed - 1 / chained), bareMs,
                100 * (1 / chained - 1)));
        report.line("");
        report.line("Time per step outside Gsam.step (receiving and deserialising the record, validation, DataSet, metrics;"
                + " for the bare loop: the DataSet), ms, medians over runs of each run's quantiles:");
        report.line("");
        report.line("| variant | p50 | p90 | p99 | max | mean |");
        report.line("|---|---:|---:|---:|---:|---:|");
        for (String v : List.of(BARE, OPERATOR_CHAINED, OPERATOR)) {
            List<ThroughputRun> rs = v.equals(BARE) ? res.refs().get(OPERATOR) : res.runs().get(v);
            report.line("| " + v + " | " + f3(median(rs, r -> r.outsideStep().median())) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(0.9))) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(0.99))) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(1.0))) + " | "
                    + f3(median(rs, ThroughputRun::meanOutsideStepMs)) + " |");
        }
        report.line("");
        log("== single operations of one step (median of 200 after 50 warm-up)");
        report.singleOperations(SingleOpCosts.measure(spec, batch, rounds.prebuilt()));
    }

    private static String environment() {
        return String.format(Locale.ROOT, "java %s, %d CPUs, OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, ND4J backend %s,"
                        + " Flink configuration %s", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"), Nd4j.getBackend().getClass().getSimpleName(),
                OperatorJob.extraConfiguration.isEmpty() ? "defaults" : OperatorJob.extraConfiguration);
    }


}
