package org.gsamflink.modelstore;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes NumPy {@code .npy} files, format version 1.0, byte for byte as {@code numpy.save} does for a C-ordered
 * little-endian float array:
 *
 * <ol>
 *   <li>the magic {@code \x93NUMPY} and the version bytes {@code 1, 0};</li>
 *   <li>the header length as a little-endian unsigned 16-bit number;</li>
 *   <li>the header: an ASCII Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape':
 *       (3,), }}, padded with spaces and ended by a newline so that the data starts at a multiple of
 *       {@value #ALIGNMENT} bytes;</li>
 *   <li>the values, little-endian ({@code <f4} for {@code float[]}, {@code <f8} for {@code double[]}).</li>
 * </ol>
 *
 * <p>The methods never close the stream. {@link #writeIndex} writes the JSON index that describes the layers of a
 * flat parameter array (see {@link NpyIndex}). Memory cost: a 64 KiB buffer per call.
 */
public final class NpyWriter {

    /** NumPy dtype of little-endian 32-bit floats. */
    public static final String FLOAT32 = "<f4";
    /** NumPy dtype of little-endian 64-bit floats. */
    public static final String FLOAT64 = "<f8";
    /** The data of a written file starts at a multiple of this many bytes (NumPy's ARRAY_ALIGN). */
    public static final int ALIGNMENT = 64;

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic, two version bytes and the 16-bit header length. */
    static final int PREAMBLE_V1 = MAGIC.length + 2 + 2;

    private static final int CHUNK_BYTES = 64 * 1024;

    private NpyWriter() {
    }

    /** Writes {@code data} as a one-dimensional {@code <f4} array of shape {@code (n,)}. */
    public static void write(OutputStream out, float[] data) throws IOException {
        Objects.requireNonNull(data, "data must not be null");
        write(out, data, data.length);
    }

    /** Writes {@code data} as a one-dimensional {@code <f8} array of shape {@code (n,)}. */
    public static void write(OutputStream out, double[] data) throws IOException {
        Objects.requireNonNull(data, "data must not be null");
        write(out, data, data.length);
    }

    /** Writes {@code data} as a C-ordered {@code <f4} array of the given shape (whose product must be its length). */
    public static void write(OutputStream out, float[] data, long... shape) throws IOException {
        Objects.requireNonNull(out, "out must not be null");
        Objects.requireNonNull(data, "data must not be null");
        checkShape(shape, data.length);
        out.write(header(FLOAT32, false, shape));
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            if (buf.remaining() < Float.BYTES) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(v);
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** Writes {@code data} as a C-ordered {@code <f8} array of the given shape (whose product must be its length). */
    public static void write(OutputStream out, double[] data, long... shape) throws IOException {
        Objects.requireNonNull(out, "out must not be null");
        Objects.requireNonNull(data, "data must not be null");
        checkShape(shape, data.length);
        out.write(header(FLOAT64, false, shape));
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : data) {
            if (buf.remaining() < Double.BYTES) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putDouble(v);
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** Writes the JSON index of a flat parameter array (UTF-8). */
    public static void writeIndex(OutputStream out, NpyIndex index) throws IOException {
        Objects.requireNonNull(out, "out must not be null");
        Objects.requireNonNull(index, "index must not be null");
        out.write(index.toJson());
    }

    /**
     * The complete version 1.0 preamble and header, padded as {@code numpy.save} pads it: spaces, then a newline,
     * so that its length is a multiple of {@value #ALIGNMENT} (a full {@value #ALIGNMENT} bytes of padding when it
     * would otherwise end exactly on the boundary, as NumPy does).
     */
    static byte[] header(String descr, boolean fortranOrder, long[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + shapeTuple(shape) + ", }";
        int padding = ALIGNMENT - ((PREAMBLE_V1 + dict.length() + 1) % ALIGNMENT);
        int headerLength = dict.length() + padding + 1;
        if (headerLength > 0xFFFF) {
            throw new IllegalArgumentException("shape " + shapeTuple(shape) + " needs a header longer than the 65535"
                    + " bytes of .npy format 1.0");
        }
        ByteBuffer buf = ByteBuffer.allocate(PREAMBLE_V1 + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLength);
        buf.put(dict.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < padding; i++) {
            buf.put((byte) ' ');
        }
        buf.put((byte) '\n');
        return buf.array();
    }

    /** The shape as Python writes a tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    static String shapeTuple(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    private static void checkShape(long[] shape, long length) {
        Objects.requireNonNull(shape, "shape must not be null");
        long product = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + shapeTuple(shape) + " has a negative dimension");
            }
            product = Math.multiplyExact(product, d);
        }
        if (product != length) {
            throw new IllegalArgumentException("shape " + shapeTuple(shape) + " holds " + product
                    + " values but the data has " + length);
        }
    }
}
