package org.gsamflink.operators;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Fading-factor prequential accuracy and Cohen's kappa of one model's predict-then-train stream: what the model gets
 * right now, with old examples forgotten at a fixed rate instead of counted forever (the window accuracy of
 * {@link MetricsAccumulator} forgets everything at each window, the stream accuracy nothing).
 *
 * <p>Gama, Sebastião, Rodrigues, "On evaluating stream learning algorithms", Machine Learning 90(3), 2013, §4:
 * per example, {@code S ← α·S + correct}, {@code N ← α·N + 1}, accuracy {@code S / N}; with {@code α = 1} it is the
 * cumulative prequential accuracy, with {@code α < 1} the weight of an example halves every {@code ln 2 / -ln α}
 * examples (693 at MOA's default α = 0.999) and {@code N} tends to {@code 1 / (1 - α)}.
 *
 * <p>Kappa as MOA computes it for its {@code FadingFactorClassificationPerformanceEvaluator} (Waikato/moa,
 * {@code moa.evaluation.BasicClassificationPerformanceEvaluator#getKappaStatistic} with the fading estimator): per
 * class {@code k} the faded count of examples predicted as {@code k} ({@code row_k}) and of examples labelled {@code k}
 * ({@code col_k}), each faded like {@code N}; {@code p0 = S / N}, {@code pc = Σ_k (row_k / N)(col_k / N)} (the
 * agreement expected by chance from the two marginals), {@code κ = (p0 - pc) / (1 - pc)}. 1 is perfect, 0 is no
 * better than chance, below 0 worse. Kappa is undefined when {@code pc = 1} (every recent prediction and label is the
 * one same class, a single-class stream): it is NaN then, as MOA's formula gives (0 / 0); it is NaN before any example
 * too (MOA reports 0 there, which reads as "chance level"). Accuracy is NaN before any example, like the window's.
 *
 * <p>Unlike MOA, every example counts once whatever its record weight, as the window's prequential accuracy does. A
 * minibatch of {@code b} examples is folded in with the closed form of {@code b} single updates in row order:
 * {@code S ← α^b·S + Σ_i α^(b-1-i)·correct_i} (and alike for {@code N} and the class counts), in O(b + classes) instead
 * of O(b · classes). α is configuration ({@code training.fading-factor}), not state: a restore with another α goes on
 * from the same sums with the new one.
 *
 * <p>State: part of {@link ModelState} (so it survives failures and restores bit for bit; {@link #write}/{@link
 * #read}); empty for state written before it existed. Memory: two doubles plus two per class seen. Not thread-safe.
 */
public final class FadingPrequential {

    /** More classes than this in state is corruption, not a model (a 1M-class output layer is 16 MiB here). */
    static final int MAX_CLASSES = 1 << 20;
    private static final double[] NONE = new double[0];

    /** Faded count of correct predictions ({@code S}). */
    double correct;
    /** Faded count of examples ({@code N}). */
    double seen;
    /** Per class: faded count of examples predicted as it (MOA's {@code rowKappa}). */
    double[] predicted = NONE;
    /** Per class: faded count of examples labelled with it (MOA's {@code columnKappa}). */
    double[] actual = NONE;

    /**
     * Folds one minibatch in, row by row in order.
     *
     * @param alpha the fading factor, in (0, 1]
     * @param predictedClasses each row's predicted class ({@code Predictions.predictedClasses}; negative: none, so
     *     not correct and counted in no class)
     * @param labels each row's label (>= 0)
     */
    void add(double alpha, int[] predictedClasses, int[] labels) {
        int b = labels.length;
        growTo(Math.max(maxOf(predictedClasses, b), maxOf(labels, b)) + 1);
        double decay = 1;
        for (int i = 0; i < b; i++) {
            decay *= alpha;
        }
        correct *= decay;
        seen *= decay;
        for (int k = 0; k < actual.length; k++) {
            predicted[k] *= decay;
            actual[k] *= decay;
        }
        // Walking back from the newest row, the weight of row i is alpha^(b-1-i).
        double w = 1;
        for (int i = b - 1; i >= 0; i--) {
            seen += w;
            actual[labels[i]] += w;
            if (predictedClasses[i] >= 0) {
                predicted[predictedClasses[i]] += w;
                if (predictedClasses[i] == labels[i]) {
                    correct += w;
                }
            }
            w *= alpha;
        }
    }

    /** {@code S / N}; NaN before any example. */
    double accuracy() {
        return seen > 0 ? correct / seen : Double.NaN;
    }

    /** Cohen's kappa {@code (p0 - pc) / (1 - pc)}; NaN before any example and when {@code pc = 1} (see above). */
    double kappa() {
        if (!(seen > 0)) {
            return Double.NaN;
        }
        double pc = 0;
        for (int k = 0; k < actual.length; k++) {
            pc += (predicted[k] / seen) * (actual[k] / seen);
        }
        return pc < 1 ? (correct / seen - pc) / (1 - pc) : Double.NaN;
    }

    boolean isEmpty() {
        return seen == 0;
    }

    void copyFrom(FadingPrequential o) {
        correct = o.correct;
        seen = o.seen;
        predicted = o.predicted.clone();
        actual = o.actual.clone();
    }

    /** {@code double S, double N, int classes, then per class: double predicted, double actual}. */
    void write(DataOutput out) throws IOException {
        out.writeDouble(correct);
        out.writeDouble(seen);
        out.writeInt(actual.length);
        for (int k = 0; k < actual.length; k++) {
            out.writeDouble(predicted[k]);
            out.writeDouble(actual[k]);
        }
    }

    /** Reads {@link #write}'s output into this (replacing what it held). */
    void read(DataInput in) throws IOException {
        correct = in.readDouble();
        seen = in.readDouble();
        int classes = in.readInt();
        if (classes < 0 || classes > MAX_CLASSES) {
            throw new IOException("fading prequential statistics of " + classes + " classes (at most "
                    + MAX_CLASSES + ")");
        }
        predicted = new double[classes];
        actual = new double[classes];
        for (int k = 0; k < classes; k++) {
            predicted[k] = in.readDouble();
            actual[k] = in.readDouble();
        }
    }

    /** Classes are counted as they appear, so neither the spec nor a restore has to tell their number. */
    private void growTo(int classes) {
        if (classes > actual.length) {
            predicted = Arrays.copyOf(predicted, classes);
            actual = Arrays.copyOf(actual, classes);
        }
    }

    private static int maxOf(int[] values, int n) {
        int max = -1;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, values[i]);
        }
        return max;
    }
}
