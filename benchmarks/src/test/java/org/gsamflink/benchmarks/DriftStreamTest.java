package org.gsamflink.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DriftStreamTest {

    @Test
    void seaHasItsDriftsAtTheQuartersAndSaysTheProduceCommandThatMakesIt() {
        DriftStream s = DriftStream.generate("sea", 4000, 1);

        assertThat(s.data().size()).isEqualTo(4000);
        assertThat(s.data().numFeatures()).isEqualTo(3);
        assertThat(s.driftExamples()).containsExactly(1000L, 2000L, 3000L);
        assertThat(s.driftSteps(64)).containsExactly(16L, 32L, 47L);
        assertThat(s.command()).startsWith("gsam-flink produce --generator sea --examples 4000 --seed 1")
                .contains("--concepts 1,2,3,4", "--drift-width 50", "--noise 10");
        assertThat(s.data().source()).contains("drifts at 1000,2000,3000 width 50");
    }

    @Test
    void theHyperplaneTurnsAllItsWeightsAndHasNoDriftPoints() {
        DriftStream s = DriftStream.generate("hyperplane", 500, 2);

        assertThat(s.data().numFeatures()).isEqualTo(10);
        assertThat(s.driftExamples()).isEmpty();
        assertThat(s.command()).contains("--drift-features 10", "--mag-change 0.001", "--noise 5");
    }

    @Test
    void oneSeedIsOneStream() {
        DriftStream a = DriftStream.generate("sea", 300, 7);
        DriftStream b = DriftStream.generate("sea", 300, 7);
        DriftStream c = DriftStream.generate("sea", 300, 8);

        assertThat(a.data().label(299)).isEqualTo(b.data().label(299));
        List<Integer> la = labels(a);
        assertThat(la).isEqualTo(labels(b)).isNotEqualTo(labels(c));
    }

    @Test
    void anUnknownGeneratorIsRefusedByName() {
        assertThatThrownBy(() -> DriftStream.generate("agrawal", 10, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("agrawal");
    }

    @Test
    void theJobsKeysAreFoundByName() {
        assertThat(StreamsMain.jobKnows("training.on-drift")).isTrue();
        assertThat(StreamsMain.jobKnows("model.no-such-key")).isFalse();
    }

    private static List<Integer> labels(DriftStream s) {
        return java.util.stream.IntStream.range(0, s.data().size()).mapToObj(i -> s.data().label(i)).toList();
    }
}
