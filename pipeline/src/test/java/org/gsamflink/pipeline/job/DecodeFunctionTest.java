package org.gsamflink.pipeline.job;

import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.Details;
import org.gsamflink.pipeline.format.JsonRecordFormat;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.format.RecordRejectedException;
import org.gsamflink.pipeline.format.RejectReason;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** {@link DecodeFunction#decode}: every failure of one record is a rejection, never an error that fails the job. */
class DecodeFunctionTest {

    /** A format whose decoder fails with {@code error}. */
    private static RecordFormat failing(Error error, RuntimeException exception) {
        return new RecordFormat() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public TrainingRecord decode(byte[] value) {
                if (error != null) {
                    throw error;
                }
                throw exception;
            }

            @Override
            public org.gsamflink.operators.serve.PredictionRequest decodeRequest(byte[] value) {
                throw new UnsupportedOperationException();
            }

            @Override
            public byte[] encode(TrainingRecord record) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static RawRecord raw(byte[] value) {
        return new RawRecord("t", 0, 7, 0, value);
    }

    @Test
    void runningOutOfMemoryOnOneRecordMakesItAnOversizedDeadLetter() {
        DecodeFunction<TrainingRecord> f = DecodeFunction.training(failing(new OutOfMemoryError("Java heap space"), null), null);

        assertThatExceptionOfType(RecordRejectedException.class).isThrownBy(() -> f.decode(raw(new byte[1234])))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(RejectReason.OVERSIZED))
                .withMessageContaining("ran out of memory decoding a record of 1234 bytes")
                .withMessageContaining("Java heap space")
                .withMessageContaining("format.max-rows-per-record");
    }

    @Test
    void aDecoderBugIsAMalformedRecordWithAShortDetail() {
        DecodeFunction<TrainingRecord> f = DecodeFunction.training(failing(null, new IllegalStateException("bug\n" + "y".repeat(5000))),
                null);

        assertThatExceptionOfType(RecordRejectedException.class).isThrownBy(() -> f.decode(raw(new byte[1])))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_RECORD))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(Details.MAX_DETAIL_CHARS)
                        .startsWith("could not decode: IllegalStateException: bug\\ny").doesNotContain("\n"));
    }

    @Test
    void goodRecordsPassAndUnconfiguredModelsAreRejected() throws Exception {
        RecordFormat json = new JsonRecordFormat(new RecordLimits(2, 2, 1024), "m1");
        byte[] value = "{\"x\": [1, 2], \"y\": 1}".getBytes(StandardCharsets.UTF_8);

        assertThat(DecodeFunction.training(json, Set.of("m1")).decode(raw(value)).modelId).isEqualTo("m1");
        assertThatExceptionOfType(RecordRejectedException.class)
                .isThrownBy(() -> DecodeFunction.training(json, Set.of("m2")).decode(raw(value)))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_MODEL));
    }

    @Test
    void aDeadLettersDetailIsOneShortLine() {
        DeadLetter d = new DeadLetter("bad-number", "a\nb" + "z".repeat(1000), raw(new byte[3]));

        assertThat(d.detail).hasSizeLessThanOrEqualTo(Details.MAX_DETAIL_CHARS).startsWith("a\\nbz").doesNotContain("\n");
    }
}
