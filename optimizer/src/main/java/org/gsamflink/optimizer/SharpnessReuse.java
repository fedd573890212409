package org.gsamflink.optimizer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code sharpness-every: k}: the full GSAM direction every k steps, and in between one forward-backward pass plus
 * a cached correction, after LookSAM.
 *
 * <pre>
 * Liu, Y., Mai, S., Chen, X., Hsieh, C.-J., You, Y.
 * "Towards Efficient and Scalable Sharpness-Aware Minimization." CVPR 2022.
 *
 * Zhuang, J. et al. "Surrogate Gap Minimization Improves Sharpness-Aware Training." ICLR 2022.
 * </pre>
 *
 * <p>The rule. At a full step t₀ (every step t with {@code t mod k = 0}, and the first step after a restore that
 * carried no cache) GSAM computes its direction d = g_p − α·g_⊥ from the clean gradient g and the perturbed one
 * g_p. Write it as d = g + c: c = (g_p − g) − α·g_⊥ is everything the sharpness-aware step adds to plain gradient
 * descent. The cache keeps that correction per unit of clean-gradient norm, v = c / ‖g‖ (at t₀). A step t in
 * between takes only the clean pass and uses
 * <pre>
 *   d_t = g_t + ‖g_t‖ · v
 * </pre>
 * Why this form: LookSAM observes that the part of the SAM gradient orthogonal to g changes slowly over steps,
 * while its size tracks ‖g‖; it reuses that component rescaled to the current ‖g‖ (g̃_s = g + α_L·‖g‖/‖g_v‖·g_v).
 * With GSAM the whole correction c holds both the SAM part and the surrogate-gap term −α·g_⊥, so the cache holds
 * c and the same rescaling by the current ‖g‖ applies; no extra hyperparameter is needed (LookSAM's α_L is the
 * ratio ‖c‖/‖g‖ at t₀ here). No public code combines LookSAM with GSAM's surrogate-gap term; this is the project's
 * rule, and its accuracy is measured, not assumed ({@code benchmarks/run-experiment.sh}).
 *
 * <p>With k = 1 every step is full and no cache exists: exactly GSAM, bit for bit (no extra arrays either). The
 * cache is part of the optimizer state ({@link GsamState} versions 5 and 6), so checkpoints restore it and a
 * restored model continues bit-identically. A full step's correction is kept only when the step is committed: a
 * skipped step leaves the cache as it was. Reported sharpness figures (perturbed loss, surrogate gap, perturbed
 * gradient norm, cos) exist on full steps only; in-between steps report NaN for them.
 *
 * <p>Memory: two vectors of the parameter count (the cache and the candidate of the step being taken).
 * Not thread-safe, one per {@link Gsam}.
 */
final class SharpnessReuse {

    private final int every;
    private final DataType type;
    private INDArray cache;
    private INDArray candidate;
    private boolean candidateReady;

    /** @param type the parameters' data type, which the cache has too */
    SharpnessReuse(int every, DataType type) {
        if (every < 2) {
            throw new IllegalArgumentException("SharpnessReuse needs every >= 2, got " + every);
        }
        this.every = every;
        this.type = type;
    }

    /** Whether step {@code t} computes the full direction. */
    boolean fullStepDue(long t) {
        return cache == null || t % every == 0;
    }

    /**
     * Stages the correction of a full step: {@code (d − g) / scale}, with d and g in the gradient view's units and
     * {@code scale} = ‖g‖ in the same units. {@link #commit()} makes it the cache once the step is taken.
     */
    void stage(INDArray direction, INDArray cleanGradient, double scale) {
        candidateReady = false;
        if (!(scale > 0) || !Double.isFinite(scale)) {
            return;   // no direction to normalise by: keep the cache as it is
        }
        if (candidate == null) {
            candidate = Nd4j.createUninitialized(type, direction.length());
        }
        candidate.assign(direction).subi(cleanGradient).divi(scale);
        candidateReady = true;
    }

    /** The staged correction becomes the cache (the full step was committed). */
    void commit() {
        if (candidateReady) {
            INDArray previous = cache;
            cache = candidate;
            candidate = previous;
            candidateReady = false;
        }
    }

    /** d ← g + scale · cache, in place in the gradient view ({@code scale} = ‖g‖ in the view's units). */
    void apply(INDArray gradient, VectorOps ops, double scale) {
        ops.axpy(scale, cache, gradient);
    }

    /** A copy of the cache for a state export; null when there is none. */
    INDArray exportCache() {
        return cache == null ? null : cache.dup();
    }

    /** Restores the cache from a state (null: none, so the next step is full). */
    void restore(INDArray saved) {
        candidateReady = false;
        if (saved == null) {
            cache = null;
            return;
        }
        if (cache == null || cache.length() != saved.length()) {
            cache = Nd4j.createUninitialized(type, saved.length());
        }
        cache.assign(saved.reshape(saved.length()).castTo(type));
    }
}
