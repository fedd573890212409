package org.gsamflink.modelstore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An array read by {@link NpyReader}: the parsed header fields and the raw data. Immutable; the conversions return
 * fresh arrays.
 */
public final class NpyArray {

    private final int majorVersion;
    private final int minorVersion;
    private final String header;
    private final String descr;
    private final boolean fortranOrder;
    private final long[] shape;
    private final int dataOffset;
    private final byte[] data;

    NpyArray(int majorVersion, int minorVersion, String header, String descr, boolean fortranOrder, long[] shape,
             int dataOffset, byte[] data) {
        this.majorVersion = majorVersion;
        this.minorVersion = minorVersion;
        this.header = header;
        this.descr = descr;
        this.fortranOrder = fortranOrder;
        this.shape = shape.clone();
        this.dataOffset = dataOffset;
        this.data = data;
    }

    public int majorVersion() {
        return majorVersion;
    }

    public int minorVersion() {
        return minorVersion;
    }

    /** The header text as stored, including its padding and final newline. */
    public String header() {
        return header;
    }

    /** The dtype, e.g. {@code <f4}. */
    public String descr() {
        return descr;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Number of values (the product of the shape). */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes per value: 4 or 8. */
    public int itemSize() {
        return descr.endsWith("4") ? 4 : 8;
    }

    /** Where the data starts in the file. */
    public int dataOffset() {
        return dataOffset;
    }

    /** The values of a {@code f4} array. */
    public float[] toFloatArray() {
        if (itemSize() != 4) {
            throw new IllegalStateException("dtype " + descr + " is not a 32-bit float; use toDoubleArray()");
        }
        float[] out = new float[(int) size()];
        buffer().asFloatBuffer().get(out);
        return out;
    }

    /** The values as doubles ({@code f4} values are widened). */
    public double[] toDoubleArray() {
        double[] out = new double[(int) size()];
        if (itemSize() == 8) {
            buffer().asDoubleBuffer().get(out);
        } else {
            float[] f = toFloatArray();
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    private ByteBuffer buffer() {
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return ByteBuffer.wrap(data).order(order);
    }
}
