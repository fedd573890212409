package org.gsamflink.optimizer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scoring of classifier outputs against integer labels: the one place where "correct" is defined for the
 * prequential (predict, then train) accuracy of the streaming operator and for the offline trainer's batch and
 * held-out accuracy. Stateless.
 */
public final class Predictions {

    private Predictions() {}

    /** Stands for "no class" in {@link #predictedClasses}: a row without predictions, never a label. */
    public static final int NO_CLASS = -1;

    /**
     * The examples whose predicted class, the argmax over a row of {@code predictions} (first index on ties), equals
     * their label.
     *
     * @param predictions one row per example and one column per class, or null (then nothing is correct)
     * @param labels the class of each example; row {@code i} is scored against {@code labels[i]}, and only the first
     *     {@code labels.length} rows are scored
     * @return the number of correct rows, between 0 and {@code labels.length}
     */
    public static long countCorrect(INDArray predictions, int[] labels) {
        return countCorrectClasses(predictedClasses(predictions, labels.length), labels);
    }

    /** The examples whose entry in {@code predicted} (from {@link #predictedClasses}) equals their label. */
    public static long countCorrectClasses(int[] predicted, int[] labels) {
        long correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    /**
     * The predicted class of each of the first {@code rows} rows: the argmax over the row (first index on ties);
     * {@link #NO_CLASS} for every row when {@code predictions} is null, so that no row counts as correct.
     */
    public static int[] predictedClasses(INDArray predictions, int rows) {
        int[] classes = new int[rows];
        if (predictions == null) {
            java.util.Arrays.fill(classes, NO_CLASS);
            return classes;
        }
        long[] argmax = predictions.argMax(1).toLongVector();
        for (int i = 0; i < rows; i++) {
            classes[i] = (int) argmax[i];
        }
        return classes;
    }
}
