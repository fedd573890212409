package org.gsamflink.optimizer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scoring of classifier outputs against integer labels: the one place where "correct" is defined for the
 * prequential (predict, then train) accuracy of the streaming operator and for the offline trainer's batch and
 * held-out accuracy. Stateless.
 */
public final class Predictions {

    private Predictions() {}

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
        if (predictions == null) {
            return 0;
        }
        long[] predicted = predictions.argMax(1).toLongVector();
        long correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
    }
}
