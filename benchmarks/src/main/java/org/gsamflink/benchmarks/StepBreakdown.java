package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where the time of a GSAM step goes. <em>Replicas</em> of {@code Gsam.sharpnessAwareStep} (perturbation mode NONE,
 * minimizeFp = true, no stochastic layers, no BatchNorm — the benchmark's case) and of DL4J's {@code fit()} step
 * (pass, updater, apply), built from the same public DL4J calls with a clock between the phases. They run
 * interleaved with the real {@code fit} and the real {@code Gsam} step, each on its own network, so the replicas'
 * totals can be checked against the real steps. A second GSAM replica, {@link Flavour#GSAM_TUNED}, does the same
 * arithmetic with the cheaper BLAS norm and scaling (see {@link VectorOpCosts}). Outside any step it also times
 * a forward-backward pass on half the minibatch (what a sub-batch perturbed pass would cost).
 */
public final class StepBreakdown {

    /** Phases of the replicas. */
    public enum Phase {
        SET_BATCH("setInput + setLabels"),
        CLEAN_PASS("clean pass: computeGradientAndScore (incl. capture below)"),
        CAPTURE("  of which prediction capture (output-layer activate in onBackwardPass)"),
        CLEAN_VECTOR_OPS("‖g‖ + copy g + copy w"),
        ASCENT("ascent: axpy w += rho/‖g‖ * g"),
        PERTURBED_PASS("perturbed pass: computeGradientAndScore"),
        PERTURBED_VECTOR_OPS("‖g_p‖ + restore w + dot(g, g_p)"),
        COMBINE("d = c*g_p - alpha*g (scale + axpy)"),
        UPDATER("updater.update (Adam; divides by n)"),
        APPLY("params.subi(update) + iteration++ + constraints");

        final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The instrumented steps. */
    public enum Flavour {
        /** DL4J fit() call for call: pass, updater, apply. */
        FIT("fit replica"),
        /** The earlier Gsam.java: ND4J norm2Number() and muli(), kept to show what BLAS saved. */
        GSAM_AS_IS("GSAM with ND4J norm2 + muli (earlier)"),
        /** Gsam.java as it is: BLAS nrm2 for both norms and BLAS scal for c*g_p. */
        GSAM_TUNED("GSAM as in Gsam.java (BLAS nrm2 + scal)");

        final String label;

        Flavour(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Per-step phase times (ns) of each replica, the real steps' times and the half-batch pass. */
    public record Result(BenchModel model, int rounds, Map<Flavour, List<long[]>> phases, Samples realFit,
                         Samples realGsam, Samples halfBatchPass, Map<Flavour, Double> maxParamDiffToRealStep) {

        /** Phase p of replica f, or null when that replica has no such phase. */
        public Samples phase(Flavour f, Phase p) {
            List<long[]> steps = phases.get(f);
            long[] v = new long[steps.size()];
            boolean any = false;
            for (int i = 0; i < v.length; i++) {
                v[i] = steps.get(i)[p.ordinal()];
                any |= v[i] != 0;
            }
            return any ? new Samples(v) : null;
        }

        /** Median of phase p of replica f in ms (0 when absent). */
        public double median(Flavour f, Phase p) {
            Samples s = phase(f, p);
            return s == null ? 0.0 : s.median();
        }

        /** Step totals of replica f: every phase except the nested CAPTURE. */
        public Samples total(Flavour f) {
            List<long[]> steps = phases.get(f);
            long[] v = new long[steps.size()];
            for (int i = 0; i < v.length; i++) {
                for (Phase p : Phase.values()) {
                    if (p != Phase.CAPTURE) {
                        v[i] += steps.get(i)[p.ordinal()];
                    }
                }
            }
            return new Samples(v);
        }
    }

    private StepBreakdown() {}

    public static Result run(BenchModel model, int warmupRounds, int rounds, BatchPool pool, long seed,
                             Consumer<String> log) {
        Stepper realFit = Stepper.create(model, StepVariant.FIT, pool, seed);
        Stepper realGsam = Stepper.create(model, StepVariant.GSAM, pool, seed);
        Map<Flavour, Replica> replicas = new EnumMap<>(Flavour.class);
        Map<Flavour, List<long[]>> phases = new EnumMap<>(Flavour.class);
        for (Flavour f : Flavour.values()) {
            replicas.put(f, new Replica(model.build(seed), pool, f));
            phases.put(f, new ArrayList<>());
        }
        MultiLayerNetwork halfNet = model.build(seed);
        DataSet halfBatch = firstHalf(pool.get(0));
        try {
            long[] fitNanos = new long[rounds];
            long[] gsamNanos = new long[rounds];
            long[] halfPass = new long[rounds];
            List<Runnable> work = new ArrayList<>();
            int[] round = new int[1];
            work.add(() -> record(fitNanos, round[0], timed(realFit::step)));
            work.add(() -> record(gsamNanos, round[0], timed(realGsam::step)));
            for (Flavour f : Flavour.values()) {
                work.add(() -> {
                    long[] p = replicas.get(f).step();
                    if (round[0] >= 0) {
                        phases.get(f).add(p);
                    }
                });
            }
            work.add(() -> record(halfPass, round[0], timed(() -> {
                halfNet.setInput(halfBatch.getFeatures());
                halfNet.setLabels(halfBatch.getLabels());
                halfNet.computeGradientAndScore(LayerWorkspaceMgr.noWorkspaces());
            })));
            int k = work.size();
            for (int r = -warmupRounds; r < rounds; r++) {
                round[0] = r;
                for (int j = 0; j < k; j++) {
                    work.get(Math.floorMod(r + j, k)).run();
                }
            }
            log.accept(String.format("  breakdown %s: %d warm-up + %d rounds done", model.id(), warmupRounds, rounds));
            // Same seed, same batches, same number of steps: the replicas must end where the real steps end.
            Map<Flavour, Double> diff = new EnumMap<>(Flavour.class);
            for (Flavour f : Flavour.values()) {
                INDArray real = (f == Flavour.FIT ? realFit : realGsam).network().params();
                diff.put(f, real.sub(replicas.get(f).net.params()).amaxNumber().doubleValue());
            }
            return new Result(model, rounds, phases, new Samples(fitNanos), new Samples(gsamNanos),
                    new Samples(halfPass), diff);
        } finally {
            realFit.close();
            realGsam.close();
        }
    }

    private static long timed(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return System.nanoTime() - t;
    }

    private static void record(long[] into, int round, long nanos) {
        if (round >= 0) {
            into[round] = nanos;
        }
    }

    private static DataSet firstHalf(DataSet batch) {
        long half = batch.getFeatures().size(0) / 2;
        return new DataSet(
                batch.getFeatures().get(NDArrayIndex.interval(0, half), NDArrayIndex.all()).dup(),
                batch.getLabels().get(NDArrayIndex.interval(0, half), NDArrayIndex.all()).dup());
    }

    /** The instrumented step. Mirrors {@code Gsam}/{@code NetworkAdapter} call for call. */
    private static final class Replica {
        private static final double EPS = 1e-12;

        private final MultiLayerNetwork net;
        private final BatchPool pool;
        private final Flavour flavour;
        private final INDArray savedParams;
        private final INDArray cleanGradient;
        private final Capture capture = new Capture();
        private int next;

        Replica(MultiLayerNetwork net, BatchPool pool, Flavour flavour) {
            this.net = net;
            this.pool = pool;
            this.flavour = flavour;
            long n = net.numParams();
            this.savedParams = Nd4j.createUninitialized(net.params().dataType(), n);
            this.cleanGradient = Nd4j.createUninitialized(net.params().dataType(), n);
            if (flavour != Flavour.FIT) {
                net.addListeners(capture);
            }
        }

        private INDArray params() {
            INDArray p = net.params();
            return p.rank() == 1 ? p : p.reshape(p.length());
        }

        private BaseMultiLayerUpdater<?> updater() {
            return (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        }

        private INDArray gradientView() {
            INDArray g = updater().getFlattenedGradientsView();
            return g.rank() == 1 ? g : g.reshape(g.length());
        }

        private double norm(Level1 blas, INDArray v) {
            return flavour == Flavour.GSAM_TUNED ? blas.nrm2(v) : v.norm2Number().doubleValue();
        }

        long[] step() {
            long[] t = new long[Phase.values().length];
            DataSet batch = pool.get(next++);
            int n = (int) batch.getFeatures().size(0);
            boolean sharpnessAware = flavour != Flavour.FIT;
            long c = System.nanoTime();
            net.setInput(batch.getFeatures());
            net.setLabels(batch.getLabels());
            c = lap(t, Phase.SET_BATCH, c);

            capture.armed = sharpnessAware;
            capture.nanos = 0;
            net.computeGradientAndScore(LayerWorkspaceMgr.noWorkspaces());
            capture.armed = false;
            double loss = net.score() - net.calcRegularizationScore(true);
            c = lap(t, Phase.CLEAN_PASS, c);
            t[Phase.CAPTURE.ordinal()] = capture.nanos;

            INDArray grad = gradientView();
            if (sharpnessAware) {
                Level1 blas = Nd4j.getBlasWrapper().level1();
                INDArray w = params();
                long len = w.length();
                double gNorm = norm(blas, grad) / n;
                cleanGradient.assign(grad);
                savedParams.assign(w);
                c = lap(t, Phase.CLEAN_VECTOR_OPS, c);

                blas.axpy(len, StepVariant.RHO / (n * (gNorm + EPS)), cleanGradient, w);
                c = lap(t, Phase.ASCENT, c);

                net.computeGradientAndScore(LayerWorkspaceMgr.noWorkspaces());
                double perturbedLoss = net.score() - net.calcRegularizationScore(true);
                c = lap(t, Phase.PERTURBED_PASS, c);

                double gpNorm = norm(blas, grad) / n;
                w.assign(savedParams);
                double dot = blas.dot(len, 1.0, cleanGradient, grad) / ((double) n * n);
                double cos = dot / (gNorm * gpNorm + EPS);
                c = lap(t, Phase.PERTURBED_VECTOR_OPS, c);

                double scale = 1.0 + StepVariant.ALPHA * cos * gNorm / (gpNorm + EPS);
                if (flavour == Flavour.GSAM_TUNED) {
                    blas.scal(len, scale, grad);
                } else {
                    grad.muli(scale);
                }
                blas.axpy(len, -StepVariant.ALPHA, cleanGradient, grad);
                c = lap(t, Phase.COMBINE, c);
                if (!Double.isFinite(loss + perturbedLoss)) {
                    throw new IllegalStateException("non-finite loss in the benchmark replica");
                }
            }

            updater().update(net.gradient(), net.getIterationCount(), net.getEpochCount(), n,
                    LayerWorkspaceMgr.noWorkspaces());
            c = lap(t, Phase.UPDATER, c);

            params().subi(grad);
            BaseOptimizer.incrementIterationCount(net, 1);
            net.applyConstraints(net.getIterationCount(), net.getEpochCount());
            lap(t, Phase.APPLY, c);
            return t;
        }

        private static long lap(long[] t, Phase p, long since) {
            long now = System.nanoTime();
            t[p.ordinal()] += now - since;
            return now;
        }
    }

    /** As in {@code NetworkAdapter.PredictionCapture}, plus a clock. */
    private static final class Capture extends BaseTrainingListener {
        boolean armed;
        long nanos;
        INDArray outputs;

        @Override
        public void onBackwardPass(Model m) {
            if (armed) {
                long c = System.nanoTime();
                outputs = ((MultiLayerNetwork) m).getOutputLayer().activate(false, LayerWorkspaceMgr.noWorkspaces());
                nanos = System.nanoTime() - c;
            }
        }
    }
}
