package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.gsamflink.pipeline.format.Rejections.assertRejected;

class BinaryMinibatchFormatTest {

    /** 3 features, 4 classes, records up to 1 KiB. */
    private static final RecordLimits LIMITS = new RecordLimits(3, 4, 1024);
    private static final BinaryMinibatchFormat BINARY = new BinaryMinibatchFormat(LIMITS);

    /** Offsets in the header for a model id of {@code n} bytes. */
    private static final int VERSION = 4;
    private static final int DTYPE = 5;
    private static final int FLAGS = 6;
    private static final int ID_LENGTH = 8;

    private static int rowsAt(int idLength) {
        return 10 + idLength;
    }

    private static int colsAt(int idLength) {
        return 14 + idLength;
    }

    private static TrainingRecord batch(String modelId, float[] weights) {
        return new TrainingRecord(modelId, 2, 3, new float[] {0.1f, -2.5f, 3e-7f, 1f, 0f, -0f}, new int[] {3, 0},
                weights, true);
    }

    private static byte[] valid() {
        return BinaryMinibatchFormat.encode(batch("m1", null), BinaryMinibatchFormat.FLOAT32);
    }

    private static byte[] putInt(byte[] value, int offset, int v) {
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, v);
        return value;
    }

    private static byte[] putFloat(byte[] value, int offset, float v) {
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putFloat(offset, v);
        return value;
    }

    @Test
    void roundTripsFloat32WithWeights() throws Exception {
        TrainingRecord r = batch("m1", new float[] {0.5f, 2f});

        byte[] encoded = BINARY.encode(r);

        assertThat(encoded).hasSize(18 + 2 + 6 * 4 + 2 * 4 + 2 * 4);
        assertThat(Arrays.copyOf(encoded, 4)).isEqualTo("GSMB".getBytes(StandardCharsets.US_ASCII));
        assertThat(encoded[DTYPE]).isEqualTo(BinaryMinibatchFormat.FLOAT32);
        assertThat(encoded[FLAGS]).isEqualTo((byte) BinaryMinibatchFormat.FLAG_WEIGHTS);
        assertThat(BINARY.decode(encoded)).isEqualTo(r);
        assertThat(BINARY.name()).isEqualTo("binary");
    }

    @Test
    void roundTripsFloat64WithAndWithoutWeights() throws Exception {
        for (float[] weights : new float[][] {null, {1f, 0f}}) {
            TrainingRecord r = batch("model.v2", weights);

            byte[] encoded = BinaryMinibatchFormat.encode(r, BinaryMinibatchFormat.FLOAT64);

            assertThat(encoded).hasSize(18 + 8 + 6 * 8 + 2 * 4 + (weights == null ? 0 : 2 * 4));
            assertThat(encoded[DTYPE]).isEqualTo(BinaryMinibatchFormat.FLOAT64);
            assertThat(BINARY.decode(encoded)).isEqualTo(r);
        }
    }

    @Test
    void roundTripsASingleRowWithoutWeights() throws Exception {
        TrainingRecord r = new TrainingRecord("x", 1, 3, new float[] {1, 2, 3}, new int[] {1}, null, true);

        assertThat(BINARY.decode(BINARY.encode(r))).isEqualTo(r);
    }

    @Test
    void rejectsEmptyAndOversizedRecords() {
        assertRejected(BINARY, new byte[0], RejectReason.EMPTY);
        TrainingRecord big = new TrainingRecord("m", 100, 3, new float[300], new int[100], null, true);
        assertRejected(BINARY, BINARY.encode(big), RejectReason.OVERSIZED);
    }

    @Test
    void rejectsABadMagic() {
        assertRejected(BINARY, "{\"x\": [1, 2, 3], \"y\": 1}", RejectReason.BAD_MAGIC)
                .withMessageContaining("not GSMB");
        byte[] value = valid();
        value[3] = 'X';
        assertRejected(BINARY, value, RejectReason.BAD_MAGIC);
    }

    @Test
    void rejectsAnUnsupportedVersion() {
        byte[] value = valid();
        value[VERSION] = 2;
        assertRejected(BINARY, value, RejectReason.UNSUPPORTED_VERSION).withMessageContaining("2");
        value[VERSION] = 0;
        assertRejected(BINARY, value, RejectReason.UNSUPPORTED_VERSION);
    }

    @Test
    void rejectsAnUnsupportedDtype() {
        byte[] value = valid();
        value[DTYPE] = 3;
        assertRejected(BINARY, value, RejectReason.UNSUPPORTED_DTYPE);
        value[DTYPE] = 0;
        assertRejected(BINARY, value, RejectReason.UNSUPPORTED_DTYPE);
    }

    @Test
    void rejectsATruncatedHeader() {
        byte[] value = valid();
        for (int length : new int[] {1, 3, 4, 5, 7, 9, 11, rowsAt(2) + 2, colsAt(2) + 3}) {
            assertRejected(BINARY, Arrays.copyOf(value, length), RejectReason.TRUNCATED)
                    .withMessageContaining("header");
        }
        // a model id longer than what follows
        byte[] longId = valid();
        longId[ID_LENGTH] = (byte) 0xFF;
        longId[ID_LENGTH + 1] = (byte) 0xFF;
        assertRejected(BINARY, longId, RejectReason.TRUNCATED);
    }

    @Test
    void rejectsATruncatedPayload() {
        byte[] value = valid();
        assertRejected(BINARY, Arrays.copyOf(value, value.length - 1), RejectReason.TRUNCATED)
                .withMessageContaining("needs");
        assertRejected(BINARY, Arrays.copyOf(value, colsAt(2) + 4), RejectReason.TRUNCATED);
        // the weights flag set, but no weights follow
        byte[] flagged = valid();
        flagged[FLAGS] = (byte) BinaryMinibatchFormat.FLAG_WEIGHTS;
        assertRejected(BINARY, flagged, RejectReason.TRUNCATED);
        // more rows announced than present
        assertRejected(BINARY, putInt(valid(), rowsAt(2), 3), RejectReason.TRUNCATED);
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] value = valid();
        assertRejected(BINARY, Arrays.copyOf(value, value.length + 1), RejectReason.TRAILING_BYTES)
                .withMessageContaining("1 bytes");
        assertRejected(BINARY, putInt(valid(), rowsAt(2), 1), RejectReason.TRAILING_BYTES);
    }

    @Test
    void rejectsABadShape() {
        assertRejected(BINARY, putInt(valid(), rowsAt(2), 0), RejectReason.BAD_SHAPE);
        assertRejected(BINARY, putInt(valid(), rowsAt(2), -2), RejectReason.BAD_SHAPE);
        assertRejected(BINARY, putInt(valid(), colsAt(2), 0), RejectReason.BAD_SHAPE);
        assertRejected(BINARY, putInt(valid(), colsAt(2), Integer.MIN_VALUE), RejectReason.BAD_SHAPE);
    }

    @Test
    void rejectsTheWrongNumberOfFeatures() {
        TrainingRecord r = new TrainingRecord("m1", 3, 2, new float[6], new int[3], null, true);
        assertRejected(BINARY, BINARY.encode(r), RejectReason.WRONG_DIMENSION);
    }

    /**
     * A shape whose byte count overflows a long must be a rejection, not a crash: here 8·r·c + 4·r + 4·r = 2^64
     * wraps to 0, which matches the empty payload, and {@code new float[rows * cols]} then throws
     * NegativeArraySizeException out of decode(), which DecodeFunction does not catch: the job fails and restarts on
     * the same record forever.
     */
    @Test
    void rejectsAShapeWhoseSizeOverflows() {
        byte[] header = BinaryMinibatchFormat.encode(
                new TrainingRecord("m1", 1, 3, new float[3], new int[1], new float[1], true),
                BinaryMinibatchFormat.FLOAT64);
        byte[] value = Arrays.copyOf(header, colsAt(2) + 4);
        putInt(value, rowsAt(2), 1 << 30);
        putInt(value, colsAt(2), Integer.MAX_VALUE);

        assertThatExceptionOfType(RecordRejectedException.class).isThrownBy(() -> BINARY.decode(value))
                .satisfies(e -> assertThat(e.reason()).isIn(RejectReason.WRONG_DIMENSION, RejectReason.TRUNCATED,
                        RejectReason.BAD_SHAPE));
    }

    @Test
    void rejectsNonFiniteFeatures() {
        int features = colsAt(2) + 4;
        assertRejected(BINARY, putFloat(valid(), features + 4, Float.NaN), RejectReason.NON_FINITE)
                .withMessageContaining("feature 1 of row 0");
        assertRejected(BINARY, putFloat(valid(), features + 20, Float.NEGATIVE_INFINITY), RejectReason.NON_FINITE)
                .withMessageContaining("feature 2 of row 1");
        // a float64 too large for float32
        byte[] wide = BinaryMinibatchFormat.encode(batch("m1", null), BinaryMinibatchFormat.FLOAT64);
        ByteBuffer.wrap(wide).order(ByteOrder.LITTLE_ENDIAN).putDouble(features, 1e300);
        assertRejected(BINARY, wide, RejectReason.NON_FINITE);
    }

    @Test
    void rejectsLabelsOutOfRange() {
        int labels = colsAt(2) + 4 + 6 * 4;
        assertRejected(BINARY, putInt(valid(), labels, 4), RejectReason.LABEL_OUT_OF_RANGE);
        assertRejected(BINARY, putInt(valid(), labels + 4, -1), RejectReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void rejectsBadWeights() {
        for (float w : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertRejected(BINARY, BINARY.encode(batch("m1", new float[] {1f, w})), RejectReason.BAD_WEIGHT);
        }
    }

    @Test
    void rejectsUnsafeModelIds() {
        for (String id : new String[] {"..", ".", "a/b", "", "x".repeat(129), "caf\u00e9"}) {
            assertRejected(BINARY, BINARY.encode(batch(id, null)), RejectReason.BAD_MODEL_ID);
        }
    }

    @Test
    void rejectsAModelIdThatIsNotUtf8() {
        byte[] value = valid();
        value[ID_LENGTH + 2] = (byte) 0xC3;   // "m1" → 0xC3 '1': a lead byte without continuation
        assertRejected(BINARY, value, RejectReason.INVALID_UTF8);
    }

    // ---- bounds

    @Test
    void rejectsMoreRowsThanTheLimitBeforeReadingThem() {
        BinaryMinibatchFormat oneRow = new BinaryMinibatchFormat(RecordLimits.builder().numFeatures(3).numClasses(4)
                .maxRowsPerRecord(1).build());

        assertRejected(oneRow, valid(), RejectReason.TOO_MANY_ROWS).withMessageContaining("2 rows")
                .withMessageContaining("limit of 1");
        // Checked from the header alone: a record that claims a million rows is rejected for them, not truncated.
        assertRejected(oneRow, putInt(valid(), rowsAt(2), 1_000_000), RejectReason.TOO_MANY_ROWS);
    }

    @Test
    void aRecordAtTheRowLimitDecodes() throws Exception {
        BinaryMinibatchFormat twoRows = new BinaryMinibatchFormat(RecordLimits.builder().numFeatures(3).numClasses(4)
                .maxRowsPerRecord(2).build());

        assertThat(twoRows.decode(valid()).rows).isEqualTo(2);
    }

    @Test
    void rejectsFeaturesAndWeightsBeyondTheirBounds() {
        TrainingRecord big = batch("m1", null);
        big.features[4] = -3e6f;
        assertRejected(BINARY, BINARY.encode(big), RejectReason.OUT_OF_RANGE).withMessageContaining("feature 1 of row 1");
        assertRejected(BINARY, BINARY.encode(batch("m1", new float[] {1f, 5000f})), RejectReason.OUT_OF_RANGE)
                .withMessageContaining("weight 5000.0 of row 1");
    }

    @Test
    void aRequestIsEveryRowOfAMinibatchOfAnyWidthAndIgnoresTheLabels() throws Exception {
        BinaryMinibatchFormat requests = new BinaryMinibatchFormat(
                RecordLimits.builder().anyWidth().maxRecordBytes(1024).maxRowsPerRecord(2).build());
        TrainingRecord batch = TrainingRecord.minibatch("mb", 5, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                new int[] {0, 99});
        var r = requests.decodeRequest(BinaryMinibatchFormat.encode(batch, BinaryMinibatchFormat.FLOAT64));
        assertThat(r.modelId).isEqualTo("mb");
        assertThat(r.rows).isEqualTo(2);
        assertThat(r.numFeatures).isEqualTo(5);
        assertThat(r.features).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(r.requestId).isNull();
        TrainingRecord three = TrainingRecord.minibatch("mb", 1, new float[] {1, 2, 3}, new int[] {0, 0, 0});
        assertThatExceptionOfType(RecordRejectedException.class)
                .isThrownBy(() -> requests.decodeRequest(BINARY.encode(three)))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_MANY_ROWS));
    }
}
