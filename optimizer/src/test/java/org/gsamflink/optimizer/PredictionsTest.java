package org.gsamflink.optimizer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

class PredictionsTest {

    @Test
    void countsRowsWhoseArgmaxIsTheLabel() {
        float[][] rows = {{0.1f, 0.7f, 0.2f}, {0.6f, 0.3f, 0.1f}, {0.2f, 0.2f, 0.6f}, {0.3f, 0.4f, 0.3f}};
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {1, 0, 2, 1})).isEqualTo(4);
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {1, 1, 2, 0})).isEqualTo(2);
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {0, 2, 1, 2})).isZero();
    }

    @Test
    void aTieGoesToTheFirstClass() {
        float[][] rows = {{0.5f, 0.5f}, {0.2f, 0.8f}};
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {0, 1})).isEqualTo(2);
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {1, 1})).isEqualTo(1);
    }

    @Test
    void worksForDoublePrecisionOutputs() {
        double[][] rows = {{0.9, 0.1}, {0.4, 0.6}, {0.8, 0.2}};
        assertThat(Predictions.countCorrect(Nd4j.create(rows).castTo(DataType.DOUBLE), new int[] {0, 1, 1}))
                .isEqualTo(2);
    }

    @Test
    void nullPredictionsCountNothing() {
        assertThat(Predictions.countCorrect(null, new int[] {0, 1, 2})).isZero();
    }

    @Test
    void onlyTheLabelledRowsAreScored() {
        float[][] rows = {{1f, 0f}, {0f, 1f}, {0f, 1f}};
        assertThat(Predictions.countCorrect(Nd4j.create(rows), new int[] {0, 1})).isEqualTo(2);
    }

    @Test
    void predictedClassesAreTheArgmaxOfTheFirstRows() {
        float[][] rows = {{0.1f, 0.7f, 0.2f}, {0.5f, 0.5f, 0f}, {0.2f, 0.2f, 0.6f}};
        assertThat(Predictions.predictedClasses(Nd4j.create(rows), 2)).containsExactly(1, 0);
        assertThat(Predictions.predictedClasses(null, 2))
                .containsExactly(Predictions.NO_CLASS, Predictions.NO_CLASS);
        assertThat(Predictions.countCorrectClasses(new int[] {1, Predictions.NO_CLASS, 2}, new int[] {1, 0, 0}))
                .isEqualTo(1);
    }
}
