package org.gsamflink.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Smoke tests of the benchmark harness (no timing assertions: these machines are noisy). */
class StepCostHarnessTest {

    @Test
    void samplesQuantilesInterpolate() {
        Samples s = new Samples(new long[] {4_000_000, 1_000_000, 3_000_000, 2_000_000});
        assertThat(s.median()).isCloseTo(2.5, within(1e-12));
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.quantile(1.0)).isEqualTo(4.0);
        assertThat(s.mean()).isCloseTo(2.5, within(1e-12));
    }

    @Test
    void argumentsOverrideDefaultsAndBadOnesAreRejected() {
        Map<String, String> o = StepCostMain.parse(new String[] {"--mlp-rounds", "7", "--skip-jmh", "--out=x.md"});
        assertThat(o).containsEntry("mlp-rounds", "7").containsEntry("skip-jmh", "true")
                .containsEntry("out", "x.md").containsEntry("cnn-rounds", "40");
        assertThat(StepCostMain.parse(new String[] {"--no-breakdown"})).containsEntry("breakdown", "false");
        assertThatThrownBy(() -> StepCostMain.parse(new String[] {"--bogus", "1"}))
                .hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> StepCostMain.parse(new String[] {"--mlp-rounds", "0"}))
                .hasMessageContaining("--mlp-rounds must be >= 1");
        assertThatThrownBy(() -> StepCostMain.parse(new String[] {"--models", "rnn"}))
                .hasMessageContaining("unknown model rnn");
    }

    @Test
    void interleavedRoundsTimeEveryVariantOnItsOwnNetwork() {
        BatchPool pool = BatchPool.random(2, 16, 1L);
        InterleavedStepTimer.Result r = InterleavedStepTimer.run(BenchModel.MLP,
                List.of(StepVariant.FIT, StepVariant.SAM, StepVariant.GSAM), 1, 3, pool, 7L, s -> { });
        for (StepVariant v : r.variants()) {
            assertThat(r.nanos().get(v)).hasSize(3).doesNotContain(0L);
            assertThat(r.lastLoss().get(v)).isFinite().isPositive();
        }
        assertThat(r.pairedRatioMedian(StepVariant.FIT, StepVariant.FIT)).isEqualTo(1.0);
    }

    @Test
    void breakdownReplicasMatchTheRealStepsBitForBit() {
        StepBreakdown.Result b = StepBreakdown.run(BenchModel.MLP, 1, 3, BatchPool.random(2, 16, 1L), 7L, s -> { });
        assertThat(b.maxParamDiffToRealStep().get(StepBreakdown.Flavour.FIT)).isZero();
        assertThat(b.maxParamDiffToRealStep().get(StepBreakdown.Flavour.GSAM_TUNED)).isZero();
        assertThat(b.maxParamDiffToRealStep().get(StepBreakdown.Flavour.GSAM_AS_IS)).isLessThan(1e-3);
        assertThat(b.total(StepBreakdown.Flavour.GSAM_AS_IS).count()).isEqualTo(3);
    }
}
