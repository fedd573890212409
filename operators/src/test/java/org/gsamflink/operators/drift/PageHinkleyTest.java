package org.gsamflink.operators.drift;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link PageHinkley}: the delay and false-alarm figures its Javadoc states, MOA's update, its serialized form. */
class PageHinkleyTest {

    private static final int SEEDS = 20;
    private static final int CHANGE_AT = 2_000;

    /** Examples after the change until the first alarm past it; -1 if none within the stream. */
    private static long delay(long seed, double before, double after, int length) {
        Random r = new Random(seed);
        PageHinkley ph = new PageHinkley();
        for (int i = 0; i < length; i++) {
            double p = i < CHANGE_AT ? before : after;
            if (ph.add(r.nextDouble() < p ? 1 : 0) && i >= CHANGE_AT) {
                return i - CHANGE_AT;
            }
        }
        return -1;
    }

    @Test
    void findsAnAbruptRiseOfTheErrorRateWithin200Examples() {
        for (long seed = 0; seed < SEEDS; seed++) {
            long d = delay(seed, 0.1, 0.6, CHANGE_AT + 1_000);
            assertThat(d).as("seed %d", seed).isBetween(0L, 200L);
        }
    }

    @Test
    void staysMostlySilentOnAStationaryStreamOfTheSameLength() {
        int alarms = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(1_000 + seed);
            PageHinkley ph = new PageHinkley();
            for (int i = 0; i < 5_000; i++) {
                alarms += ph.add(r.nextDouble() < 0.2 ? 1 : 0) ? 1 : 0;
            }
        }
        assertThat(alarms).as("false alarms in %d stationary streams", SEEDS).isLessThanOrEqualTo(2);
    }

    @Test
    void followsMoasUpdateAndMeasuresTheRiseFromTheLowestPoint() {
        PageHinkley ph = new PageHinkley(3, 0.5, 1.0, 1.0);
        // mean 1, m = 1 - 1 - 0.5 = -0.5 = M; then x = 1 again: mean 1, m = M = -1; the 3rd value 5: mean 7/3.
        assertThat(ph.add(1)).isFalse();
        assertThat(ph.statistic()).isZero();
        assertThat(ph.add(1)).isFalse();
        assertThat(ph.add(5)).isTrue();
        assertThat(ph.lastAlarm()).isCloseTo((5 - 7.0 / 3) - 0.5, within(1e-12));
        assertThat(ph.count()).as("started again").isZero();
        PageHinkley early = new PageHinkley(3, 0, 1.0, 1.0);
        assertThat(early.add(0)).isFalse();
        assertThat(early.add(100)).as("fewer than minInstances values").isFalse();
    }

    @Test
    void roundTripsItsStateAndContinuesIdentically() throws IOException {
        PageHinkley a = new PageHinkley();
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            a.add(r.nextInt(2));
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        a.write(out);
        PageHinkley b = new PageHinkley();
        b.read(new DataInputDeserializer(out.getCopyOfBuffer()));
        DataOutputSerializer again = new DataOutputSerializer(64);
        b.write(again);
        assertThat(again.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        for (int i = 0; i < 3_000; i++) {
            int x = r.nextDouble() < (i < 1_000 ? 0.3 : 0.9) ? 1 : 0;
            assertThat(b.add(x)).isEqualTo(a.add(x));
            assertThat(Double.doubleToLongBits(b.statistic())).isEqualTo(Double.doubleToLongBits(a.statistic()));
        }
    }

    @Test
    void refusesAnUnknownFormatAndBadParameters() {
        assertThatThrownBy(() -> new PageHinkley().read(new DataInputDeserializer(new byte[] {9, 0, 0, 0})))
                .hasMessageContaining("unsupported Page-Hinkley state format 9");
        assertThatThrownBy(() -> new PageHinkley(30, 0.005, 0, 1))
                .hasMessageContaining("lambda > 0");
    }
}
