package org.gsamflink.operators;

/**
 * Training metrics of one model, per step or aggregated over {@code steps} steps (means over the steps; accuracy
 * over the examples). A Flink POJO.
 *
 * <p>{@code accuracy} is prequential: each batch is predicted by the model <em>before</em> it trains on it.
 * {@code fadingAccuracy} and {@code kappa} score the same predictions over the model's whole stream so far, recent
 * examples weighing most ({@link FadingPrequential}); they are the values after the last step covered, not means.
 */
public class StepMetrics {

    public String modelId;
    /** The step counter after the last step covered. */
    public long step;
    /** Steps covered by this record (1 unless metrics are aggregated). */
    public int steps;
    public long examples;
    public double cleanLoss;
    public double perturbedLoss;
    public double surrogateGap;
    public double accuracy;
    /** Fading-factor prequential accuracy ({@code training.fading-factor}); NaN in a skipped step's record. */
    public double fadingAccuracy;
    /**
     * Cohen's kappa of the faded predictions against the faded label and prediction frequencies; NaN where undefined
     * (every recent label and prediction one same class) and in a skipped step's record.
     */
    public double kappa;
    public double rho;
    public double lr;
    public double gradNorm;
    public double perturbedGradNorm;
    public double cosine;
    /** Examples per second of training time in the covered steps (wall clock: not deterministic). */
    public double examplesPerSecond;
    /** Steps skipped so far for a NaN/Inf loss or gradient (cumulative). */
    public long skippedSteps;
    /**
     * Why the step of this record was skipped ({@code SkipReason.label()}, e.g. {@code non-finite-loss}), or null
     * for a record of taken steps. A skipped step gets a record of its own: {@code steps} 0, {@code examples} 0
     * (nothing was trained), the losses and norms the optimizer saw, and {@code step} the unchanged counter.
     */
    public String skippedReason;
    public long timestampMs;

    public StepMetrics() {}

    @Override
    public String toString() {
        return String.format("StepMetrics{model=%s, step=%d, steps=%d, loss=%.5f, gap=%.5f, acc=%.4f, fadingAcc=%.4f,"
                        + " kappa=%.4f, rho=%.4g, lr=%.4g, skipped=%d%s}", modelId, step, steps, cleanLoss, surrogateGap,
                accuracy, fadingAccuracy, kappa, rho, lr, skippedSteps,
                skippedReason == null ? "" : ", skippedReason=" + skippedReason);
    }
}
