package org.gsamflink.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Smoke tests of the operator-throughput harness (no timing assertions: these machines are noisy). */
class OperatorThroughputHarnessTest {

    @Test
    void argumentsOverrideDefaultsAndBadOnesAreRejected() {
        Map<String, String> o = OperatorThroughputMain.parse(
                new String[] {"--steps", "300", "--skip-checkpoint", "--out=x.md", "--no-diagnose"});
        assertThat(o).containsEntry("steps", "300").containsEntry("skip-checkpoint", "true")
                .containsEntry("out", "x.md").containsEntry("diagnose", "false").containsEntry("warmup", "100");
        assertThat(OperatorThroughputMain.parse(new String[] {"--diagnose"})).containsEntry("diagnose", "true");
        assertThatThrownBy(() -> OperatorThroughputMain.parse(new String[] {"--bogus", "1"}))
                .hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> OperatorThroughputMain.parse(new String[] {"--steps", "100"}))
                .hasMessageContaining("--warmup must be < --steps - 1");
        assertThatThrownBy(() -> OperatorThroughputMain.parse(new String[] {"--block", "30"}))
                .hasMessageContaining("must be multiples of --block");
        assertThat(OperatorThroughputMain.parse(new String[] {"--block", "0", "--steps", "333"}))
                .containsEntry("block", "0");
        assertThatThrownBy(() -> OperatorThroughputMain.parse(new String[] {"--diagnose", "maybe"}))
                .hasMessageContaining("--diagnose must be auto, true or false");
    }

    @Test
    void throughputCountsOnlyTheStepsAfterTheWarmup() {
        long[] ends = new long[10];
        long t = 0;
        for (int i = 0; i < ends.length; i++) {
            t += i < 2 ? 50_000_000L : 1_000_000L;   // two slow warm-up steps, then 1 ms per step
            ends[i] = t;
        }
        ends[6] += 500_000;                            // a checkpoint in step 7 (0.5 ms extra) ...
        ends[7] += 500_000;                            // ... the steps after it shift along
        ends[8] += 500_000;
        ends[9] += 500_000;
        ThroughputRun r = ThroughputRun.continuous("x", 1, 128, 2, ends, new double[10], new long[] {ends[6] - 1},
                new long[] {3_000_000L}, 1.0, 1.0, 0.0);
        assertThat(r.measuredSteps()).isEqualTo(8);
        assertThat(r.msPerStep()).isCloseTo(8.5 / 8, within(1e-9));
        assertThat(r.examplesPerSecond()).isCloseTo(128 * 8 / 8.5e-3, within(1e-6));
        assertThat(r.medianGapMs()).isCloseTo(1.0, within(1e-9));
        assertThat(r.checkpointsInWindow()).isEqualTo(1);
        assertThat(r.extraMsPerCheckpoint()).isCloseTo(0.5, within(1e-9));
        assertThat(r.meanCheckpointBytes()).isEqualTo(3e6);
        assertThatThrownBy(() -> ThroughputRun.continuous("x", 1, 128, 2, new long[5], new double[5], new long[0],
                new long[0], 1.0, 1.0, 0.0)).hasMessageContaining("never reported");
    }

    @Test
    void blockInterleavedRunsLeaveOutTheOtherRunsTurns() {
        // Blocks of 2 steps: this run's block b starts at 10·b ms; its steps take 1 ms (block 0: 3 ms each).
        long ms = 1_000_000L;
        long[] starts = {0, 10 * ms, 20 * ms};
        long[] ends = {3 * ms, 6 * ms, 11 * ms, 12 * ms, 21 * ms, 22 * ms};
        ThroughputRun r = new ThroughputRun("x", 1, 10, 2, 2, starts, ends, new double[6], new long[0], new long[0],
                1.0, 1.0, 0.0, new long[0]);
        assertThat(r.windowNanos()).isEqualTo(4 * ms);
        assertThat(r.examplesPerSecond()).isCloseTo(10 * 4 / 4e-3, within(1e-6));
        // The other run took 2 ms per step: this one is twice as fast, block by block.
        long[] otherEnds = {5 * ms, 9 * ms, 17 * ms, 19 * ms, 27 * ms, 29 * ms};
        ThroughputRun other = new ThroughputRun("y", 1, 10, 2, 2, new long[] {0, 15 * ms, 25 * ms}, otherEnds,
                new double[6], new long[0], new long[0], 1.0, 1.0, 0.0, new long[0]);
        assertThat(r.medianBlockRatio(other)).isCloseTo(2.0, within(1e-9));
        assertThatThrownBy(() -> new ThroughputRun("x", 1, 10, 2, 4, starts, ends, new double[6], new long[0],
                new long[0], 1.0, 1.0, 0.0, new long[0])).hasMessageContaining("divisible");
    }

    @Test
    void cpuLoadIsNonNegative() throws InterruptedException {
        CpuLoad a = CpuLoad.sample();
        Thread.sleep(50);
        CpuLoad b = CpuLoad.sample();
        double own = b.ownCoresSince(a);
        assertThat(Double.isNaN(own) || own >= 0).isTrue();
        double foreign = b.foreignCoresSince(a);
        assertThat(Double.isNaN(foreign) || foreign >= 0).isTrue();
    }

    @Test
    void theOperatorJobTrainsExactlyLikeTheBareLoop() throws Exception {
        OperatorThroughputMain main = new OperatorThroughputMain(OperatorThroughputMain.parse(
                new String[] {"--steps", "12", "--warmup", "4", "--pool", "3", "--batch", "16", "--block", "4"}));
        main.preparePool();
        ThroughputRun bare = main.runBare(OperatorThroughputMain.BARE, 1, false);
        ThroughputRun prebuilt = main.runBare(OperatorThroughputMain.BARE_PREBUILT, 1, true);
        ThroughputRun op = OperatorJob.run(OperatorThroughputMain.OPERATOR, 1, OperatorJob.Wiring.KEYED, main.spec(),
                12, 4, 0, 0, null);
        assertThat(java.util.Arrays.stream(bare.losses()).allMatch(l -> Double.isFinite(l) && l > 0)).isTrue();
        assertThat(op.maxLossDiff(bare)).isZero();
        assertThat(prebuilt.maxLossDiff(bare)).isZero();
        assertThat(op.examplesPerSecond()).isPositive();
        assertThat(op.checkpointMarks()).isEmpty();

        // Alternating 4-step blocks with a bare loop, here with the chained wiring.
        try (BareLoop partner = new BareLoop(OperatorThroughputMain.BARE, 1, main.spec(), OperatorJob.features,
                OperatorJob.labels, null, 12, 4, 4)) {
            ThroughputRun chained = OperatorJob.run(OperatorThroughputMain.OPERATOR_CHAINED, 1,
                    OperatorJob.Wiring.CHAINED, main.spec(), 12, 4, 0, 4, partner);
            ThroughputRun paired = partner.result();
            assertThat(partner.done()).isTrue();
            assertThat(chained.maxLossDiff(bare)).isZero();
            assertThat(paired.maxLossDiff(bare)).isZero();
            assertThat(chained.blockStartNanos()).hasSize(3);
            // Turns alternate: each operator block starts after the partner's previous block ended.
            for (int b = 1; b < 3; b++) {
                assertThat(chained.blockStartNanos()[b]).isGreaterThanOrEqualTo(paired.stepEndNanos()[b * 4 - 1]);
                assertThat(paired.blockStartNanos()[b]).isGreaterThanOrEqualTo(chained.stepEndNanos()[b * 4 + 3]);
            }
            assertThat(chained.medianBlockRatio(paired)).isPositive();
            assertThat(chained.medianStepOnlyMs()).isPositive();
            assertThat(paired.medianStepOnlyMs()).isPositive();
            assertThat(chained.medianOutsideStepMs()).isGreaterThanOrEqualTo(0.0);
        }
    }
}
