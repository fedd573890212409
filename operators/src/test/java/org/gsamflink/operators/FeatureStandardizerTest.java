package org.gsamflink.operators;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link FeatureStandardizer}: its statistics against a two-pass reference, the transform, its formats. */
class FeatureStandardizerTest {

    private static float[] batch(Random r, int rows, int features, double offset, double scale) {
        float[] x = new float[rows * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (offset * (1 + i % features) + scale * r.nextGaussian());
        }
        return x;
    }

    private static FeatureStandardizer fed(FeatureStandardizer s, float[] x, int rows) {
        s.accept(s.prepare(x, rows));
        return s;
    }

    @Test
    void batchUpdatesMatchATwoPassReferenceFarFromZero() {
        // Offsets of 1e6 with unit spread: the textbook sum-of-squares formula loses every digit here.
        Random r = new Random(1);
        int features = 3;
        FeatureStandardizer s = new FeatureStandardizer(features, 0);
        java.util.List<float[]> all = new java.util.ArrayList<>();
        for (int b = 0; b < 50; b++) {
            int rows = 1 + b % 7;
            float[] x = batch(r, rows, features, 1e6, 1.0);
            all.add(x);
            fed(s, x, rows);
        }
        for (int j = 0; j < features; j++) {
            double sum = 0;
            long n = 0;
            for (float[] x : all) {
                for (int i = j; i < x.length; i += features) {
                    sum += x[i];
                    n++;
                }
            }
            double mean = sum / n;
            double ss = 0;
            for (float[] x : all) {
                for (int i = j; i < x.length; i += features) {
                    ss += (x[i] - mean) * (x[i] - mean);
                }
            }
            assertThat(s.count()).isEqualTo(n);
            assertThat(s.mean(j)).isCloseTo(mean, within(1e-6));
            assertThat(s.std(j)).isCloseTo(Math.sqrt(ss / n), within(1e-6 * Math.sqrt(ss / n)));
        }
    }

    @Test
    void prepareLeavesTheStatisticsAsTheyAreUntilAccepted() {
        FeatureStandardizer s = fed(new FeatureStandardizer(2, 0), new float[] {1, 2, 3, 4}, 2);
        FeatureStandardizer before = s.copy();
        FeatureStandardizer.Update u = s.prepare(new float[] {100, 200}, 1);
        assertThat(s.sameAs(before)).isTrue();
        s.accept(u);
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.sameAs(before)).isFalse();
    }

    @Test
    void standardizesByTheStatisticsThatIncludeTheBatch() {
        FeatureStandardizer s = new FeatureStandardizer(2, 0);
        FeatureStandardizer.Update u = s.prepare(new float[] {1, 10, 3, 10}, 2);
        // Feature 0: mean 2, std 1; feature 1 is constant: std 0, mapped to 0.
        assertThat(u.standardized()).containsExactly(-1f, 0f, 1f, 0f);
        s.accept(u);
        assertThat(s.transform(new float[] {4, 11}, 1)).containsExactly(2f, 0f);
    }

    @Test
    void aHugeFiniteValueStaysWithinTheSquareRootOfTheCountAndTheClipHoldsIt() {
        FeatureStandardizer s = new FeatureStandardizer(1, 0);
        Random r = new Random(2);
        for (int b = 0; b < 24; b++) {
            fed(s, batch(r, 4, 1, 0, 1), 4);
        }
        float[] x = {Float.MAX_VALUE, 0, 0, 0};
        float[] z = s.prepare(x, 4).standardized();
        assertThat(z[0]).isFinite().isLessThanOrEqualTo((float) Math.sqrt(100));
        assertThat(s.transform(x, 4)[0]).as("without the value in the statistics").isEqualTo(Float.MAX_VALUE);
        s.setClip(5);
        assertThat(s.transform(x, 4)[0]).isEqualTo(5f);
        assertThat(s.transform(new float[] {-1e30f, 0, 0, 0}, 4)[0]).isEqualTo(-5f);
    }

    @Test
    void roundTripsBitForBitAndContinuesIdentically() throws IOException {
        Random r = new Random(3);
        FeatureStandardizer a = new FeatureStandardizer(5, 4);
        for (int b = 0; b < 20; b++) {
            fed(a, batch(r, 8, 5, 3, 2), 8);
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        a.write(out);
        FeatureStandardizer b = FeatureStandardizer.read(new DataInputDeserializer(out.getCopyOfBuffer()), 100);
        assertThat(b.sameAs(a)).isTrue();
        float[] x = batch(r, 8, 5, 3, 2);
        assertThat(b.prepare(x, 8).standardized()).containsExactly(a.prepare(x, 8).standardized());
        assertThatThrownBy(() -> FeatureStandardizer.read(new DataInputDeserializer(out.getCopyOfBuffer()), 4))
                .hasMessageContaining("corrupt standardizer: 5 features");
        assertThatThrownBy(() -> FeatureStandardizer.read(new DataInputDeserializer(new byte[] {9}), 4))
                .hasMessageContaining("unsupported standardizer format 9");
    }

    @Test
    void travelsInTheModelZipWhichDl4jStillRestores() throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(TestModels.mlp(8));
        net.init();
        byte[] plain = GsamTrainingOperator.modelBytes(net);
        assertThat(FeatureStandardizer.from(plain)).isEmpty();
        FeatureStandardizer s = fed(new FeatureStandardizer(TestModels.FEATURES, 5),
                batch(new Random(4), 6, TestModels.FEATURES, 10, 3), 6);
        byte[] zip = s.addTo(plain);
        assertThat(FeatureStandardizer.from(zip)).hasValueSatisfying(t -> assertThat(t.sameAs(s)).isTrue());
        assertThat(FeatureStandardizer.from(s.addTo(zip))).as("added twice: one entry, replaced")
                .hasValueSatisfying(t -> assertThat(t.sameAs(s)).isTrue());
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), true);
        assertThat(restored.params()).isEqualTo(net.params());
        assertThat(restored.getUpdater().getStateViewArray()).isEqualTo(net.getUpdater().getStateViewArray());
    }

    @Test
    void rejectsBadSettingsWithTheirValues() {
        assertThatThrownBy(() -> new FeatureStandardizer(0, 0)).hasMessageContaining("at least one feature, got 0");
        assertThatThrownBy(() -> new FeatureStandardizer(2, -1)).hasMessageContaining("clip must be 0 (none) or a "
                + "positive number of standard deviations, got -1.0");
        assertThatThrownBy(() -> FeatureStandardizer.checkClip(Double.NaN)).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> new FeatureStandardizer(2, 0).prepare(new float[3], 2))
                .hasMessageContaining("expected 2 rows of 2 features, got 3 values");
    }
}
