package org.gsamflink.cli.data.generators;

import org.gsamflink.cli.data.LabeledData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SeaGeneratorTest {

    private static SeaGenerator sea(int function, int noise, long seed) {
        return SeaGenerator.builder().function(function).noisePercentage(noise).seed(seed).build();
    }

    @Test
    void aSeedNamesOneStream() {
        LabeledData a = sea(2, 10, 7).take(500, "a");
        LabeledData b = sea(2, 10, 7).take(500, "b");
        LabeledData c = sea(2, 10, 8).take(500, "c");
        boolean differs = false;
        for (int i = 0; i < 500; i++) {
            assertThat(b.label(i)).isEqualTo(a.label(i));
            for (int f = 0; f < 3; f++) {
                assertThat(b.feature(i, f)).isEqualTo(a.feature(i, f));
            }
            differs |= c.feature(i, 0) != a.feature(i, 0);
        }
        assertThat(differs).as("another seed, another stream").isTrue();
        assertThat(a.numFeatures()).isEqualTo(3);
        assertThat(a.numClasses()).isEqualTo(2);
    }

    @Test
    void withoutNoiseEachFunctionLabelsByItsThreshold() {
        double[] thetas = {8, 9, 7, 9.5};
        for (int function = 1; function <= 4; function++) {
            assertThat(SeaGenerator.threshold(function)).isEqualTo(thetas[function - 1]);
            SeaGenerator g = sea(function, 0, function);
            double[] x = new double[3];
            int ones = 0;
            for (int i = 0; i < 20_000; i++) {
                int label = g.next(x);
                assertThat(java.util.Arrays.stream(x).min().getAsDouble()).isGreaterThanOrEqualTo(0.0);
                assertThat(java.util.Arrays.stream(x).max().getAsDouble()).isLessThan(10.0);
                assertThat(label).isEqualTo(x[0] + x[1] <= thetas[function - 1] ? 0 : 1);
                ones += label;
            }
            // Two uniforms on [0, 10]: P(x1 + x2 ≤ θ) = θ² / 200 for θ ≤ 10.
            double expected = 1 - thetas[function - 1] * thetas[function - 1] / 200;
            assertThat(ones / 20_000.0).as("class 1 share of function %d", function).isCloseTo(expected, within(0.015));
        }
    }

    @Test
    void noiseFlipsThatShareOfTheLabels() {
        double share = NoiseShare.of(sea(1, 0, 3), sea(1, SeaGenerator.DEFAULT_NOISE_PERCENTAGE, 3), 100_000);
        // Binomial(100000, 0.1): one standard deviation is 0.00095.
        assertThat(share).isCloseTo(0.10, within(0.005));
    }

    @Test
    void settersCheckTheirValues() {
        assertThatThrownBy(() -> SeaGenerator.builder().function(5)).hasMessageContaining("SEA function must be 1..4");
        assertThatThrownBy(() -> SeaGenerator.builder().noisePercentage(101))
                .hasMessageContaining("noise percentage must be a percentage in [0, 100], got 101");
        SeaGenerator defaults = SeaGenerator.builder().build();
        assertThat(defaults.function()).isEqualTo(1);
        assertThat(defaults.toString()).isEqualTo("SEA(function 1, noise 10 %)");
    }
}
