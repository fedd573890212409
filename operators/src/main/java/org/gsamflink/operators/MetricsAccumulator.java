package org.gsamflink.operators;

import org.gsamflink.optimizer.StepResult;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Locale;

/**
 * Sums of step results over a window of steps (the metrics aggregation window, or the steps since the last model
 * snapshot). Lives in keyed state as part of {@link ModelState}, so an aggregated record after a restore equals the
 * one an uninterrupted run would emit.
 *
 * <p>The sharpness figures (perturbed loss, surrogate gap, perturbed gradient norm, cos) exist only on steps that
 * computed them: with {@code gsam.sharpness-every} > 1 the steps in between report NaN. Their means are over
 * {@link #sharpnessSteps}, the steps that had them (all steps in state of release 0.1.0).
 */
public final class MetricsAccumulator {

    long steps;
    long examples;
    long correct;
    double loss;
    double perturbedLoss;
    double gap;
    double gradNorm;
    double perturbedGradNorm;
    double cosine;
    double rho;
    double lr;
    long nanos;
    long sharpnessSteps;

    void add(StepResult r, long correctInBatch, long nanosTaken) {
        steps++;
        examples += r.batchSize();
        correct += correctInBatch;
        loss += r.cleanLoss();
        gradNorm += r.gradNorm();
        if (!Double.isNaN(r.surrogateGap())) {
            sharpnessSteps++;
            perturbedLoss += r.perturbedLoss();
            gap += r.surrogateGap();
            perturbedGradNorm += r.perturbedGradNorm();
            cosine += r.cosine();
        }
        rho = r.rho();
        lr = r.lr();
        nanos += nanosTaken;
    }

    boolean isEmpty() {
        return steps == 0;
    }

    void reset() {
        steps = examples = correct = nanos = sharpnessSteps = 0;
        loss = perturbedLoss = gap = gradNorm = perturbedGradNorm = cosine = rho = lr = 0;
    }

    double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    double meanLoss() {
        return steps == 0 ? Double.NaN : loss / steps;
    }

    double meanGap() {
        return sharpnessSteps == 0 ? Double.NaN : gap / sharpnessSteps;
    }

    /** This window's record; {@code fading} gives the stream-long figures as they stand at its end. */
    StepMetrics toMetrics(String modelId, long step, long skippedSteps, FadingPrequential fading, long nowMs) {
        StepMetrics m = new StepMetrics();
        m.modelId = modelId;
        m.step = step;
        m.steps = (int) steps;
        m.examples = examples;
        m.cleanLoss = loss / steps;
        m.perturbedLoss = sharpnessSteps == 0 ? Double.NaN : perturbedLoss / sharpnessSteps;
        m.surrogateGap = meanGap();
        m.accuracy = accuracy();
        m.fadingAccuracy = fading.accuracy();
        m.kappa = fading.kappa();
        m.rho = rho;
        m.lr = lr;
        m.gradNorm = gradNorm / steps;
        m.perturbedGradNorm = sharpnessSteps == 0 ? Double.NaN : perturbedGradNorm / sharpnessSteps;
        m.cosine = sharpnessSteps == 0 ? Double.NaN : cosine / sharpnessSteps;
        m.examplesPerSecond = nanos == 0 ? 0 : examples * 1e9 / nanos;
        m.skippedSteps = skippedSteps;
        m.timestampMs = nowMs;
        return m;
    }

    String toJson() {
        return String.format(Locale.ROOT,
                "{\"steps\":%d,\"examples\":%d,\"loss\":%s,\"accuracy\":%s,\"surrogate_gap\":%s,\"rho\":%s,\"lr\":%s}",
                steps, examples, num(meanLoss()), num(accuracy()), num(meanGap()), num(rho), num(lr));
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    void copyFrom(MetricsAccumulator o) {
        steps = o.steps;
        examples = o.examples;
        correct = o.correct;
        loss = o.loss;
        perturbedLoss = o.perturbedLoss;
        gap = o.gap;
        gradNorm = o.gradNorm;
        perturbedGradNorm = o.perturbedGradNorm;
        cosine = o.cosine;
        rho = o.rho;
        lr = o.lr;
        nanos = o.nanos;
        sharpnessSteps = o.sharpnessSteps;
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(steps);
        out.writeLong(examples);
        out.writeLong(correct);
        out.writeDouble(loss);
        out.writeDouble(perturbedLoss);
        out.writeDouble(gap);
        out.writeDouble(gradNorm);
        out.writeDouble(perturbedGradNorm);
        out.writeDouble(cosine);
        out.writeDouble(rho);
        out.writeDouble(lr);
        out.writeLong(nanos);
        out.writeLong(sharpnessSteps);
    }

    /** Reads {@link #write}'s output; {@code withSharpnessSteps} false for release 0.1.0's, which lacks the count. */
    void read(DataInput in, boolean withSharpnessSteps) throws IOException {
        steps = in.readLong();
        examples = in.readLong();
        correct = in.readLong();
        loss = in.readDouble();
        perturbedLoss = in.readDouble();
        gap = in.readDouble();
        gradNorm = in.readDouble();
        perturbedGradNorm = in.readDouble();
        cosine = in.readDouble();
        rho = in.readDouble();
        lr = in.readDouble();
        nanos = in.readLong();
        sharpnessSteps = withSharpnessSteps ? in.readLong() : steps;
    }
}
