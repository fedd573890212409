package org.gsamflink.optimizer;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Objects;

/**
 * Surrogate Gap Guided Sharpness-Aware Minimization (GSAM) for a DL4J {@code MultiLayerNetwork} or {@code
 * ComputationGraph}, wrapping the network's own configured updater (Sgd, Nesterovs, Adam, AdamW, …, with its L2 or
 * weight decay) as the base optimizer.
 *
 * <pre>
 * Zhuang, J., Gong, B., Yuan, L., Cui, Y., Adam, H., Dvornek, N., Tatikonda, S., Duncan, J., Liu, T.
 * "Surrogate Gap Minimization Improves Sharpness-Aware Training."
 * International Conference on Learning Representations (ICLR), 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 *
 * <p>One {@link #step} on a minibatch B, t being the step counter:
 * <ol>
 *   <li>lr_t and ρ_t from the schedulers of the {@link GsamConfig};</li>
 *   <li>clean pass: ℓ = L(w), g = ∇L(w), and the clean predictions (the prequential output);</li>
 *   <li>ascent e by the {@link PerturbationMode}; perturbed pass at w + e: ℓ_p, g_p; surrogate gap h = ℓ_p − ℓ;</li>
 *   <li>decomposition: d = g_p − α·g_⊥ with g_⊥ = g − cos(g, g_p)·‖g‖·g_p/(‖g_p‖ + ε) (the authors' form), or with
 *       {@code minimizeFp = false} the JAX form d = g + α·(g_p − ⟨ĝ, g_p⟩ĝ);</li>
 *   <li>w is restored <em>exactly</em> from a copy (w + e − e is not always w in floating point), then the network's
 *       updater takes d in place of the gradient, exactly as DL4J's {@code fit()} would.</li>
 * </ol>
 * α = 0 is SAM, α = 0 with {@link PerturbationMode#ASAM} is ASAM, and ρ_t = 0 skips the perturbed pass so the step
 * is the base optimizer's, bit for bit (d = g). BatchNorm running statistics are updated by the clean pass only,
 * and with dropout or weight noise both passes draw the same random masks (the RNG is reseeded from (seed, t)
 * before each pass).
 *
 * <p>Guards. Nothing is committed unless every check passes; a step that fails one is skipped with its {@link
 * SkipReason} and leaves the parameters, the updater state, the step counter, DL4J's iteration/epoch counts, the
 * updaters' learning rates and the schedulers bit-identical (only {@link #skippedSteps()} counts it). In order:
 * <ol>
 *   <li>a NaN/Inf clean loss or gradient norm ({@link SkipReason#NON_FINITE_LOSS}, {@link
 *       SkipReason#NON_FINITE_GRADIENT});</li>
 *   <li>a loss spike, if the {@link LossSpikeGuard} is on ({@link SkipReason#LOSS_SPIKE}; checked before the
 *       perturbed pass, which it saves);</li>
 *   <li>a NaN/Inf perturbed loss or gradient norm ({@link SkipReason#NON_FINITE_PERTURBED});</li>
 *   <li>a direction d with a NaN/Inf element or a norm that overflows its type ({@link
 *       SkipReason#NON_FINITE_DIRECTION}: finite but huge inputs give finite g and g_p whose dot product
 *       overflows, an infinite cosine and an infinite d);</li>
 *   <li>then, optionally, d is clipped to {@link GsamConfig#clipNorm()};</li>
 *   <li>after the update: a NaN/Inf parameter or updater-state value ({@link SkipReason#NON_FINITE_PARAMETERS},
 *       e.g. w − update overflowing, or Adam's second moment overflowing while d is finite); the update is then
 *       rolled back from copies made before it (DL4J's updater changes its state and the gradient view in place).</li>
 * </ol>
 *
 * <p>Lifecycle: construct with {@link #Gsam(Model, GsamConfig)} (allocates the buffers), then {@link #step} many
 * times, optionally {@link #exportState()} / {@link #importState(byte[])}, and {@link #close()} to release the
 * buffers. Not thread-safe: one instance per network, used from one thread.
 *
 * <p>Memory: three extra vectors of the parameter count (copies of w and g, a scratch vector for the adaptive modes),
 * a copy of the updater state for the rollback ({@link GuardedUpdate}), the BatchNorm statistics ({@link
 * NonGradientSlots}), the loss-spike window, and with {@code sharpnessEvery} &gt; 1 two more vectors ({@link
 * SharpnessReuse}). Compute: two forward-backward passes per step (one on {@link SharpnessReuse}'s in-between
 * steps); the guards add memory-bound passes: a copy of the updater state, one read of each array to check it and
 * one norm of d — about 0.5 ms of an 8–9 ms step on the MLP 784-256-256-10 with Adam on a 2-core CPU.
 */
public final class Gsam implements AutoCloseable {

    private final GsamConfig config;
    private final NetworkAdapter network;
    private final boolean stochastic;
    private final NonGradientSlots nonGradientSlots;
    private final GuardedUpdate guardedUpdate;
    private final VectorOps ops;

    private INDArray savedParams;
    private INDArray cleanGradient;
    private INDArray scratch;
    private final LossSpikeMonitor spikes;
    /** sharpness-every k > 1; null for exact GSAM. */
    private final SharpnessReuse reuse;

    private long step;
    private long seed;
    private long skippedSteps;
    private double lastLr = Double.NaN;
    private double lastRho = Double.NaN;

    /** Wraps {@code network} (a {@code MultiLayerNetwork} or {@code ComputationGraph}, initialised). */
    public Gsam(Model network, GsamConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.network = NetworkAdapter.of(Objects.requireNonNull(network, "network"));
        this.stochastic = this.network.hasStochasticLayers();
        this.nonGradientSlots = new NonGradientSlots(this.network.nonGradientRanges());
        this.seed = config.seed();
        INDArray params = this.network.params();
        this.savedParams = Nd4j.createUninitialized(params.dataType(), params.length());
        this.cleanGradient = Nd4j.createUninitialized(params.dataType(), params.length());
        this.ops = VectorOps.forType(params.dataType());
        this.guardedUpdate = new GuardedUpdate(this.network, ops, config.lrScheduler() != null);
        this.spikes = new LossSpikeMonitor(config.lossSpikeGuard());
        this.reuse = config.sharpnessEvery() > 1 ? new SharpnessReuse(config.sharpnessEvery(), params.dataType()) : null;
    }

    public GsamConfig config() {
        return config;
    }

    /** The step counter t: steps taken, skipped ones excluded. It survives {@link #exportState()}. */
    public long stepCount() {
        return step;
    }

    /** Steps skipped, for any {@link SkipReason}. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** The learning rate step t will use. */
    public double currentLearningRate() {
        return config.lrScheduler() != null ? config.lrScheduler().valueAt(step) : updaterLearningRate();
    }

    /** The loss-spike guard's level: the median of its window of clean losses (NaN: guard off, or empty). */
    public double lossSpikeLevel() {
        return config.lossSpikeGuard() == null ? Double.NaN : spikes.level();
    }

    /** ρ for step t. */
    public double currentRho() {
        return Math.max(0.0, config.rhoScheduler().valueAt(step, currentLearningRate()));
    }

    /** One step on a single-input, single-output minibatch. */
    public StepResult step(DataSet batch) {
        return step(new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {batch.getFeatures()}, new INDArray[] {batch.getLabels()},
                batch.getFeaturesMaskArray() == null ? null : new INDArray[] {batch.getFeaturesMaskArray()},
                batch.getLabelsMaskArray() == null ? null : new INDArray[] {batch.getLabelsMaskArray()}));
    }

    /** One GSAM step on {@code batch}; see the class documentation. */
    public StepResult step(MultiDataSet batch) {
        ensureOpen();
        final long t = step;
        final double lr = currentLearningRate();
        final double rho = Math.max(0.0, config.rhoScheduler().valueAt(t, lr));
        final int n = (int) batch.getFeatures(0).size(0);
        network.setBatch(batch);
        try {
            if (rho == 0.0) {
                return plainStep(t, lr, n, 0.0, false);
            }
            return reuse != null && !reuse.fullStepDue(t) ? plainStep(t, lr, n, rho, true)
                    : sharpnessAwareStep(t, lr, rho, n);
        } finally {
            network.clearBatch(batch);
        }
    }

    /**
     * One clean pass and the update: d = g (ρ_t = 0, {@code reused} false: the base optimizer bit for bit), or d = g +
     * ‖g‖·v with the cached correction v ({@code reused}: an in-between step of {@link SharpnessReuse}, which
     * reports NaN for the sharpness figures it does not compute).
     */
    private StepResult plainStep(long t, double lr, int n, double rho, boolean reused) {
        reseed(t);
        double loss = network.computeGradientAndLoss(true);
        INDArray[] predictions = network.capturedPredictions();
        INDArray grad = network.gradientView();
        if (reused) {
            nonGradientSlots.saveAndZero(grad);   // ‖g‖ as a full step measures it: BatchNorm slots left out
        }
        double gNorm = ops.nrm2(grad) / n;
        if (!Double.isFinite(loss) || !Double.isFinite(gNorm)) {
            return skip(nonFinite(loss), t, n, loss, Double.NaN, gNorm, Double.NaN, Double.NaN, Double.NaN, false,
                    rho, lr, predictions);
        }
        LossSpikeMonitor.Verdict verdict = spikes.check(loss);
        if (verdict == LossSpikeMonitor.Verdict.SPIKE) {
            spikes.recordSpike(loss);
            return skip(SkipReason.LOSS_SPIKE, t, n, loss, Double.NaN, gNorm, Double.NaN, Double.NaN, Double.NaN,
                    false, rho, lr, predictions);
        }
        // d = g: its norm is ‖g‖ (a finite norm means finite elements). Clipping leaves the BatchNorm slots out.
        double dNorm = gNorm;
        boolean clipped = false;
        if (reused) {
            reuse.apply(grad, ops, n * gNorm);
            dNorm = ops.nrm2(grad) / n;
            if (!Double.isFinite(dNorm)) {
                return skip(SkipReason.NON_FINITE_DIRECTION, t, n, loss, Double.NaN, gNorm, Double.NaN, Double.NaN,
                        dNorm, false, rho, lr, predictions);
            }
            clipped = clip(grad, dNorm);
            nonGradientSlots.restore(grad);
        } else if (config.clipsDirection()) {
            if (!nonGradientSlots.isEmpty()) {
                nonGradientSlots.saveAndZero(grad);
                dNorm = ops.nrm2(grad) / n;
            }
            clipped = clip(grad, dNorm);
            nonGradientSlots.restore(grad);
        }
        savedParams.assign(network.params());
        // In-between steps know no perturbed loss, gap, ‖g_p‖ or cos: NaN, not the clean pass's values.
        double same = reused ? Double.NaN : 1.0;
        double lossP = reused ? Double.NaN : loss;
        double gpNorm = reused ? Double.NaN : gNorm;
        if (!guardedUpdate.apply(n, lr, savedParams)) {
            return skip(SkipReason.NON_FINITE_PARAMETERS, t, n, loss, lossP, gNorm, gpNorm, same, dNorm, clipped,
                    rho, lr, predictions);
        }
        spikes.accept(loss, verdict);
        return advance(new StepResult(t, null, n, loss, lossP, reused ? Double.NaN : 0.0, gNorm, gpNorm, same, dNorm,
                clipped, rho, lr, predictions));
    }

    /** d ← d·clipNorm/‖d‖ when ‖d‖ (mean-loss units) exceeds the clip norm; whether it did. */
    private boolean clip(INDArray d, double dNorm) {
        double clipNorm = config.clipNorm();
        if (!(clipNorm > 0) || !(dNorm > clipNorm)) {
            return false;
        }
        ops.scal(clipNorm / dNorm, d);
        return true;
    }

    private StepResult sharpnessAwareStep(long t, double lr, double rho, int n) {
        final double eps = config.epsilon();
        final INDArray w = network.params();
        final INDArray grad = network.gradientView();

        // Clean pass.
        reseed(t);
        final double loss = network.computeGradientAndLoss(true);
        final INDArray[] predictions = network.capturedPredictions();
        nonGradientSlots.saveAndZero(grad);
        // The view holds the gradient summed over the batch (DL4J's updater divides by n); norms are reported,
        // and ε applied, on the mean-loss gradient, so the sums are scaled by 1/n in the scalar factors below.
        final double gNorm = ops.nrm2(grad) / n;
        if (!Double.isFinite(loss) || !Double.isFinite(gNorm)) {
            return skip(nonFinite(loss), t, n, loss, Double.NaN, gNorm, Double.NaN, Double.NaN, Double.NaN, false,
                    rho, lr, predictions);
        }
        final LossSpikeMonitor.Verdict verdict = spikes.check(loss);
        if (verdict == LossSpikeMonitor.Verdict.SPIKE) {
            spikes.recordSpike(loss);
            return skip(SkipReason.LOSS_SPIKE, t, n, loss, Double.NaN, gNorm, Double.NaN, Double.NaN, Double.NaN,
                    false, rho, lr, predictions);
        }
        cleanGradient.assign(grad);
        savedParams.assign(w);

        // Ascent step w ← w + e.
        switch (config.perturbation()) {
            case NONE -> ops.axpy(rho / (n * (gNorm + eps)), cleanGradient, w);
            case PAPER -> {
                INDArray e = scratch().assign(w);
                Transforms.abs(e, false).muli(cleanGradient);
                ops.axpy(rho / (n * (gNorm + eps)), e, w);
            }
            case ASAM -> {
                INDArray e = scratch().assign(w).muli(cleanGradient);
                double wgNorm = ops.nrm2(e) / n;   // ‖|w| ⊙ g‖ = ‖w ⊙ g‖
                e.muli(savedParams);
                ops.axpy(rho / (n * (wgNorm + eps)), e, w);
            }
            default -> throw new IllegalStateException("unknown perturbation mode " + config.perturbation());
        }

        // Perturbed pass: same dropout masks; BatchNorm statistics from this pass are discarded below.
        reseed(t);
        final double perturbedLoss = network.computeGradientAndLoss(false);
        nonGradientSlots.zero(grad);
        final double gpNorm = ops.nrm2(grad) / n;
        // Exact restore from the copy, not w − e.
        w.assign(savedParams);
        if (!Double.isFinite(perturbedLoss) || !Double.isFinite(gpNorm)) {
            return skip(SkipReason.NON_FINITE_PERTURBED, t, n, loss, perturbedLoss, gNorm, gpNorm, Double.NaN,
                    Double.NaN, false, rho, lr, predictions);
        }
        final double dot = ops.dot(cleanGradient, grad) / ((double) n * n);
        final double cos = dot / (gNorm * gpNorm + eps);

        // Descent direction d, written into the gradient view (currently g_p) in place.
        final double alpha = config.alpha();
        final double dNorm;
        if (config.minimizeFp()) {
            if (alpha != 0.0) {
                // d = g_p − α·(g − cos·‖g‖·g_p/(‖g_p‖+ε)) = (1 + α·cos·‖g‖/(‖g_p‖+ε))·g_p − α·g
                ops.scal(1.0 + alpha * cos * gNorm / (gpNorm + eps), grad);
                ops.axpy(-alpha, cleanGradient, grad);
                dNorm = ops.nrm2(grad) / n;
            } else {
                dNorm = gpNorm;   // SAM: d = g_p
            }
        } else {
            // d = g + α·(g_p − ⟨g,g_p⟩/(‖g‖+ε)²·g) = α·g_p + (1 − α·⟨g,g_p⟩/(‖g‖+ε)²)·g
            ops.scal(alpha, grad);
            ops.axpy(1.0 - alpha * dot / ((gNorm + eps) * (gNorm + eps)), cleanGradient, grad);
            dNorm = ops.nrm2(grad) / n;
        }
        // A NaN/Inf element makes the norm NaN/Inf; so does a norm too large for the type, which no update survives.
        if (!Double.isFinite(dNorm)) {
            return skip(SkipReason.NON_FINITE_DIRECTION, t, n, loss, perturbedLoss, gNorm, gpNorm, cos, dNorm, false,
                    rho, lr, predictions);
        }
        if (reuse != null) {
            // The unclipped correction d − g per unit ‖g‖ (sums: scale n·‖g‖); kept only if this step commits.
            reuse.stage(grad, cleanGradient, n * gNorm);
        }
        final boolean clipped = clip(grad, dNorm);
        nonGradientSlots.restore(grad);
        // savedParams holds w (restored from it above).
        if (!guardedUpdate.apply(n, lr, savedParams)) {
            return skip(SkipReason.NON_FINITE_PARAMETERS, t, n, loss, perturbedLoss, gNorm, gpNorm, cos, dNorm,
                    clipped, rho, lr, predictions);
        }
        if (reuse != null) {
            reuse.commit();
        }
        spikes.accept(loss, verdict);
        return advance(new StepResult(t, null, n, loss, perturbedLoss, perturbedLoss - loss, gNorm, gpNorm, cos,
                dNorm, clipped, rho, lr, predictions));
    }

    private static SkipReason nonFinite(double loss) {
        return Double.isFinite(loss) ? SkipReason.NON_FINITE_GRADIENT : SkipReason.NON_FINITE_LOSS;
    }

    private StepResult skip(SkipReason reason, long t, int n, double loss, double perturbedLoss, double gNorm,
                            double gpNorm, double cos, double dNorm, boolean clipped, double rho, double lr,
                            INDArray[] predictions) {
        skippedSteps++;
        return new StepResult(t, reason, n, loss, perturbedLoss, perturbedLoss - loss, gNorm, gpNorm, cos, dNorm,
                clipped, rho, lr, predictions);
    }

    private StepResult advance(StepResult result) {
        lastLr = result.lr();
        lastRho = result.rho();
        step++;
        return result;
    }

    /** Dropout and weight noise draw from ND4J's RNG: the same seed before both passes gives the same masks. */
    private void reseed(long t) {
        if (stochastic) {
            Nd4j.getRandom().setSeed(stepSeed(seed, t));
        }
    }

    /** SplitMix64 of (seed, t): independent-looking seeds for consecutive steps. */
    static long stepSeed(long seed, long t) {
        long z = seed + (t + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private INDArray scratch() {
        if (scratch == null) {
            scratch = Nd4j.createUninitialized(savedParams.dataType(), savedParams.length());
        }
        return scratch;
    }

    private double updaterLearningRate() {
        List<IUpdater> updaters = network.updaterConfigs();
        return updaters.isEmpty() ? 0.0
                : updaters.get(0).getLearningRate(network.iterationCount(), network.epochCount());
    }

    /** The whole training state (parameters, updater, counters, schedulers, RNG seed, cache) as {@link GsamState}. */
    public byte[] exportState() {
        ensureOpen();
        return snapshotState().encode();
    }

    /** The state without parameters and updater state (a snapshot's zip holds them: {@code withParametersFrom}). */
    public byte[] exportStateWithoutParameters() {
        ensureOpen();
        return snapshotState().encodeWithoutParameters();
    }

    /** The training state as an object; see {@link #exportState()}. */
    public GsamState snapshotState() {
        INDArray updaterState = network.updater().getStateViewArray();
        GsamState state = new GsamState(step, skippedSteps, seed, network.iterationCount(), network.epochCount(),
                lastLr, lastRho, network.params(), updaterState, spikes.windowLosses(), spikes.spikeLosses());
        return reuse == null ? state : state.withSharpnessCache(reuse.exportCache());
    }

    /** Restores {@link #exportState()}'s bytes (same architecture); training then continues bit-identically. */
    public void importState(byte[] bytes) {
        restoreState(GsamState.decode(bytes));
    }

    public void restoreState(GsamState state) {
        ensureOpen();
        state.copyParamsInto(network.params());
        INDArray updaterState = network.updater().getStateViewArray();
        state.copyUpdaterStateInto(updaterState);
        network.setIterationCount(state.iterationCount());
        network.setEpochCount(state.epochCount());
        step = state.step();
        skippedSteps = state.skippedSteps();
        seed = state.seed();
        lastLr = state.lastLr();
        lastRho = state.lastRho();
        spikes.restore(state.lossWindow(), state.lossSpikes());
        if (reuse != null) {
            reuse.restore(state.sharpnessCache());
        }
    }

    /** The scheduler states: the lr and ρ of the last step taken (NaN before the first). */
    public double lastLearningRate() {
        return lastLr;
    }

    public double lastRho() {
        return lastRho;
    }

    private void ensureOpen() {
        if (savedParams == null) {
            throw new IllegalStateException("this Gsam optimizer is closed");
        }
    }

    /** Releases the optimizer's buffers; the network stays usable. */
    @Override
    public void close() {
        savedParams = null;
        cleanGradient = null;
        scratch = null;
        nonGradientSlots.close();
        guardedUpdate.close();
    }
}
