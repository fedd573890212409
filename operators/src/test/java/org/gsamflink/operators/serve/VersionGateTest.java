package org.gsamflink.operators.serve;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class VersionGateTest {

    private static ServedModel serving(double accuracy) {
        return new ServedModel("m", 4, null, null, 4, 3, accuracy, 0, 0);
    }

    @Test
    void noGateLetsEveryVersionThrough() {
        assertThat(VersionGate.none().refusal(serving(0.9), 0.1)).isNull();
        assertThat(VersionGate.none().enabled()).isFalse();
    }

    @Test
    void theFirstVersionIsAlwaysServed() {
        assertThat(VersionGate.maxAccuracyDrop(0).refusal(null, Double.NaN)).isNull();
    }

    @Test
    void refusesAVersionWorseThanTheMargin() {
        VersionGate gate = VersionGate.maxAccuracyDrop(0.02);
        assertThat(gate.refusal(serving(0.9), 0.885)).isNull();
        assertThat(gate.refusal(serving(0.9), 0.95)).isNull();
        assertThat(gate.refusal(serving(0.9), 0.87)).isEqualTo(
                "its recent accuracy 0.8700 is below version 4's 0.9000 minus the margin 0.0200");
    }

    @Test
    void aVersionWithoutAccuracyCannotBeJudgedAndIsRefused() {
        assertThat(VersionGate.maxAccuracyDrop(0.02).refusal(serving(0.9), Double.NaN))
                .isEqualTo("its metrics have no accuracy to compare with version 4's");
    }

    @Test
    void aServingVersionWithoutAccuracyLetsTheNextThrough() {
        assertThat(VersionGate.maxAccuracyDrop(0.02).refusal(serving(Double.NaN), 0.3)).isNull();
    }

    @Test
    void theMarginMustBeAnAccuracy() {
        assertThatIllegalArgumentException().isThrownBy(() -> VersionGate.maxAccuracyDrop(1.5))
                .withMessage("the gate's accuracy margin must be in [0, 1], got 1.5");
        assertThatIllegalArgumentException().isThrownBy(() -> VersionGate.maxAccuracyDrop(Double.NaN))
                .withMessage("the gate's accuracy margin must be in [0, 1], got NaN");
    }
}
