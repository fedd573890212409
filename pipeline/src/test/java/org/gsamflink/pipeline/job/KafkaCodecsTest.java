package org.gsamflink.pipeline.job;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.gsamflink.pipeline.format.Details;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The dead-letter serialization: original bytes up to a maximum, reason headers, a short detail. */
class KafkaCodecsTest {

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static DeadLetter deadLetter(byte[] value, String detail) {
        return new DeadLetter("out-of-range", detail, new RawRecord("train", 3, 42, 0, value));
    }

    @Test
    void aSmallDeadLetterKeepsItsBytesAndHasNoTruncatedHeader() {
        byte[] value = {1, 2, 3};
        ProducerRecord<byte[], byte[]> r = new KafkaCodecs.DeadLetters("dlq", 3).serialize(
                deadLetter(value, "feature 0 is 1e7"), null, null);

        assertThat(r.topic()).isEqualTo("dlq");
        assertThat(r.value()).isEqualTo(value);
        assertThat(header(r, KafkaCodecs.DeadLetters.REASON)).isEqualTo("out-of-range");
        assertThat(header(r, KafkaCodecs.DeadLetters.DETAIL)).isEqualTo("feature 0 is 1e7");
        assertThat(header(r, KafkaCodecs.DeadLetters.SOURCE_TOPIC)).isEqualTo("train");
        assertThat(header(r, KafkaCodecs.DeadLetters.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(header(r, KafkaCodecs.DeadLetters.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(header(r, KafkaCodecs.DeadLetters.TRUNCATED)).isNull();
    }

    @Test
    void aLargeDeadLetterIsCutAndSaysItsOriginalSize() {
        byte[] value = new byte[5000];
        Arrays.fill(value, (byte) 'x');
        value[0] = 'a';
        ProducerRecord<byte[], byte[]> r = new KafkaCodecs.DeadLetters("dlq", 1024).serialize(
                deadLetter(value, "d"), null, null);

        assertThat(r.value()).hasSize(1024).isEqualTo(Arrays.copyOf(value, 1024));
        assertThat(header(r, KafkaCodecs.DeadLetters.TRUNCATED)).isEqualTo("5000");
    }

    @Test
    void theDetailHeaderIsOneShortLineEvenForAHandMadeDeadLetter() {
        DeadLetter d = deadLetter(new byte[1], "ok");
        d.detail = "line\n" + "y".repeat(10_000);
        ProducerRecord<byte[], byte[]> r = new KafkaCodecs.DeadLetters("dlq").serialize(d, null, null);

        assertThat(header(r, KafkaCodecs.DeadLetters.DETAIL)).hasSize(Details.MAX_DETAIL_CHARS)
                .startsWith("line\\ny").doesNotContain("\n");
    }

    @Test
    void theDefaultMaximumAndItsHeadroomFitKafkasDefaultLimits() {
        int max = JobOptions.DEAD_LETTER_MAX_BYTES.defaultValue();
        assertThat(max).isEqualTo(900 * 1024);
        // Producer max.request.size default 1 MiB; broker message.max.bytes / topic max.message.bytes 1 MiB + 12.
        assertThat(KafkaCodecs.DeadLetters.requiredRequestSize(max)).isLessThanOrEqualTo(1 << 20);
        assertThatIllegalArgumentException().isThrownBy(() -> new KafkaCodecs.DeadLetters("dlq", 0));
    }
}
