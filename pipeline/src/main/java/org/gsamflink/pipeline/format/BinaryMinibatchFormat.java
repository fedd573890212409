package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A compact binary minibatch for high-throughput producers; one record is one training step. Little-endian:
 * <pre>
 *   offset size
 *   0      4    magic "GSMB" (0x47 0x53 0x4D 0x42)
 *   4      1    format version (1)
 *   5      1    dtype of the features: 1 = float32, 2 = float64
 *   6      1    flags: bit 0 = per-row weights follow the labels
 *   7      1    reserved (0)
 *   8      2    model id length n (unsigned), then n bytes of UTF-8 model id
 *   10+n   4    rows r (> 0)
 *   14+n   4    columns c (the feature count)
 *   18+n        r·c features (row-major, dtype), r int32 labels, [r float32 weights]
 * </pre>
 * Nothing may follow the payload.
 */
public final class BinaryMinibatchFormat implements RecordFormat {

    private static final long serialVersionUID = 1L;
    public static final int MAGIC = 0x424D5347;   // "GSMB" read little-endian
    public static final byte VERSION = 1;
    public static final byte FLOAT32 = 1;
    public static final byte FLOAT64 = 2;
    public static final int FLAG_WEIGHTS = 1;

    private final RecordLimits limits;

    public BinaryMinibatchFormat(RecordLimits limits) {
        this.limits = limits;
    }

    @Override
    public String name() {
        return "binary";
    }

    @Override
    public TrainingRecord decode(byte[] value) throws RecordRejectedException {
        return limits.check(parse(value));
    }

    /** A prediction request of every row; the labels (and weights) are read and ignored. */
    @Override
    public PredictionRequest decodeRequest(byte[] value) throws RecordRejectedException {
        TrainingRecord r = parse(value);
        return limits.check(new PredictionRequest(r.modelId, null, r.rows, r.numFeatures, r.features));
    }

    /** The record as laid out, with the layout's own checks; the content checks are the caller's. */
    private TrainingRecord parse(byte[] value) throws RecordRejectedException {
        limits.checkSize(value);
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = b.getInt();
            if (magic != MAGIC) {
                throw new RecordRejectedException(RejectReason.BAD_MAGIC,
                        String.format("magic 0x%08X is not GSMB", Integer.reverseBytes(magic)));
            }
            byte version = b.get();
            if (version != VERSION) {
                throw new RecordRejectedException(RejectReason.UNSUPPORTED_VERSION,
                        "format version " + version + ", this release reads " + VERSION);
            }
            byte dtype = b.get();
            if (dtype != FLOAT32 && dtype != FLOAT64) {
                throw new RecordRejectedException(RejectReason.UNSUPPORTED_DTYPE, "dtype code " + dtype);
            }
            int flags = b.get();
            b.get();
            int idLength = Short.toUnsignedInt(b.getShort());
            byte[] id = new byte[idLength];
            b.get(id);
            String modelId = RecordFormat.utf8(id);
            int rows = b.getInt();
            int cols = b.getInt();
            if (rows <= 0 || cols <= 0) {
                throw new RecordRejectedException(RejectReason.BAD_SHAPE, "shape " + rows + "×" + cols);
            }
            // Width and rows first, before anything is allocated; rows × cols < 2^62 cannot overflow a long.
            limits.checkWidth(cols);
            limits.checkRows(rows);
            long expected = (long) rows * cols * (dtype == FLOAT32 ? 4 : 8) + 4L * rows
                    + ((flags & FLAG_WEIGHTS) != 0 ? 4L * rows : 0);
            if (expected > b.remaining()) {
                throw new RecordRejectedException(RejectReason.TRUNCATED,
                        "payload of " + rows + "×" + cols + " needs " + expected + " bytes, " + b.remaining() + " left");
            }
            if (expected < b.remaining()) {
                throw new RecordRejectedException(RejectReason.TRAILING_BYTES,
                        (b.remaining() - expected) + " bytes after the payload");
            }
            float[] x = new float[rows * cols];
            if (dtype == FLOAT32) {
                // One bulk copy: a 128×784 minibatch is 100k floats, decoded on the job's input path.
                b.asFloatBuffer().get(x);
                b.position(b.position() + 4 * x.length);
            } else {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) b.getDouble();
                }
            }
            int[] y = new int[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = b.getInt();
            }
            float[] w = null;
            if ((flags & FLAG_WEIGHTS) != 0) {
                w = new float[rows];
                for (int i = 0; i < rows; i++) {
                    w[i] = b.getFloat();
                }
            }
            return new TrainingRecord(modelId, rows, cols, x, y, w, true);
        } catch (BufferUnderflowException e) {
            throw new RecordRejectedException(RejectReason.TRUNCATED, "record ends inside the header");
        }
    }

    @Override
    public byte[] encode(TrainingRecord r) {
        return encode(r, FLOAT32);
    }

    /** Encodes with the given feature dtype ({@link #FLOAT32} or {@link #FLOAT64}). */
    public static byte[] encode(TrainingRecord r, byte dtype) {
        byte[] id = r.modelId.getBytes(StandardCharsets.UTF_8);
        int featureBytes = dtype == FLOAT64 ? 8 : 4;
        int size = 18 + id.length + r.features.length * featureBytes + 4 * r.rows
                + (r.weights != null ? 4 * r.rows : 0);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put(VERSION).put(dtype).put((byte) (r.weights != null ? FLAG_WEIGHTS : 0)).put((byte) 0);
        b.putShort((short) id.length).put(id);
        b.putInt(r.rows).putInt(r.numFeatures);
        for (float f : r.features) {
            if (dtype == FLOAT64) {
                b.putDouble(f);
            } else {
                b.putFloat(f);
            }
        }
        for (int y : r.labels) {
            b.putInt(y);
        }
        if (r.weights != null) {
            for (float w : r.weights) {
                b.putFloat(w);
            }
        }
        return b.array();
    }
}
