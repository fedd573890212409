package org.gsamflink.cli.data.generators;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ConceptDriftStreamTest {

    private static SeaGenerator sea(int function, long seed) {
        return SeaGenerator.builder().function(function).noisePercentage(0).seed(seed).build();
    }

    @Test
    void anAbruptDriftSwitchesTheSeaConceptAtItsPosition() {
        // Functions 1 (θ 8) and 3 (θ 7) disagree where 7 < x1 + x2 ≤ 8: class 0 before the drift, 1 after.
        ConceptDriftStream s = ConceptDriftStream.builder().concept(sea(1, 1)).concept(sea(3, 2)).driftAt(5000)
                .build();
        double[] x = new double[3];
        int before = 0;
        int after = 0;
        for (long t = 1; t <= 10_000; t++) {
            int label = s.next(x);
            double sum = x[0] + x[1];
            if (t <= 4997) {
                assertThat(s.lastConcept()).as("example %d", t).isZero();
                if (sum > 7 && sum <= 8) {
                    assertThat(label).as("example %d", t).isZero();
                    before++;
                }
            } else if (t >= 5003) {
                assertThat(s.lastConcept()).as("example %d", t).isOne();
                if (sum > 7 && sum <= 8) {
                    assertThat(label).as("example %d", t).isOne();
                    after++;
                }
            }
        }
        assertThat(before).isGreaterThan(300);
        assertThat(after).isGreaterThan(300);
    }

    @Test
    void theSharesFollowMoasSigmoid() {
        assertThat(ConceptDriftStream.probabilityOfNew(100, 100, 1)).isEqualTo(0.5);
        assertThat(ConceptDriftStream.probabilityOfNew(101, 100, 1)).isCloseTo(0.982, within(0.001));
        assertThat(ConceptDriftStream.probabilityOfNew(97, 100, 1)).isLessThan(1e-5);
        assertThat(ConceptDriftStream.probabilityOfNew(0, 1000, 1000)).isCloseTo(1 / (1 + Math.exp(4)), within(1e-12));

        // A gradual drift (width 2000 at 5000): the new concept's share in three windows of 1000 examples is the
        // window's mean sigmoid, within 4 binomial standard deviations.
        ConceptDriftStream s = ConceptDriftStream.builder().concept(sea(1, 1)).concept(sea(2, 2)).driftAt(5000)
                .width(2000).seed(9).build();
        double[] x = new double[3];
        long[] starts = {2500, 4500, 6500};
        int[] seen = new int[starts.length];
        double[] expected = new double[starts.length];
        for (long t = 1; t <= 7500; t++) {
            s.next(x);
            for (int w = 0; w < starts.length; w++) {
                if (t > starts[w] && t <= starts[w] + 1000) {
                    seen[w] += s.lastConcept();
                    expected[w] += ConceptDriftStream.probabilityOfNew(t, 5000, 2000) / 1000;
                }
            }
        }
        assertThat(expected[0]).isLessThan(0.05);
        assertThat(expected[1]).isCloseTo(0.5, within(0.01));
        assertThat(expected[2]).isGreaterThan(0.95);
        for (int w = 0; w < starts.length; w++) {
            double sd = Math.sqrt(expected[w] * (1 - expected[w]) / 1000);
            assertThat(seen[w] / 1000.0).as("window after %d", starts[w]).isCloseTo(expected[w], within(4 * sd));
        }
    }

    @Test
    void threeDriftsVisitFourConceptsInOrderAtAbsolutePositions() {
        ConceptDriftStream s = ConceptDriftStream.builder().concept(sea(1, 1)).concept(sea(2, 2)).concept(sea(3, 3))
                .concept(sea(4, 4)).driftAt(100).driftAt(200).driftAt(300).build();
        double[] x = new double[3];
        for (long t = 1; t <= 400; t++) {
            s.next(x);
            long distance = Math.min(Math.min(Math.abs(t - 100), Math.abs(t - 200)), Math.abs(t - 300));
            if (distance >= 3) {
                assertThat(s.lastConcept()).as("example %d", t).isEqualTo(t < 100 ? 0 : t < 200 ? 1 : t < 300 ? 2 : 3);
            }
        }
    }

    @Test
    void builderRules() {
        assertThatThrownBy(() -> ConceptDriftStream.builder().build()).hasMessageContaining("at least one concept");
        assertThatThrownBy(() -> ConceptDriftStream.builder().concept(sea(1, 1)).concept(sea(2, 1)).build())
                .hasMessageContaining("2 concepts need 1 drift positions, got 0");
        assertThatThrownBy(() -> ConceptDriftStream.builder().driftAt(10).driftAt(10))
                .hasMessageContaining("drift positions must increase, got 10 after 10");
        assertThatThrownBy(() -> ConceptDriftStream.builder().driftAt(0)).hasMessageContaining("must be >= 1");
        assertThatThrownBy(() -> ConceptDriftStream.builder().width(0)).hasMessageContaining("width must be >= 1");
        assertThatThrownBy(() -> ConceptDriftStream.builder().concept(sea(1, 1))
                .concept(HyperplaneGenerator.builder().build()).driftAt(5).build())
                .hasMessageContaining("every concept must have 3 features and 2 classes");
    }
}
