package org.gsamflink.cli.data.generators;

import org.gsamflink.cli.data.LabeledData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HyperplaneGeneratorTest {

    private static HyperplaneGenerator.Builder plane() {
        return HyperplaneGenerator.builder().features(10).driftFeatures(2).magChange(0.01).sigmaPercentage(10);
    }

    @Test
    void aSeedNamesOneStream() {
        LabeledData a = plane().seed(5).build().take(300, "a");
        LabeledData b = plane().seed(5).build().take(300, "b");
        LabeledData c = plane().seed(6).build().take(300, "c");
        assertThat(a.numFeatures()).isEqualTo(10);
        assertThat(a.numClasses()).isEqualTo(2);
        boolean differs = false;
        for (int i = 0; i < 300; i++) {
            assertThat(b.label(i)).isEqualTo(a.label(i));
            for (int f = 0; f < 10; f++) {
                assertThat(b.feature(i, f)).isEqualTo(a.feature(i, f));
                assertThat(a.feature(i, f)).isBetween(0f, 1f);
            }
            differs |= c.feature(i, 3) != a.feature(i, 3);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void withoutNoiseTheLabelIsTheSideOfTheCurrentPlane() {
        HyperplaneGenerator g = plane().noisePercentage(0).seed(2).build();
        double[] x = new double[10];
        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            double[] w = g.weights();
            int label = g.next(x);
            double sum = 0;
            double half = 0;
            for (int f = 0; f < 10; f++) {
                sum += w[f] * x[f];
                half += w[f] / 2;
            }
            assertThat(label).as("example %d", i).isEqualTo(sum >= half ? 1 : 0);
            ones += label;
        }
        // The plane goes through the cube's centre: the classes stay about balanced.
        assertThat(ones / 20_000.0).isCloseTo(0.5, within(0.05));
    }

    @Test
    void onlyTheDriftingWeightsMoveByTheMagnitudeEachExample() {
        HyperplaneGenerator g = plane().features(5).driftFeatures(2).magChange(0.001).sigmaPercentage(0).seed(4)
                .build();
        double[] start = g.weights();
        double[] x = new double[5];
        for (int i = 0; i < 1000; i++) {
            g.next(x);
        }
        double[] end = g.weights();
        // Sigma 0: no reversal, so each drifting weight moved +0.001 a thousand times.
        assertThat(end[0] - start[0]).isCloseTo(1.0, within(1e-9));
        assertThat(end[1] - start[1]).isCloseTo(1.0, within(1e-9));
        for (int f = 2; f < 5; f++) {
            assertThat(end[f]).isEqualTo(start[f]);
        }

        // With reversals (sigma 10 %) the walk is shorter than the straight line but not still.
        HyperplaneGenerator turning = plane().features(5).driftFeatures(2).magChange(0.001).seed(4).build();
        for (int i = 0; i < 1000; i++) {
            turning.next(x);
        }
        double moved = Math.abs(turning.weights()[0] - start[0]);
        assertThat(moved).isGreaterThan(0).isLessThan(0.5);
        assertThat(HyperplaneGenerator.builder().build().weights()).hasSize(10);
    }

    @Test
    void noiseFlipsThatShareOfTheLabels() {
        double share = NoiseShare.of(plane().noisePercentage(0).seed(8).build(),
                plane().noisePercentage(HyperplaneGenerator.DEFAULT_NOISE_PERCENTAGE).seed(8).build(), 100_000);
        // Binomial(100000, 0.05): one standard deviation is 0.00069.
        assertThat(share).isCloseTo(0.05, within(0.004));
    }

    @Test
    void builderRules() {
        assertThatThrownBy(() -> HyperplaneGenerator.builder().features(0)).hasMessageContaining("features must be >= 1");
        assertThatThrownBy(() -> HyperplaneGenerator.builder().magChange(1.5))
                .hasMessageContaining("magnitude of change must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> HyperplaneGenerator.builder().sigmaPercentage(-1))
                .hasMessageContaining("sigma percentage must be a percentage in [0, 100]");
        assertThatThrownBy(() -> HyperplaneGenerator.builder().features(3).driftFeatures(4).build())
                .hasMessageContaining("drift features (4) must not exceed features (3)");
    }
}
