package org.gsamflink.operators;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitedLogTest {

    @Test
    void theFirstTenAreLoggedThenOneInEveryThousand() {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class));
        List<Long> logged = new ArrayList<>();
        for (long n = 1; n <= 3_000; n++) {
            if (log.warn("a", "occurrence {}", n)) {
                logged.add(n);
            }
        }
        assertThat(logged).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 1_000L, 2_000L, 3_000L);
        assertThat(log.count("a")).isEqualTo(3_000);
    }

    @Test
    void categoriesAreCountedApart() {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), 1, 5);
        assertThat(log.warn("a", "x")).isTrue();
        assertThat(log.warn("a", "x")).isFalse();
        assertThat(log.warn("b", "y")).isTrue();
        assertThat(log.count("b")).isEqualTo(1);
        assertThat(log.count("c")).isZero();
        assertThat(RateLimitedLog.shouldLog(5, 1, 5)).isTrue();
        assertThat(RateLimitedLog.shouldLog(6, 1, 5)).isFalse();
    }

    @Test
    void itsSettingsAreChecked() {
        var logger = LoggerFactory.getLogger(RateLimitedLogTest.class);
        assertThatThrownBy(() -> new RateLimitedLog(logger, -1, 10)).hasMessageContaining("first must be >= 0, got -1");
        assertThatThrownBy(() -> new RateLimitedLog(logger, 1, 0)).hasMessageContaining("every must be >= 1, got 0");
    }
}
