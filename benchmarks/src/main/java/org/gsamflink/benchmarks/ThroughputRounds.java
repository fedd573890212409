package org.gsamflink.benchmarks;

import org.gsamflink.operators.ModelSpec;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.gsamflink.benchmarks.OperatorThroughputMain.BARE;
import static org.gsamflink.benchmarks.OperatorThroughputMain.BARE_PREBUILT;

/**
 * The runs of {@link OperatorThroughputMain}: the shared pool of batches, the bare-loop runs, the operator jobs
 * (continuous, or alternating K-step blocks with a bare loop of their own), and rounds of every variant in an order
 * that rotates from round to round, optionally after waiting for a quiet machine.
 */
final class ThroughputRounds {

    private final ModelSpec spec;
    private final int steps;
    private final int warmup;
    private final int block;
    private final long checkpointMs;
    private final int quietWait;
    private DataSet[] prebuilt;

    /**
     * @param block     steps per block when a variant alternates with its own bare loop; 0: continuous runs
     * @param quietWait seconds to wait at most, before a run, for other processes to use under a quarter of a core
     */
    ThroughputRounds(ModelSpec spec, int steps, int warmup, int block, long checkpointMs, int quietWait) {
        this.spec = spec;
        this.steps = steps;
        this.warmup = warmup;
        this.block = block;
        this.checkpointMs = checkpointMs;
        this.quietWait = quietWait;
    }

    /** Builds the shared pool (arrays for the generator and the bare loop, DataSets for the pre-built variant). */
    void preparePool(int poolSize, int batch, Map<String, String> flinkConf) {
        OperatorJob.extraConfiguration = flinkConf;
        prebuilt = OperatorJob.usePool(BatchPool.random(poolSize, batch, OperatorThroughputMain.DATA_SEED));
    }

    /** The pre-built DataSets of the pool ({@link #preparePool} first). */
    DataSet[] prebuilt() {
        return prebuilt;
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

    interface PairTask {
        Pair run(int round) throws Exception;
    }

    /** A job of the given wiring, continuous or alternating K-step blocks with a bare loop (DataSets from arrays). */
    PairTask job(String name, OperatorJob.Wiring wiring) {
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
    PairTask prebuiltVsArrays() {
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

    /** Rounds of every task once, the order rotating from round to round. */
    Results interleave(Map<String, PairTask> tasks, int rounds, int roundOffset) throws Exception {
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
                ThroughputReport.log(String.format(Locale.ROOT, "  round %d  %-50s %8.1f examples/s  %6.3f ms/step (Gsam.step %.3f)%s"
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
        int maxS = quietWait;
        if (maxS == 0) {
            return;
        }
        long t0 = System.nanoTime();
        double load = CpuLoad.awaitQuiet(maxS);
        double waited = (System.nanoTime() - t0) / 1e9;
        if (waited > 1) {
            ThroughputReport.log(String.format(Locale.ROOT, "  (waited %.0f s for other processes; now %.2f cores)", waited, load));
        }
    }
}
