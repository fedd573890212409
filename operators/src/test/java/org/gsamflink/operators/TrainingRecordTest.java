package org.gsamflink.operators;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link TrainingRecord#problem}: one message per malformed case, null for well-formed records. */
class TrainingRecordTest {

    private static final int F = 4;
    private static final int C = 3;

    private static TrainingRecord good() {
        return TrainingRecord.example("m", new float[] {1, 2, 3, 4}, 2);
    }

    @Test
    void wellFormedRecordsHaveNoProblem() {
        assertThat(good().problem(F, C)).isNull();
        assertThat(TrainingRecord.example("m", new float[] {0, 0, 0, 0}, 0, 0f).problem(F, C)).isNull();
        assertThat(TrainingRecord.example("m", new float[] {-1, 1e30f, 0, 0}, 1, 2.5f).problem(F, C)).isNull();
        assertThat(TrainingRecord.minibatch("m", F, new float[2 * F], new int[] {0, 2}).problem(F, C)).isNull();
        assertThat(new TrainingRecord("m", 2, F, new float[2 * F], new int[] {1, 1}, new float[] {1f, 0.5f}, true)
                .problem(F, C)).isNull();
    }

    @Test
    void factoriesFillTheShape() {
        TrainingRecord e = TrainingRecord.example("m", new float[] {1, 2, 3}, 1, 0.5f);
        assertThat(e.rows).isEqualTo(1);
        assertThat(e.numFeatures).isEqualTo(3);
        assertThat(e.labels).containsExactly(1);
        assertThat(e.weights).containsExactly(0.5f);
        assertThat(e.preBatched).isFalse();

        TrainingRecord b = TrainingRecord.minibatch("m", 2, new float[6], new int[] {0, 1, 0});
        assertThat(b.rows).isEqualTo(3);
        assertThat(b.numFeatures).isEqualTo(2);
        assertThat(b.weights).isNull();
        assertThat(b.preBatched).isTrue();
    }

    @Test
    void missingModelId() {
        TrainingRecord r = good();
        r.modelId = null;
        assertThat(r.problem(F, C)).isEqualTo("missing model id");
        r.modelId = "";
        assertThat(r.problem(F, C)).isEqualTo("missing model id");
    }

    @Test
    void rowsMustBePositive() {
        TrainingRecord r = new TrainingRecord("m", 0, F, new float[0], new int[0], null, true);
        assertThat(r.problem(F, C)).isEqualTo("rows must be > 0, got 0");
    }

    @Test
    void wrongFeatureCount() {
        TrainingRecord r = TrainingRecord.example("m", new float[] {1, 2, 3}, 0);
        assertThat(r.problem(F, C)).isEqualTo("feature count 3 does not match the model's 4");
    }

    @Test
    void featureArrayOfTheWrongLength() {
        TrainingRecord r = new TrainingRecord("m", 2, F, new float[F], new int[] {0, 1}, null, true);
        assertThat(r.problem(F, C)).isEqualTo("features hold 4 values, expected 8");
        r.features = null;
        assertThat(r.problem(F, C)).isEqualTo("features hold 0 values, expected 8");
    }

    @Test
    void rowsMismatchInLabelsAndWeights() {
        TrainingRecord labels = new TrainingRecord("m", 2, F, new float[2 * F], new int[] {0}, null, true);
        assertThat(labels.problem(F, C)).isEqualTo("labels hold 1 values, expected 2");
        labels.labels = null;
        assertThat(labels.problem(F, C)).isEqualTo("labels hold 0 values, expected 2");

        TrainingRecord weights = new TrainingRecord("m", 2, F, new float[2 * F], new int[] {0, 1},
                new float[] {1f, 1f, 1f}, true);
        assertThat(weights.problem(F, C)).isEqualTo("weights hold 3 values, expected 2");
    }

    @Test
    void labelOutOfRange() {
        assertThat(TrainingRecord.example("m", new float[F], 3).problem(F, C)).isEqualTo("label 3 out of range [0, 3)");
        assertThat(TrainingRecord.example("m", new float[F], -1).problem(F, C))
                .isEqualTo("label -1 out of range [0, 3)");
    }

    @Test
    void nonFiniteFeature() {
        assertThat(TrainingRecord.example("m", new float[] {1, Float.NaN, 0, 0}, 0).problem(F, C))
                .isEqualTo("non-finite feature value NaN");
        assertThat(TrainingRecord.example("m", new float[] {1, 0, Float.POSITIVE_INFINITY, 0}, 0).problem(F, C))
                .isEqualTo("non-finite feature value Infinity");
        assertThat(TrainingRecord.example("m", new float[] {Float.NEGATIVE_INFINITY, 0, 0, 0}, 0).problem(F, C))
                .isEqualTo("non-finite feature value -Infinity");
    }

    @Test
    void negativeOrNonFiniteWeight() {
        assertThat(TrainingRecord.example("m", new float[F], 0, -1f).problem(F, C))
                .isEqualTo("weight must be finite and >= 0, got -1.0");
        assertThat(TrainingRecord.example("m", new float[F], 0, Float.NaN).problem(F, C))
                .isEqualTo("weight must be finite and >= 0, got NaN");
        assertThat(TrainingRecord.example("m", new float[F], 0, Float.POSITIVE_INFINITY).problem(F, C))
                .isEqualTo("weight must be finite and >= 0, got Infinity");
    }

    @Test
    void equalsComparesContents() {
        assertThat(good()).isEqualTo(good()).hasSameHashCodeAs(good());
        TrainingRecord other = good();
        other.features[0] = 9;
        assertThat(other).isNotEqualTo(good());
        assertThat(TrainingRecord.example("m", new float[F], 0, 1f)).isNotEqualTo(TrainingRecord.example("m",
                new float[F], 0));
    }
}
