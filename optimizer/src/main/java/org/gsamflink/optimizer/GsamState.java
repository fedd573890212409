package org.gsamflink.optimizer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The complete training state of a {@link Gsam} optimizer and its network, and its binary format.
 *
 * <p>Format (big-endian, as {@link DataOutputStream} writes; version 1):
 * <pre>
 *   int    magic          0x4753414D ("GSAM")
 *   short  version        1
 *   long   step           the step counter t (the schedulers' counter too)
 *   long   skippedSteps   non-finite steps skipped so far
 *   long   seed           RNG seed; with t it determines every dropout mask
 *   int    iterationCount DL4J's iteration counter (Adam's bias correction reads it)
 *   int    epochCount
 *   double lastLr         scheduler state: the lr of the last step (NaN before the first)
 *   double lastRho        scheduler state: the ρ of the last step
 *   array  params         the flat parameter vector
 *   array  updaterState   the updater's flat state (length 0 for a stateless updater such as Sgd)
 * array := byte dtype (1 = FLOAT, 2 = DOUBLE, 3 = HALF, 4 = BFLOAT16), long length, length values
 *          (HALF and BFLOAT16 are stored widened to float)
 * </pre>
 * Never Java serialization. A reader accepts every version up to its own and rejects anything else with a message.
 */
public final class GsamState {

    public static final int MAGIC = 0x4753414D;
    public static final short CURRENT_VERSION = 1;

    private final long step;
    private final long skippedSteps;
    private final long seed;
    private final int iterationCount;
    private final int epochCount;
    private final double lastLr;
    private final double lastRho;
    private final INDArray params;
    private final INDArray updaterState;

    GsamState(long step, long skippedSteps, long seed, int iterationCount, int epochCount, double lastLr,
              double lastRho, INDArray params, INDArray updaterState) {
        this.step = step;
        this.skippedSteps = skippedSteps;
        this.seed = seed;
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
        this.lastLr = lastLr;
        this.lastRho = lastRho;
        this.params = params;
        this.updaterState = updaterState;
    }

    public long step() {
        return step;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public long seed() {
        return seed;
    }

    public int iterationCount() {
        return iterationCount;
    }

    public int epochCount() {
        return epochCount;
    }

    public double lastLr() {
        return lastLr;
    }

    public double lastRho() {
        return lastRho;
    }

    /** Number of network parameters in this state. */
    public long numParams() {
        return params.length();
    }

    void copyParamsInto(INDArray target) {
        copyInto("parameter vector", params, target);
    }

    void copyUpdaterStateInto(INDArray target) {
        long have = updaterState == null ? 0 : updaterState.length();
        long want = target == null ? 0 : target.length();
        if (have != want) {
            throw new IllegalArgumentException("updater state has " + have + " values but this network's updater needs "
                    + want + ": the network's updater configuration differs from the one that wrote the state");
        }
        if (want > 0) {
            copyInto("updater state", updaterState, target);
        }
    }

    private static void copyInto(String what, INDArray source, INDArray target) {
        if (source.length() != target.length()) {
            throw new IllegalArgumentException(what + " has " + source.length() + " values but the network has "
                    + target.length() + ": the state belongs to a different architecture");
        }
        target.assign(source.reshape(target.shape()).castTo(target.dataType()));
    }

    /** The state in the binary format described above. */
    public byte[] encode() {
        long bytes = 64 + 9 + params.length() * 8 + 9 + (updaterState == null ? 0 : updaterState.length() * 8);
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(MAGIC);
            out.writeShort(CURRENT_VERSION);
            out.writeLong(step);
            out.writeLong(skippedSteps);
            out.writeLong(seed);
            out.writeInt(iterationCount);
            out.writeInt(epochCount);
            out.writeDouble(lastLr);
            out.writeDouble(lastRho);
            writeArray(out, params);
            writeArray(out, updaterState);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /** Parses {@link #encode()}'s output; a clear {@link IllegalArgumentException} for anything else. */
    public static GsamState decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException(String.format(
                        "not a GSAM optimizer state: magic 0x%08X, expected 0x%08X", magic, MAGIC));
            }
            short version = in.readShort();
            if (version < 1 || version > CURRENT_VERSION) {
                throw new IllegalArgumentException("unsupported GSAM optimizer state version " + version
                        + " (this release reads versions 1 to " + CURRENT_VERSION + ")");
            }
            long step = in.readLong();
            long skipped = in.readLong();
            long seed = in.readLong();
            int iterations = in.readInt();
            int epochs = in.readInt();
            double lastLr = in.readDouble();
            double lastRho = in.readDouble();
            INDArray params = readArray(in);
            INDArray updater = readArray(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("GSAM optimizer state has " + in.available() + " trailing bytes");
            }
            return new GsamState(step, skipped, seed, iterations, epochs, lastLr, lastRho, params, updater);
        } catch (EOFException e) {
            throw new IllegalArgumentException("GSAM optimizer state is truncated (" + bytes.length + " bytes)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeArray(DataOutputStream out, INDArray a) throws IOException {
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

    private static byte code(DataType t) {
        return switch (t) {
            case FLOAT -> 1;
            case DOUBLE -> 2;
            case HALF -> 3;
            case BFLOAT16 -> 4;
            default -> throw new IllegalArgumentException("unsupported parameter data type " + t);
        };
    }

    private static INDArray readArray(DataInputStream in) throws IOException {
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
