package org.gsamflink.optimizer;

import org.deeplearning4j.util.ModelSerializer;
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
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

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
 * Version 2 is the same state without the two arrays, for where the parameters and updater state are already
 * stored elsewhere: a model snapshot, whose DL4J {@code ModelSerializer} zip holds both. After {@code lastRho} it
 * has {@code long numParams} and {@code long updaterStateLength} (the lengths of the arrays it leaves out) and ends.
 * {@link #encode()} writes version 1 (Flink keyed state keeps it), {@link #encodeWithoutParameters()} version 2;
 * {@link #withParametersFrom(byte[])} completes a version-2 state from its model zip.
 *
 * <p>Never Java serialization. A reader accepts every version up to its own and rejects anything else with a message.
 */
public final class GsamState {

    public static final int MAGIC = 0x4753414D;
    /** The newest version this release reads (and writes, from {@link #encodeWithoutParameters()}). */
    public static final short CURRENT_VERSION = 2;
    /** The version with parameters and updater state, written by {@link #encode()}. */
    public static final short WITH_PARAMETERS_VERSION = 1;
    /** The version without them, written by {@link #encodeWithoutParameters()}. */
    public static final short WITHOUT_PARAMETERS_VERSION = 2;

    private final long step;
    private final long skippedSteps;
    private final long seed;
    private final int iterationCount;
    private final int epochCount;
    private final double lastLr;
    private final double lastRho;
    private final INDArray params;
    private final INDArray updaterState;
    /** Whether {@link #params} and {@link #updaterState} are here (false for a version-2 state). */
    private final boolean hasParameters;
    private final long numParams;
    private final long updaterStateLength;

    GsamState(long step, long skippedSteps, long seed, int iterationCount, int epochCount, double lastLr,
              double lastRho, INDArray params, INDArray updaterState) {
        this(step, skippedSteps, seed, iterationCount, epochCount, lastLr, lastRho, params, updaterState, true,
                params.length(), updaterState == null ? 0 : updaterState.length());
    }

    private GsamState(long step, long skippedSteps, long seed, int iterationCount, int epochCount, double lastLr,
                      double lastRho, INDArray params, INDArray updaterState, boolean hasParameters, long numParams,
                      long updaterStateLength) {
        this.step = step;
        this.skippedSteps = skippedSteps;
        this.seed = seed;
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
        this.lastLr = lastLr;
        this.lastRho = lastRho;
        this.params = params;
        this.updaterState = updaterState;
        this.hasParameters = hasParameters;
        this.numParams = numParams;
        this.updaterStateLength = updaterStateLength;
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

    /** Number of network parameters of this state (also of a state without them). */
    public long numParams() {
        return numParams;
    }

    /** Whether the state holds the parameters and updater state (version 1) or only the counters (version 2). */
    public boolean hasParameters() {
        return hasParameters;
    }

    /**
     * This state with the parameters and updater state of {@code modelZip}, a DL4J {@code ModelSerializer} zip
     * written with its updater (as model snapshots are); {@code this} when it has them already (a version-1 state,
     * e.g. from a store version written by an earlier release).
     *
     * @throws IllegalArgumentException the zip has no parameters, or arrays of other lengths than this state
     */
    public GsamState withParametersFrom(byte[] modelZip) {
        if (hasParameters) {
            return this;
        }
        INDArray zipParams = null;
        INDArray zipUpdater = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(ModelSerializer.COEFFICIENTS_BIN)) {
                    zipParams = Nd4j.read(new DataInputStream(zip));
                } else if (e.getName().equals(ModelSerializer.UPDATER_BIN)) {
                    zipUpdater = Nd4j.read(new DataInputStream(zip));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the model zip: " + e.getMessage(), e);
        }
        if (zipParams == null || zipParams.length() != numParams) {
            throw new IllegalArgumentException("the model zip has " + (zipParams == null ? "no" : zipParams.length())
                    + " parameters but the optimizer state belongs to a network with " + numParams);
        }
        long haveUpdater = zipUpdater == null ? 0 : zipUpdater.length();
        if (haveUpdater != updaterStateLength) {
            throw new IllegalArgumentException("the model zip has " + haveUpdater + " updater state values but the "
                    + "optimizer state expects " + updaterStateLength + " (was it written without its updater?)");
        }
        return new GsamState(step, skippedSteps, seed, iterationCount, epochCount, lastLr, lastRho,
                zipParams.reshape(zipParams.length()), zipUpdater == null ? null : zipUpdater.reshape(haveUpdater),
                true, numParams, updaterStateLength);
    }

    private void requireParameters() {
        if (!hasParameters) {
            throw new IllegalStateException("this GSAM optimizer state (version " + WITHOUT_PARAMETERS_VERSION
                    + ") has no parameters or updater state; complete it with withParametersFrom(modelZip)");
        }
    }

    void copyParamsInto(INDArray target) {
        requireParameters();
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

    /** The state in the binary format described above, version 1 (with parameters and updater state). */
    public byte[] encode() {
        requireParameters();
        long bytes = 64 + 9 + params.length() * 8 + 9 + (updaterState == null ? 0 : updaterState.length() * 8);
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            writeHeader(out, WITH_PARAMETERS_VERSION);
            writeArray(out, params);
            writeArray(out, updaterState);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /** The state without parameters and updater state: version 2, 70 bytes. */
    public byte[] encodeWithoutParameters() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(70);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            writeHeader(out, WITHOUT_PARAMETERS_VERSION);
            out.writeLong(numParams);
            out.writeLong(updaterStateLength);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private void writeHeader(DataOutputStream out, short version) throws IOException {
        out.writeInt(MAGIC);
        out.writeShort(version);
        out.writeLong(step);
        out.writeLong(skippedSteps);
        out.writeLong(seed);
        out.writeInt(iterationCount);
        out.writeInt(epochCount);
        out.writeDouble(lastLr);
        out.writeDouble(lastRho);
    }

    /**
     * Parses {@link #encode()}'s or {@link #encodeWithoutParameters()}'s output (versions 1 and 2); a clear {@link
     * IllegalArgumentException} for anything else.
     */
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
            GsamState state;
            if (version == WITHOUT_PARAMETERS_VERSION) {
                long numParams = in.readLong();
                long updaterLength = in.readLong();
                if (numParams <= 0 || updaterLength < 0) {
                    throw new IllegalArgumentException("GSAM optimizer state has invalid array lengths " + numParams
                            + " and " + updaterLength);
                }
                state = new GsamState(step, skipped, seed, iterations, epochs, lastLr, lastRho, null, null, false,
                        numParams, updaterLength);
            } else {
                INDArray params = readArray(in);
                INDArray updater = readArray(in);
                state = new GsamState(step, skipped, seed, iterations, epochs, lastLr, lastRho, params, updater);
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("GSAM optimizer state has " + in.available() + " trailing bytes");
            }
            return state;
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
