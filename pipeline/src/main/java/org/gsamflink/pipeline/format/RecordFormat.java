package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A wire format of training records on Kafka, both directions: {@link #decode} (the job; anything malformed is a
 * {@link RecordRejectedException} with its reason, never another exception) and {@link #encode} (the producer
 * command and the tests). Decoding applies the {@link RecordLimits}.
 */
public interface RecordFormat extends Serializable {

    /** The name used in configuration: {@code csv}, {@code json} or {@code binary}. */
    String name();

    TrainingRecord decode(byte[] value) throws RecordRejectedException;

    byte[] encode(TrainingRecord record);

    /** Parses {@code csv | json | binary}. */
    static RecordFormat create(String name, String defaultModelId, RecordLimits limits, char csvDelimiter,
                               int csvLabelColumn) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "csv" -> new CsvRecordFormat(limits, defaultModelId, csvDelimiter, csvLabelColumn);
            case "json" -> new JsonRecordFormat(limits, defaultModelId);
            case "binary" -> new BinaryMinibatchFormat(limits);
            default -> throw new IllegalArgumentException("format must be one of csv, json, binary; got '" + name + "'");
        };
    }

    /** Strict UTF-8: invalid byte sequences are a rejection, not replacement characters. */
    static String utf8(byte[] value) throws RecordRejectedException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new RecordRejectedException(RejectReason.INVALID_UTF8, "record is not valid UTF-8");
        }
    }
}
