package org.gsamflink.optimizer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link LossSpikeGuard}'s rules and messages, and {@link LossSpikeMonitor}'s median, warm-up and re-level. */
class LossSpikeGuardTest {

    @Test
    void defaults() {
        LossSpikeGuard g = LossSpikeGuard.ofFactor(3);
        assertThat(g.factor()).isEqualTo(3);
        assertThat(g.windowSize()).isEqualTo(LossSpikeGuard.DEFAULT_WINDOW_SIZE).isEqualTo(50);
        assertThat(g.warmupSteps()).isEqualTo(LossSpikeGuard.DEFAULT_WARMUP_STEPS).isEqualTo(20);
        assertThat(g.maxConsecutiveSpikes()).isEqualTo(LossSpikeGuard.DEFAULT_MAX_CONSECUTIVE_SPIKES).isEqualTo(5);
        assertThat(g.toBuilder().build()).isEqualTo(g).hasSameHashCodeAs(g).isNotSameAs(g);
        assertThat(g).hasToString("factor=3.0,window=50,warmup=20,maxConsecutive=5");
    }

    @Test
    void everyRuleFailsWithItsMessage() {
        assertThatThrownBy(() -> LossSpikeGuard.builder().factor(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("loss spike factor must be a finite number > 1, got 1.0");
        assertThatThrownBy(() -> LossSpikeGuard.builder().factor(Double.NaN))
                .hasMessage("loss spike factor must be a finite number > 1, got NaN");
        assertThatThrownBy(() -> LossSpikeGuard.builder().factor(Double.POSITIVE_INFINITY))
                .hasMessage("loss spike factor must be a finite number > 1, got Infinity");
        assertThatThrownBy(() -> LossSpikeGuard.builder().windowSize(0))
                .hasMessage("loss spike window must be between 1 and 10000, got 0");
        assertThatThrownBy(() -> LossSpikeGuard.builder().windowSize(10_001))
                .hasMessage("loss spike window must be between 1 and 10000, got 10001");
        assertThatThrownBy(() -> LossSpikeGuard.builder().warmupSteps(0))
                .hasMessage("loss spike warm-up must be >= 1 step, got 0");
        assertThatThrownBy(() -> LossSpikeGuard.builder().maxConsecutiveSpikes(0))
                .hasMessage("loss spike max consecutive spikes must be >= 1, got 0");
        assertThatThrownBy(() -> LossSpikeGuard.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessage("loss spike factor is required");
        assertThatThrownBy(() -> LossSpikeGuard.builder().factor(2).windowSize(10).warmupSteps(11).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("loss spike warm-up (11 steps) must not be longer than its window (10 losses)");
    }

    @Test
    void javaSerializationRoundTripsAndRevalidates() throws Exception {
        LossSpikeGuard g = LossSpikeGuard.builder().factor(4).windowSize(9).warmupSteps(3).maxConsecutiveSpikes(2)
                .build();
        assertThat(roundTrip(g)).isEqualTo(g);
        Field warmup = LossSpikeGuard.class.getDeclaredField("warmupSteps");
        warmup.setAccessible(true);
        warmup.setInt(g, 10);
        assertThatThrownBy(() -> roundTrip(g)).isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("invalid LossSpikeGuard");
    }

    private static Object roundTrip(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }

    @Test
    void theLevelIsTheMedianOfTheWindow() {
        LossSpikeMonitor m = new LossSpikeMonitor(
                LossSpikeGuard.builder().factor(2).windowSize(4).warmupSteps(1).build());
        assertThat(m.level()).isNaN();
        for (double l : new double[] {1, 100, 3}) {
            m.accept(l, LossSpikeMonitor.Verdict.ACCEPT);
        }
        assertThat(m.level()).isEqualTo(3);   // an outlier does not move a median
        m.accept(2, LossSpikeMonitor.Verdict.ACCEPT);
        assertThat(m.level()).isEqualTo(2.5);
        m.accept(4, LossSpikeMonitor.Verdict.ACCEPT);   // the oldest (1) leaves the window
        assertThat(m.windowLosses()).containsExactly(100, 3, 2, 4);
        assertThat(m.level()).isEqualTo(3.5);
    }

    @Test
    void aSpikeIsAMultipleOfAPositiveLevelAfterTheWarmUp() {
        LossSpikeMonitor m = new LossSpikeMonitor(
                LossSpikeGuard.builder().factor(2).windowSize(5).warmupSteps(3).maxConsecutiveSpikes(1).build());
        m.accept(1, LossSpikeMonitor.Verdict.ACCEPT);
        m.accept(1, LossSpikeMonitor.Verdict.ACCEPT);
        assertThat(m.check(50)).isEqualTo(LossSpikeMonitor.Verdict.ACCEPT);   // warming up
        m.accept(1, LossSpikeMonitor.Verdict.ACCEPT);
        assertThat(m.check(2)).isEqualTo(LossSpikeMonitor.Verdict.ACCEPT);    // not above 2 × 1
        assertThat(m.check(2.01)).isEqualTo(LossSpikeMonitor.Verdict.SPIKE);
        m.recordSpike(2.01);
        assertThat(m.check(3)).isEqualTo(LossSpikeMonitor.Verdict.RELEVEL);   // K = 1 spike skipped already
        m.accept(3, LossSpikeMonitor.Verdict.RELEVEL);
        assertThat(m.windowLosses()).containsExactly(2.01, 3);
        assertThat(m.spikeLosses()).isEmpty();
        assertThat(m.check(100)).isEqualTo(LossSpikeMonitor.Verdict.ACCEPT);  // warming up again on the new level

        LossSpikeMonitor zero = new LossSpikeMonitor(LossSpikeGuard.builder().factor(2).windowSize(2).warmupSteps(1)
                .build());
        zero.accept(0, LossSpikeMonitor.Verdict.ACCEPT);
        assertThat(zero.check(1)).isEqualTo(LossSpikeMonitor.Verdict.ACCEPT);   // no multiple of a zero level
    }

    @Test
    void aRestoredStateLargerThanTheWindowKeepsTheNewest() {
        LossSpikeMonitor m = new LossSpikeMonitor(
                LossSpikeGuard.builder().factor(2).windowSize(3).warmupSteps(1).maxConsecutiveSpikes(1).build());
        m.restore(new double[] {1, 2, 3, 4, 5}, new double[] {7, 8});
        assertThat(m.windowLosses()).containsExactly(3, 4, 5);
        assertThat(m.spikeLosses()).containsExactly(8);
        assertThat(m.level()).isCloseTo(4, within(0.0));
    }
}
