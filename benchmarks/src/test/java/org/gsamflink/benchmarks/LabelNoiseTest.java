package org.gsamflink.benchmarks;

import org.gsamflink.cli.data.LabeledData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class LabelNoiseTest {

    /** {@code n} examples of 2 features, labels cycling through 10 classes. */
    private static LabeledData data(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 10;
        }
        return new LabeledData("test", x, y, 2, 10, null);
    }

    @Test
    void changesAboutTheRateOfLabelsNeverToTheOriginalClassAndLeavesFeaturesAlone() {
        LabeledData clean = data(20_000);
        LabelNoise.Corrupted c = LabelNoise.corrupt(clean, 0.4, 1);
        int changed = 0;
        int[] toClass = new int[10];
        for (int i = 0; i < clean.size(); i++) {
            if (c.data().label(i) != clean.label(i)) {
                changed++;
                toClass[c.data().label(i)]++;
            }
            assertThat(c.data().feature(i, 0)).isEqualTo(clean.feature(i, 0));
            assertThat(c.data().feature(i, 1)).isEqualTo(clean.feature(i, 1));
        }
        assertThat(changed).isEqualTo(c.changed());
        // binomial(20000, 0.4): std 69, so ± 0.02 is > 5 sigma
        assertThat(c.changedFraction()).isCloseTo(0.4, offset(0.02));
        for (int k = 0; k < 10; k++) {   // uniform over the other classes: ~800 each
            assertThat(toClass[k]).isBetween(650, 950);
        }
        for (int i = 0; i < clean.size(); i++) {   // the input is not modified
            assertThat(clean.label(i)).isEqualTo(i % 10);
        }
    }

    @Test
    void aCorruptedLabelIsNeverTheTrueClassEvenAtRateOne() {
        LabeledData clean = data(1000);
        LabelNoise.Corrupted c = LabelNoise.corrupt(clean, 1.0, 7);
        assertThat(c.changed()).isEqualTo(1000);
        for (int i = 0; i < clean.size(); i++) {
            assertThat(c.data().label(i)).isNotEqualTo(clean.label(i)).isBetween(0, 9);
        }
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        LabeledData clean = data(5000);
        LabeledData a = LabelNoise.corrupt(clean, 0.4, 3).data();
        LabeledData b = LabelNoise.corrupt(clean, 0.4, 3).data();
        LabeledData other = LabelNoise.corrupt(clean, 0.4, 4).data();
        int differ = 0;
        for (int i = 0; i < clean.size(); i++) {
            assertThat(a.label(i)).isEqualTo(b.label(i));
            differ += a.label(i) != other.label(i) ? 1 : 0;
        }
        assertThat(differ).isGreaterThan(1000);
    }

    @Test
    void rateZeroReturnsTheDataItselfAndABadRateIsRefused() {
        LabeledData clean = data(10);
        assertThat(LabelNoise.corrupt(clean, 0, 1).data()).isSameAs(clean);
        assertThat(LabelNoise.corrupt(clean, 0, 1).changed()).isZero();
        assertThatThrownBy(() -> LabelNoise.corrupt(clean, 1.5, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label noise must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> LabelNoise.corrupt(clean, Double.NaN, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> clean.withLabels(new int[3])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 labels for 10 examples");
        assertThatThrownBy(() -> clean.withLabels(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 10}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 10 of example 9");
    }

    @Test
    void snapshotPeriodIsTheGcdOfTheEvaluatedPasses() {
        assertThat(PassEvaluation.gcd(new int[0])).isZero();
        assertThat(PassEvaluation.gcd(new int[] {3, 6, 12})).isEqualTo(3);
        assertThat(PassEvaluation.gcd(new int[] {4, 10})).isEqualTo(2);
    }
}
