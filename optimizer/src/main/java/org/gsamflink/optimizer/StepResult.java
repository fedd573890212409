package org.gsamflink.optimizer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one {@link Gsam#step} did. Losses are the mean minibatch loss without the regularization (L2 / weight decay)
 * term, which belongs to the base optimizer; norms are those of the mean-loss gradients over the trainable
 * parameters (BatchNorm running statistics excluded).
 *
 * @param step            the step counter t this step ran at (the counter afterwards is t + 1 unless skipped)
 * @param skipReason      why the step was skipped, or null when it was taken; a skipped step leaves parameters,
 *                        updater state, the step counter and the schedulers untouched
 * @param batchSize       examples in the minibatch
 * @param cleanLoss       ℓ = L(w)
 * @param perturbedLoss   ℓ_p = L(w + e) (equals ℓ when ρ_t = 0)
 * @param surrogateGap    h = ℓ_p − ℓ, never clamped
 * @param gradNorm        ‖g‖
 * @param perturbedGradNorm ‖g_p‖
 * @param cosine          cos(g, g_p)
 * @param directionNorm   ‖d‖, the norm of the final direction the base optimizer was given (after the
 *                        decomposition; g itself when ρ_t = 0), in mean-loss units, <em>before</em> any clipping;
 *                        NaN when the step was skipped before d was formed
 * @param clipped         whether d was scaled down to {@link GsamConfig#clipNorm()} (its norm was larger)
 * @param rho             ρ_t
 * @param lr              lr_t
 * @param predictions     the clean pass's network outputs, one array per network output (the prequential
 *                        "predict, then train" output for this batch; made before the update)
 */
public record StepResult(
        long step,
        SkipReason skipReason,
        int batchSize,
        double cleanLoss,
        double perturbedLoss,
        double surrogateGap,
        double gradNorm,
        double perturbedGradNorm,
        double cosine,
        double directionNorm,
        boolean clipped,
        double rho,
        double lr,
        INDArray[] predictions) {

    /** A result without the direction's norm (NaN) and not clipped: the components of releases before the guards. */
    public StepResult(long step, SkipReason skipReason, int batchSize, double cleanLoss, double perturbedLoss,
                      double surrogateGap, double gradNorm, double perturbedGradNorm, double cosine, double rho,
                      double lr, INDArray[] predictions) {
        this(step, skipReason, batchSize, cleanLoss, perturbedLoss, surrogateGap, gradNorm, perturbedGradNorm, cosine,
                Double.NaN, false, rho, lr, predictions);
    }

    /** Whether the step was skipped ({@link #skipReason()} says why). */
    public boolean skipped() {
        return skipReason != null;
    }

    /** The first (for a MultiLayerNetwork: the only) output's predictions. */
    public INDArray prediction() {
        return predictions == null || predictions.length == 0 ? null : predictions[0];
    }
}
