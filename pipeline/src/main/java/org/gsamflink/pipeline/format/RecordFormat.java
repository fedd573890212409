package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;

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

    /**
     * Decodes a prediction request: the training record without its label (JSON: {@code y} optional, {@code id}
     * the caller's request id; CSV: every column a feature; binary: the labels are read and ignored), checked
     * against the same limits; the request's Kafka coordinates are the caller's to set.
     */
    PredictionRequest decodeRequest(byte[] value) throws RecordRejectedException;

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
            throw new RecordRejectedException(RejectReason.INVALID_UTF8, "record is not valid UTF-8" + utf8Hint(value));
        }
    }

    /**
     * A text record (JSON, CSV) as strict UTF-8 without a leading byte-order mark: RFC 8259 §8.1 lets a JSON
     * parser ignore one, and spreadsheet exports put one before CSV. Only one, only at the very start; anywhere
     * else U+FEFF is content (and the rejection's detail shows it escaped, as a backslash-u escape).
     */
    static String text(byte[] value) throws RecordRejectedException {
        String s = utf8(value);
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /** Why bytes are not UTF-8, where it can be told: a UTF-16/UTF-32 byte-order mark, or the first bad byte. */
    private static String utf8Hint(byte[] v) {
        if (v.length >= 4 && v[0] == (byte) 0xFF && v[1] == (byte) 0xFE && v[2] == 0 && v[3] == 0) {
            return " (it starts with a UTF-32LE byte-order mark)";
        }
        if (v.length >= 4 && v[0] == 0 && v[1] == 0 && v[2] == (byte) 0xFE && v[3] == (byte) 0xFF) {
            return " (it starts with a UTF-32BE byte-order mark)";
        }
        if (v.length >= 2 && v[0] == (byte) 0xFF && v[1] == (byte) 0xFE) {
            return " (it starts with a UTF-16LE byte-order mark)";
        }
        if (v.length >= 2 && v[0] == (byte) 0xFE && v[1] == (byte) 0xFF) {
            return " (it starts with a UTF-16BE byte-order mark)";
        }
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(v);
        CharBuffer out = CharBuffer.allocate(4096);
        while (true) {
            java.nio.charset.CoderResult r = d.decode(in, out, true);
            if (r.isError()) {
                return String.format(" (byte 0x%02X at offset %d)", v[in.position()] & 0xFF, in.position());
            }
            if (r.isUnderflow()) {
                return "";
            }
            out.clear();
        }
    }
}
