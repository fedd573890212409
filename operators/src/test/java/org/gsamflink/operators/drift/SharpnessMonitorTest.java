package org.gsamflink.operators.drift;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SharpnessMonitor}: the delay and false-alarm figures its Javadoc states, NaN skipping, its state. */
class SharpnessMonitorTest {

    private static final int SEEDS = 20;
    private static final int STEPS = 2_000;
    private static final int CHANGE_AT = 1_000;
    /** The documented delay: the third value past the change fires (confirm = 3). */
    private static final int FIRES_AT = CHANGE_AT + SharpnessMonitor.DEFAULT_CONFIRM - 1;

    @Test
    void findsALastingJumpOfTheGapOnTheThirdStepPastIt() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(seed);
            SharpnessMonitor m = new SharpnessMonitor();
            for (int i = 0; i < STEPS; i++) {
                double h = 0.05 + 0.01 * r.nextGaussian() + (i >= CHANGE_AT ? 0.1 : 0);
                Alarm a = m.add(h, 0.9 + 0.01 * r.nextGaussian());
                if (i < FIRES_AT) {
                    assertThat(a).as("seed %d step %d", seed, i).isNull();
                } else if (i == FIRES_AT) {
                    assertThat(a).as("seed %d", seed).isNotNull();
                    assertThat(a.detector()).isEqualTo(SharpnessMonitor.SHARPNESS_JUMP);
                    assertThat(a.statistic()).isGreaterThan(a.threshold());
                }
            }
        }
    }

    @Test
    void findsACollapseOfTheAlignmentOnTheThirdStepPastIt() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(seed);
            SharpnessMonitor m = new SharpnessMonitor();
            for (int i = 0; i <= FIRES_AT; i++) {
                double cos = (i < CHANGE_AT ? 0.9 : 0.3) + 0.02 * r.nextGaussian();
                Alarm a = m.add(0.05 + 0.01 * r.nextGaussian(), cos);
                if (i == FIRES_AT) {
                    assertThat(a).as("seed %d", seed).isNotNull();
                    assertThat(a.detector()).isEqualTo(SharpnessMonitor.ALIGNMENT_COLLAPSE);
                    assertThat(a.statistic()).isLessThan(a.threshold());
                } else {
                    assertThat(a).as("seed %d step %d", seed, i).isNull();
                }
            }
        }
    }

    @Test
    void staysSilentOnStationaryStreamsOfTheSameLength() {
        int alarms = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(100 + seed);
            SharpnessMonitor m = new SharpnessMonitor();
            for (int i = 0; i < STEPS; i++) {
                alarms += m.add(0.05 + 0.01 * r.nextGaussian(), 0.9 + 0.02 * r.nextGaussian()) == null ? 0 : 1;
            }
        }
        assertThat(alarms).as("false alarms in %d stationary streams", SEEDS).isLessThanOrEqualTo(1);
    }

    @Test
    void staysSilentOnHeavyTailedStationaryGaps() {
        // A clean run's surrogate gap: log-normal, single steps far out in the tail. One value in about 2,000 is
        // beyond the threshold, so without the confirmation this would raise about 20 alarms.
        int alarms = 0;
        int out = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(200 + seed);
            SharpnessMonitor m = new SharpnessMonitor();
            SharpnessMonitor single = new SharpnessMonitor(SharpnessMonitor.DEFAULT_BETA,
                    SharpnessMonitor.DEFAULT_WARMUP, SharpnessMonitor.DEFAULT_K, 1);
            for (int i = 0; i < STEPS; i++) {
                double h = 0.05 * Math.exp(0.5 * r.nextGaussian());
                alarms += m.add(h, 0.9) == null ? 0 : 1;
                out += single.add(h, 0.9) == null ? 0 : 1;
            }
        }
        assertThat(alarms).as("false alarms in %d log-normal streams", SEEDS).isLessThanOrEqualTo(1);
        assertThat(out).as("single out values (the guard is needed)").isGreaterThan(5);
    }

    @Test
    void aSpikeShorterThanTheConfirmationNeverFires() {
        SharpnessMonitor m = new SharpnessMonitor();
        for (int i = 0; i < 300; i++) {
            double h = i % 40 == 39 || i % 40 == 0 ? 10.0 : 0.05;   // two steps in a row far out, every 40 steps
            assertThat(m.add(h, 0.9)).as("step %d", i).isNull();
        }
    }

    @Test
    void aChangeSmallerThanTheRelativeFloorIsNoJump() {
        SharpnessMonitor m = new SharpnessMonitor();
        for (int i = 0; i < 500; i++) {
            // A nearly constant gap that rises by 20 %: many of its (tiny) standard deviations, but no jump.
            assertThat(m.add((i < 250 ? 0.05 : 0.06) + 1e-6 * (i % 3), 0.9)).as("step %d", i).isNull();
        }
    }

    @Test
    void skipsNaNsAndStartsAgainAfterAnAlarm() {
        SharpnessMonitor m = new SharpnessMonitor();
        for (int i = 0; i < 100; i++) {
            assertThat(m.add(i % 2 == 0 ? 0.05 : Double.NaN, Double.NaN)).isNull();
        }
        assertThat(m.add(Double.NaN, Double.NaN)).isNull();
        assertThat(m.add(5.0, Double.NaN)).isNull();
        assertThat(m.add(Double.NaN, Double.NaN)).as("a NaN does not break the streak").isNull();
        assertThat(m.add(5.0, Double.NaN)).isNull();
        assertThat(m.add(5.0, Double.NaN)).isNotNull();
        // The new level is learnt during the next warm-up instead of firing on every step.
        for (int i = 0; i < 200; i++) {
            assertThat(m.add(5.0, Double.NaN)).isNull();
        }
    }

    @Test
    void roundTripsItsStateAndContinuesIdentically() throws IOException {
        SharpnessMonitor a = new SharpnessMonitor();
        Random r = new Random(3);
        for (int i = 0; i < 300; i++) {
            a.add(0.05 + 0.01 * r.nextGaussian(), 0.9 + 0.01 * r.nextGaussian());
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        a.write(out);
        SharpnessMonitor b = new SharpnessMonitor();
        b.read(new DataInputDeserializer(out.getCopyOfBuffer()));
        DataOutputSerializer again = new DataOutputSerializer(64);
        b.write(again);
        assertThat(again.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        for (int i = 0; i < 500; i++) {
            double h = 0.05 + 0.01 * r.nextGaussian() + (i > 250 ? 1 : 0);
            assertThat(b.add(h, 0.9)).isEqualTo(a.add(h, 0.9));
        }
        assertThatThrownBy(() -> new SharpnessMonitor(0.02, 50, 6, 0)).hasMessageContaining("confirm >= 1");
        assertThatThrownBy(() -> b.read(new DataInputDeserializer(new byte[] {2})))
                .hasMessageContaining("unsupported sharpness monitor state format 2");
    }
}
