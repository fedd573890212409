package org.gsamflink.optimizer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The array and loss-list encodings of {@link GsamState}'s binary format ({@code array} and the guard's loss
 * lists, as its class comment defines them). Package-private; stateless.
 */
final class StateArrays {

    /** The most losses a guard state may hold ({@link LossSpikeGuard#MAX_WINDOW_SIZE}, or K, per array). */
    static final int MAX_GUARD_LOSSES = 1 << 20;

    private StateArrays() {}

    static void writeLosses(DataOutputStream out, double[] losses) throws IOException {
        out.writeInt(losses.length);
        for (double l : losses) {
            out.writeDouble(l);
        }
    }

    static double[] readLosses(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_GUARD_LOSSES) {
            throw new IllegalArgumentException("GSAM optimizer state has an invalid loss-spike guard length " + length);
        }
        if (length > in.available() / 8) {
            throw new EOFException();
        }
        double[] losses = new double[length];
        for (int i = 0; i < length; i++) {
            losses[i] = in.readDouble();
        }
        return losses;
    }

    static void writeArray(DataOutputStream out, INDArray a) throws IOException {
        if (a == null || a.length() == 0) {
            out.writeByte(1);
            out.writeLong(0);
            return;
        }
        boolean dbl = a.dataType() == DataType.DOUBLE;
        out.writeByte(dbl ? 2 : code(a.dataType()));
        out.writeLong(a.length());
        INDArray flat = a.reshape(a.length());
        ByteBuffer buf = ByteBuffer.allocate((int) (a.length() * (dbl ? 8 : 4))).order(ByteOrder.BIG_ENDIAN);
        if (dbl) {
            buf.asDoubleBuffer().put(flat.toDoubleVector());
        } else {
            buf.asFloatBuffer().put(flat.castTo(DataType.FLOAT).toFloatVector());
        }
        out.write(buf.array());
    }

    static byte code(DataType t) {
        return switch (t) {
            case FLOAT -> 1;
            case DOUBLE -> 2;
            case HALF -> 3;
            case BFLOAT16 -> 4;
            default -> throw new IllegalArgumentException("unsupported parameter data type " + t);
        };
    }

    static INDArray readArray(DataInputStream in) throws IOException {
        byte code = in.readByte();
        long length = in.readLong();
        if (length < 0 || length > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("GSAM optimizer state has an invalid array length " + length);
        }
        if (length == 0) {
            return null;
        }
        DataType type = switch (code) {
            case 1 -> DataType.FLOAT;
            case 2 -> DataType.DOUBLE;
            case 3 -> DataType.HALF;
            case 4 -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("GSAM optimizer state has an unknown data type code " + code);
        };
        byte[] raw = new byte[(int) (length * (type == DataType.DOUBLE ? 8 : 4))];
        in.readFully(raw);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        if (type == DataType.DOUBLE) {
            double[] v = new double[(int) length];
            buf.asDoubleBuffer().get(v);
            return Nd4j.createFromArray(v);
        }
        float[] v = new float[(int) length];
        buf.asFloatBuffer().get(v);
        INDArray a = Nd4j.createFromArray(v);
        return type == DataType.FLOAT ? a : a.castTo(type);
    }
}
