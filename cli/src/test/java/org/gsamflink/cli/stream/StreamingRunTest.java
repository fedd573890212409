package org.gsamflink.cli.stream;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The build-time rules; the run itself is covered end to end by StreamingDemoITCase (tests module). */
class StreamingRunTest {

    @Test
    void requiredFields() {
        assertThatThrownBy(() -> StreamingRun.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a StreamingRun needs folder, data, topics and jobConfig");
    }

    @Test
    void eachSetterChecksItsValue() {
        StreamingRun.Builder b = StreamingRun.builder();
        assertThatThrownBy(() -> b.bootstrapServers(" ")).hasMessageContaining("bootstrapServers must not be blank");
        assertThatThrownBy(() -> b.format("xml")).hasMessageContaining("format must be one of binary, json, csv");
        assertThatThrownBy(() -> b.batchSize(4097)).hasMessageContaining("batch size must be 1..4096, got 4097");
        assertThatThrownBy(() -> b.passes(-1)).hasMessageContaining("passes must be >= 0");
        assertThatThrownBy(() -> b.maxSteps(-3)).hasMessageContaining("max steps must be >= 0");
        assertThatThrownBy(() -> b.duration(Duration.ZERO)).hasMessageContaining("duration must be positive");
        assertThatThrownBy(() -> b.rate(Double.NaN)).hasMessageContaining("rate must be finite and >= 0");
        assertThatThrownBy(() -> b.webUiPort(-2)).hasMessageContaining("web UI port must be -1 (off) or 0..65535");
        assertThat(StreamingRun.checkFormat("CSV")).isEqualTo("csv");
        assertThatThrownBy(() -> new StreamingRun.Topics("t", null, "s", "d")).hasMessageContaining("metrics");
    }
}
