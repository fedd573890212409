package org.gsamflink.benchmarks;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelState;
import org.gsamflink.operators.ModelStateSerializer;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.Gsam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

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
 */
public final class OperatorThroughputMain {

    private static final long NET_SEED = StepCostBenchmark.NET_SEED;
    private static final long DATA_SEED = StepCostBenchmark.DATA_SEED;

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
    private final StringBuilder report = new StringBuilder();
    private final int steps;
    private final int warmup;
    private final int batch;
    private final long checkpointMs;
    private final ModelSpec spec;
    private DataSet[] prebuilt;

    OperatorThroughputMain(Map<String, String> opts) {
        this.opts = opts;
        this.steps = intOpt("steps");
        this.warmup = intOpt("warmup");
        this.batch = intOpt("batch");
        this.checkpointMs = intOpt("checkpoint-ms");
        MultiLayerConfiguration conf = BenchModel.MLP.configuration(NET_SEED);
        this.spec = ModelSpec.builder().network(conf).numFeatures(BenchModel.INPUTS).numClasses(BenchModel.CLASSES)
                .alpha(StepVariant.ALPHA).rho("constant:" + StepVariant.RHO).batchSize(batch).build();
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
        OperatorJob.extraConfiguration = flinkConf(opts.get("flink-conf"));
        prebuilt = OperatorJob.usePool(BatchPool.random(intOpt("pool"), batch, DATA_SEED));
    }

    /** A continuous bare-loop run (all steps at once). */
    ThroughputRun runBare(String variant, int round, boolean prebuiltBatches) {
        try (BareLoop loop = bareLoop(variant, round, prebuiltBatches, 0)) {
            return loop.runAll();
        }
    }

    private BareLoop bareLoop(String variant, int round, boolean prebuiltBatches, int block) {
        return new BareLoop(variant, round, spec, OperatorJob.features, OperatorJob.labels,
                prebuiltBatches ? prebuilt : null, steps, warmup, block);
    }

    /**
     * A variant's run and the bare-loop run it alternated with (block mode); null in continuous mode, where a variant
     * is compared with the separate bare-loop runs of the same rounds.
     */
    record Pair(ThroughputRun run, ThroughputRun reference) {}

    private interface PairTask {
        Pair run(int round) throws Exception;
    }

    /** A job of the given wiring, continuous or alternating K-step blocks with a bare loop (DataSets from arrays). */
    private PairTask job(String name, OperatorJob.Wiring wiring) {
        int block = intOpt("block");
        long ckpt = wiring == OperatorJob.Wiring.KEYED_CHECKPOINTED ? checkpointMs : 0;
        if (block == 0) {
            return r -> new Pair(OperatorJob.run(name, r, wiring, spec, steps, warmup, ckpt, 0, null), null);
        }
        return r -> {
            try (BareLoop bare = bareLoop(BARE, r, false, block)) {
                ThroughputRun op = OperatorJob.run(name, r, wiring, spec, steps, warmup, ckpt, block, bare);
                return new Pair(op, bare.result());
            }
        };
    }

    /** The bare loop on pre-built DataSets, alternating K-step blocks with the one that builds them (block mode). */
    private PairTask prebuiltVsArrays() {
        int block = intOpt("block");
        if (block == 0) {
            return r -> new Pair(runBare(BARE_PREBUILT, r, true), null);
        }
        return r -> {
            try (BareLoop pre = bareLoop(BARE_PREBUILT, r, true, block);
                 BareLoop bare = bareLoop(BARE, r, false, block)) {
                for (int b = 0; b < steps / block; b++) {
                    pre.runBlock(b);
                    bare.runBlock(b);
                }
                return new Pair(pre.result(), bare.result());
            }
        };
    }

    /**
     * Runs and their bare-loop references per variant; the bare loop's row first. {@code paired}: each run has its
     * own reference run, taken at the same time (block mode).
     */
    record Results(Map<String, List<ThroughputRun>> runs, Map<String, List<ThroughputRun>> refs, boolean paired) {

        /**
         * Throughput relative to the bare loop: with paired runs the median over rounds of (run / its own bare loop),
         * otherwise median(run) / median(bare loop) over the rounds.
         */
        double ratio(String variant) {
            List<ThroughputRun> rs = runs.get(variant);
            List<ThroughputRun> ref = refs.get(variant);
            if (!paired) {
                return ThroughputRun.medianExamplesPerSecond(rs) / ThroughputRun.medianExamplesPerSecond(ref);
            }
            return new Samples(pairedRatios(rs, ref)).median();
        }

        static double[] pairedRatios(List<ThroughputRun> rs, List<ThroughputRun> ref) {
            double[] r = new double[Math.min(rs.size(), ref.size())];
            for (int i = 0; i < r.length; i++) {
                r[i] = rs.get(i).examplesPerSecond() / ref.get(i).examplesPerSecond();
            }
            return r;
        }
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

        Map<String, PairTask> tasks = new LinkedHashMap<>();
        if (block == 0) {
            tasks.put(BARE, r -> new Pair(runBare(BARE, r, false), null));
        }
        tasks.put(OPERATOR, job(OPERATOR, OperatorJob.Wiring.KEYED));
        tasks.put(BARE_PREBUILT, prebuiltVsArrays());
        if (!boolOpt("skip-kafka")) {
            tasks.put(KAFKA_JOB, job(KAFKA_JOB, OperatorJob.Wiring.KAFKA));
        }
        if (!boolOpt("skip-checkpoint")) {
            tasks.put(ckptName, job(ckptName, OperatorJob.Wiring.KEYED_CHECKPOINTED));
        }
        if (diagnose.equals("true")) {
            tasks.put(OPERATOR_CHAINED, job(OPERATOR_CHAINED, OperatorJob.Wiring.CHAINED));
        }
        log(String.format(Locale.ROOT, "== %d rounds of %s; %d steps each (%d warm-up), pool of %d batches of %d; %s",
                intOpt("rounds"), tasks.keySet(), steps, warmup, intOpt("pool"), batch, interleaving()));
        Results res = interleave(tasks, intOpt("rounds"), 0);

        double ratio = res.ratio(OPERATOR);
        boolean met = ratio >= target;

        line("## GSAM operator throughput vs the bare optimizer loop (MLP 784-256-256-10, minibatch " + batch
                + ", CPU, float32, GSAM α " + StepVariant.ALPHA + " ρ " + StepVariant.RHO + ", Adam "
                + BenchModel.ADAM_LR + ")");
        line("");
        line("Environment: " + env);
        line("");
        line(String.format(Locale.ROOT, "%d steps per run over a pool of %d distinct batches; throughput over the last"
                        + " %d steps (after %d warm-up steps); %d rounds, the order rotating; medians over rounds. %s.",
                steps, intOpt("pool"), steps - warmup, warmup, intOpt("rounds"), interleaving()));
        line("");
        table(res);
        line("");
        ThroughputRun bare0 = res.refs().get(OPERATOR).get(0);
        line(String.format(Locale.ROOT, "Same computation check: max |loss difference| per step, operator vs bare loop"
                        + " (round 1): %.3g; pre-built vs arrays: %.3g.",
                res.runs().get(OPERATOR).get(0).maxLossDiff(bare0),
                res.runs().get(BARE_PREBUILT).get(0).maxLossDiff(res.refs().get(BARE_PREBUILT).get(0))));
        if (res.runs().containsKey(ckptName)) {
            List<ThroughputRun> ck = res.runs().get(ckptName);
            double bytes = median(ck, ThroughputRun::meanCheckpointBytes);
            double extra = median(ck, ThroughputRun::extraMsPerCheckpoint);
            long params = spec.newNetwork().numParams();
            line(String.format(Locale.ROOT, "Checkpoints: %s in the measured windows; completed checkpoint size %s"
                            + " (parameters %d × 4 B = %.2f MB, plus Adam's two moments: 3 × that); extra time of a"
                            + " step during which a checkpoint passed: %s ms (median over runs).",
                    ck.stream().map(r -> String.valueOf(r.checkpointsInWindow())).reduce((x, y) -> x + "/" + y)
                            .orElse("-"),
                    Double.isFinite(bytes) ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6) : "n/a", params,
                    params * 4 / 1e6, f2(extra)));
        }
        List<ThroughputRun> all = new ArrayList<>();
        res.runs().values().forEach(all::addAll);
        line(String.format(Locale.ROOT, "Noise: other processes used %.2f CPU cores on average during the measured"
                        + " windows (median over all runs; max %.2f).",
                median(all, ThroughputRun::foreignCores),
                all.stream().mapToDouble(ThroughputRun::foreignCores).filter(Double::isFinite).max().orElse(Double.NaN)));
        for (Map.Entry<String, Map<String, Double>> e : OperatorJob.THREAD_CPU.entrySet()) {
            line("CPU per step by thread group, " + e.getKey() + " (last round): " + ThreadCpu.format(e.getValue())
                    + ".");
        }
        line("");
        if (res.runs().containsKey(ckptName)) {
            line(String.format(Locale.ROOT, "operator with checkpoints every %d ms / bare loop: %.2f", checkpointMs,
                    res.ratio(ckptName)));
        }
        line(String.format(Locale.ROOT, "operator / bare loop: %.2f  target >= %s: %s", ratio, opts.get("target"),
                met ? "MET" : "NOT MET"));
        if (res.runs().containsKey(KAFKA_JOB)) {
            double kafka = res.ratio(KAFKA_JOB);
            line(String.format(Locale.ROOT, "full Kafka job / bare loop: %.2f  target >= %s: %s (max |loss difference|"
                            + " per step vs the bare loop, round 1: %.3g)", kafka, opts.get("target"),
                    kafka >= target ? "MET" : "NOT MET",
                    res.runs().get(KAFKA_JOB).get(0).maxLossDiff(res.refs().get(KAFKA_JOB).get(0))));
        }
        line("");

        boolean diag = diagnose.equals("true") || (diagnose.equals("auto") && !met);
        if (diag) {
            diagnose(res);
        }
        log(String.format(Locale.ROOT, "== done in %.0f s", (System.nanoTime() - t0) / 1e9));
        BenchOptions.writeReport(opts.get("out"), report);
    }

    private String interleaving() {
        int block = intOpt("block");
        return block == 0 ? "Each variant is one continuous run per round; the bare loop is its own run"
                : "Each variant alternates " + block + "-step blocks with its own bare loop (DataSets from arrays) in"
                + " one run, so both see the same machine load; a block's time runs from its release to its last"
                + " step's end";
    }

    /** Rounds of every task once, the order rotating from round to round. */
    private Results interleave(Map<String, PairTask> tasks, int rounds, int roundOffset) throws Exception {
        List<String> names = new ArrayList<>(tasks.keySet());
        Map<String, List<ThroughputRun>> runs = new LinkedHashMap<>();
        Map<String, List<ThroughputRun>> refs = new LinkedHashMap<>();
        boolean continuous = tasks.containsKey(BARE);
        runs.put(BARE, new ArrayList<>());
        names.forEach(n -> runs.put(n, new ArrayList<>()));
        names.forEach(n -> refs.put(n, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < names.size(); j++) {
                String name = names.get((r + j) % names.size());
                waitForQuiet();
                Pair p = tasks.get(name).run(roundOffset + r + 1);
                ThroughputRun run = p.run();
                runs.get(name).add(run);
                String vs = "";
                if (p.reference() != null) {
                    refs.get(name).add(p.reference());
                    runs.get(BARE).add(p.reference());
                    vs = String.format(Locale.ROOT, "  vs bare %8.1f → %.3f, median block ratio %.3f",
                            p.reference().examplesPerSecond(),
                            run.examplesPerSecond() / p.reference().examplesPerSecond(),
                            run.medianBlockRatio(p.reference()));
                }
                log(String.format(Locale.ROOT, "  round %d  %-50s %8.1f examples/s  %6.3f ms/step (Gsam.step %.3f)%s"
                                + "  (run %.1f s, other processes %.2f cores%s)", roundOffset + r + 1, name,
                        run.examplesPerSecond(), run.msPerStep(), run.medianStepOnlyMs(), vs, run.wallSeconds(),
                        run.foreignCores(),
                        run.checkpointMarks().length > 0 ? ", " + run.checkpointsInWindow() + " checkpoints in window"
                                : ""));
            }
        }
        if (continuous) {
            for (String n : names) {
                refs.put(n, runs.get(BARE));
            }
            runs.remove(BARE);
            Map<String, List<ThroughputRun>> ordered = new LinkedHashMap<>();
            ordered.put(BARE, refs.get(BARE));
            ordered.putAll(runs);
            return new Results(ordered, refs, false);
        }
        refs.put(BARE, runs.get(BARE));
        return new Results(runs, refs, true);
    }

    /**
     * With {@code --quiet-wait S}: before a run, wait (up to S seconds) until other processes use less than a
     * quarter of a core, so that fewer runs share the cores with someone else's build.
     */
    private void waitForQuiet() throws InterruptedException {
        int maxS = intOpt("quiet-wait");
        if (maxS == 0) {
            return;
        }
        long t0 = System.nanoTime();
        double load = Double.NaN;
        while ((System.nanoTime() - t0) / 1e9 < maxS) {
            CpuLoad a = CpuLoad.sample();
            Thread.sleep(500);
            load = CpuLoad.sample().foreignCoresSince(a);
            if (!(load >= 0.25)) {
                break;
            }
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        if (waited > 1) {
            log(String.format(Locale.ROOT, "  (waited %.0f s for other processes; now %.2f cores)", waited, load));
        }
    }

    private void table(Results res) {
        boolean blocks = res.paired();
        line("| variant | examples/s | ms/step | ratio to bare loop"
                + (blocks ? " (median of per-round paired ratios) | median block ratio" : " (ratio of medians)"
                        + " | paired ratio (median of rounds)")
                + " | best round ratio | median-step ratio | Gsam.step alone ms | rest of a step ms | own CPU cores"
                + " | other processes' CPU cores | examples/s per round |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Map.Entry<String, List<ThroughputRun>> e : res.runs().entrySet()) {
            List<ThroughputRun> rs = e.getValue();
            List<ThroughputRun> refRuns = res.refs().get(e.getKey());
            double eps = ThroughputRun.medianExamplesPerSecond(rs);
            double[] paired = Results.pairedRatios(rs, refRuns);
            double[] blockRatios = new double[paired.length];
            for (int i = 0; i < paired.length; i++) {
                blockRatios[i] = rs.get(i) == refRuns.get(i) ? 1.0 : rs.get(i).medianBlockRatio(refRuns.get(i));
            }
            double second = blocks ? new Samples(blockRatios).median() : new Samples(paired).median();
            double best = ThroughputRun.bestExamplesPerSecond(rs) / ThroughputRun.bestExamplesPerSecond(refRuns);
            double gap = median(rs, ThroughputRun::examplesPerSecondFromMedianGap)
                    / median(refRuns, ThroughputRun::examplesPerSecondFromMedianGap);
            String perRound = rs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.examplesPerSecond()))
                    .reduce((x, y) -> x + ", " + y).orElse("");
            double ratio = e.getKey().equals(BARE) ? 1.0 : res.ratio(e.getKey());
            line("| " + e.getKey() + " | " + f1(eps) + " | " + f3(median(rs, ThroughputRun::msPerStep)) + " | "
                    + f3(ratio) + " | " + f3(second) + " | " + f3(best) + " | " + f3(gap) + " | "
                    + f3(median(rs, ThroughputRun::medianStepOnlyMs)) + " | "
                    + f3(median(rs, ThroughputRun::medianOutsideStepMs)) + " | "
                    + f2(median(rs, ThroughputRun::ownCores)) + " | "
                    + f2(median(rs, ThroughputRun::foreignCores)) + " | " + perRound + " |");
        }
    }

    private static double median(List<ThroughputRun> runs, java.util.function.ToDoubleFunction<ThroughputRun> f) {
        double[] v = runs.stream().mapToDouble(f).filter(Double::isFinite).toArray();
        return v.length == 0 ? Double.NaN : new Samples(v).median();
    }

    /** Where the operator's time goes: the chained (no shuffle) job, and the single per-step operations. */
    private void diagnose(Results main) throws Exception {
        Results res;
        if (main.runs().containsKey(OPERATOR_CHAINED)) {
            res = main;
        } else {
            log("== diagnostic rounds: the operator with and without the keyBy shuffle");
            Map<String, PairTask> tasks = new LinkedHashMap<>();
            if (intOpt("block") == 0) {
                tasks.put(BARE, r -> new Pair(runBare(BARE, r, false), null));
            }
            tasks.put(OPERATOR_CHAINED, job(OPERATOR_CHAINED, OperatorJob.Wiring.CHAINED));
            tasks.put(OPERATOR, job(OPERATOR, OperatorJob.Wiring.KEYED));
            res = interleave(tasks, intOpt("diag-rounds"), intOpt("rounds"));
            line("### Diagnostic rounds (" + intOpt("diag-rounds") + " more rounds)");
            line("");
            table(res);
            line("");
        }
        double keyed = res.ratio(OPERATOR);
        double chained = res.ratio(OPERATOR_CHAINED);
        double bareMs = median(res.refs().get(OPERATOR), ThroughputRun::msPerStep);
        line(String.format(Locale.ROOT, "keyBy shuffle: chained/bare %.3f, keyBy/bare %.3f → the shuffle costs ≈ %.1f%%"
                        + " of a bare step (%.3f ms of %.3f); everything else the operator adds ≈ %.1f%% (ratios of"
                        + " medians on a noisy machine: differences of a few %% are within noise).",
                chained, keyed, 100 * (1 / keyed - 1 / chained), bareMs * (1 / keyed - 1 / chained), bareMs,
                100 * (1 / chained - 1)));
        line("");
        line("Time per step outside Gsam.step (receiving and deserialising the record, validation, DataSet, metrics;"
                + " for the bare loop: the DataSet), ms, medians over runs of each run's quantiles:");
        line("");
        line("| variant | p50 | p90 | p99 | max | mean |");
        line("|---|---:|---:|---:|---:|---:|");
        for (String v : List.of(BARE, OPERATOR_CHAINED, OPERATOR)) {
            List<ThroughputRun> rs = v.equals(BARE) ? res.refs().get(OPERATOR) : res.runs().get(v);
            line("| " + v + " | " + f3(median(rs, r -> r.outsideStep().median())) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(0.9))) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(0.99))) + " | "
                    + f3(median(rs, r -> r.outsideStep().quantile(1.0))) + " | "
                    + f3(median(rs, ThroughputRun::meanOutsideStepMs)) + " |");
        }
        line("");
        log("== single operations of one step (median of 200 after 50 warm-up)");
        opCosts();
    }

    /** Medians of what the operator does per step besides Gsam.step, next to the step itself. */
    private void opCosts() throws IOException {
        float[] f = OperatorJob.features[0];
        int[] l = OperatorJob.labels[0];
        TrainingRecord rec = TrainingRecord.minibatch(OperatorJob.MODEL_ID, BenchModel.INPUTS, f, l);
        TypeSerializer<TrainingRecord> pojo = TypeInformation.of(TrainingRecord.class)
                .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(f.length * 4 + l.length * 4 + 1024);
        pojo.serialize(rec, out);
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer();
        ByteBuffer bulk = ByteBuffer.allocate(f.length * 4).order(ByteOrder.BIG_ENDIAN);
        INDArray predictions = Nd4j.rand(DataType.FLOAT, batch, BenchModel.CLASSES);

        Map<String, Supplier<Object>> ops = new LinkedHashMap<>();
        ops.put("Flink PojoSerializer: serialize one TrainingRecord (" + bytes.length / 1024 + " KiB; keyBy, source"
                + " thread)", () -> {
            out.clear();
            try {
                pojo.serialize(rec, out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out;
        });
        ops.put("Flink PojoSerializer: deserialize it (keyBy, operator thread)", () -> {
            in.setBuffer(bytes);
            try {
                return pojo.deserialize(in);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ops.put("for comparison: bulk float[] → big-endian ByteBuffer copy", () -> {
            bulk.clear();
            bulk.asFloatBuffer().put(f);
            return bulk;
        });
        ops.put("for comparison: bulk ByteBuffer → new float[] copy", () -> {
            float[] copy = new float[f.length];
            bulk.rewind();
            bulk.asFloatBuffer().get(copy);
            return copy;
        });
        ops.put("TrainingRecord.problem(): validation incl. isFinite over all features", () -> rec.problem(
                BenchModel.INPUTS, BenchModel.CLASSES));
        ops.put("DataSet from arrays (Nd4j.create + zeros + putScalar per row)", () ->
                BareLoop.dataSetFromArrays(f, l, BenchModel.INPUTS, BenchModel.CLASSES));
        ops.put("for comparison: DataSet from arrays, one-hot built in Java", () -> {
            float[] y = new float[l.length * BenchModel.CLASSES];
            for (int i = 0; i < l.length; i++) {
                y[i * BenchModel.CLASSES + l[i]] = 1f;
            }
            return new DataSet(Nd4j.create(f, new long[] {l.length, BenchModel.INPUTS}, 'c'),
                    Nd4j.create(y, new long[] {l.length, BenchModel.CLASSES}, 'c'));
        });
        INDArray reusedX = Nd4j.create(DataType.FLOAT, l.length, BenchModel.INPUTS);
        INDArray reusedY = Nd4j.create(DataType.FLOAT, l.length, BenchModel.CLASSES);
        float[] oneHot = new float[l.length * BenchModel.CLASSES];
        ops.put("for comparison: copy into INDArrays reused across steps (DataBuffer.setData), one-hot in Java", () -> {
            reusedX.data().setData(f);
            java.util.Arrays.fill(oneHot, 0f);
            for (int i = 0; i < l.length; i++) {
                oneHot[i * BenchModel.CLASSES + l[i]] = 1f;
            }
            reusedY.data().setData(oneHot);
            return new DataSet(reusedX, reusedY);
        });
        ops.put("countCorrect: predictions.argMax(1).toLongVector()", () -> predictions.argMax(1).toLongVector());

        MultiLayerNetwork net = (MultiLayerNetwork) spec.newNetwork();
        Map<String, Samples> results = new LinkedHashMap<>();
        try (Gsam gsam = new Gsam(net, spec.gsamConfig())) {
            int[] next = {0};
            ops.put("reference: Gsam.step on a pre-built DataSet", () -> gsam.step(prebuilt[next[0]++ % prebuilt.length]));
            for (Map.Entry<String, Supplier<Object>> e : ops.entrySet()) {
                results.put(e.getKey(), time(e.getValue(), 50, 200));
            }
            // What a checkpoint costs the operator: writeBack (exportState + a copy of the state object) in the
            // training thread, then the state backend serialises the ModelState (asynchronously, same 2 cores).
            ModelState state = new ModelState();
            state.architectureFingerprint = spec.architectureFingerprint();
            state.optimizerState = gsam.exportState();
            DataOutputSerializer stateOut = new DataOutputSerializer(state.optimizerState.length + 4096);
            Map<String, Supplier<Object>> ckpt = new LinkedHashMap<>();
            ckpt.put("checkpoint, training thread: Gsam.exportState() (" + state.optimizerState.length / 1024
                    + " KiB)", gsam::exportState);
            ckpt.put("checkpoint, training thread: copy of the ModelState (byte[] clone)",
                    () -> state.optimizerState.clone());
            ckpt.put("checkpoint, async: ModelStateSerializer.serialize", () -> {
                stateOut.clear();
                try {
                    ModelStateSerializer.INSTANCE.serialize(state, stateOut);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return stateOut;
            });
            for (Map.Entry<String, Supplier<Object>> e : ckpt.entrySet()) {
                results.put(e.getKey(), time(e.getValue(), 10, 50));
            }
        }
        double step = results.get("reference: Gsam.step on a pre-built DataSet").median();
        line("### Single operations per step (median of 200, checkpoint rows of 50; ms; % of a bare Gsam.step)");
        line("");
        line("| operation | median ms | IQR ms | % of step |");
        line("|---|---:|---:|---:|");
        results.forEach((name, s) -> line("| " + name + " | " + f3(s.median()) + " | " + f3(s.p25()) + "–"
                + f3(s.p75()) + " | " + String.format(Locale.ROOT, "%.1f%%", 100 * s.median() / step) + " |"));
        line("");
    }

    private static Object blackhole;

    private static Samples time(Supplier<Object> op, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            blackhole = op.get();
        }
        long[] nanos = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            blackhole = op.get();
            nanos[i] = System.nanoTime() - t;
        }
        return new Samples(nanos);
    }

    private static String environment() {
        return String.format(Locale.ROOT, "java %s, %d CPUs, OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, ND4J backend %s,"
                        + " Flink configuration %s", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"), Nd4j.getBackend().getClass().getSimpleName(),
                OperatorJob.extraConfiguration.isEmpty() ? "defaults" : OperatorJob.extraConfiguration);
    }

    private void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }

    private static void log(String s) {
        System.out.println(s);
        System.out.flush();
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
