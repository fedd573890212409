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
 * {@link #withParametersFrom(byte[])} completes a version-2 state from its model zip.
 *
 * <p>Versions 3 and 4 are versions 1 and 2 followed by the state of the loss-spike guard ({@link LossSpikeGuard}):
 * <pre>
 *   int    windowLength   then windowLength doubles: the clean losses of the guard's window, oldest first
 *   int    spikesLength   then spikesLength doubles: the current run of skipped spikes' losses, oldest first
 * </pre>
 * <p>Versions 5 and 6 are versions 3 and 4 (the guard's lists always present, possibly empty) followed by {@code
 * array sharpnessCache}: the cached sharpness correction of {@code gsam.sharpness-every} > 1 ({@link
 * SharpnessReuse}).
 *
 * {@link #encode()} (Flink keyed state) writes version 1, {@link #encodeWithoutParameters()} (model snapshots)
 * version 2 — or 3 and 4 when the guard's state is not empty, 5 and 6 when there is a sharpness cache. The oldest version that holds the state is written,
 * so a state without loss-spike statistics stays byte-identical to, and readable by, the releases before them.
 *
 * <p>Never Java serialization. A reader accepts every version up to its own and rejects anything else with a message.
 */
public final class GsamState {

    public static final int MAGIC = 0x4753414D;
    /** The newest version this release reads (and writes, from {@link #encodeWithoutParameters()}). */
    public static final short CURRENT_VERSION = 6;
    /** The version with parameters and updater state, written by {@link #encode()}. */
    public static final short WITH_PARAMETERS_VERSION = 1;
    /** The version without them, written by {@link #encodeWithoutParameters()}. */
    public static final short WITHOUT_PARAMETERS_VERSION = 2;
    /** {@link #WITH_PARAMETERS_VERSION} plus the loss-spike guard's state, when there is some. */
    public static final short WITH_PARAMETERS_AND_GUARD_VERSION = 3;
    /** {@link #WITHOUT_PARAMETERS_VERSION} plus the loss-spike guard's state, when there is some. */
    public static final short WITHOUT_PARAMETERS_WITH_GUARD_VERSION = 4;
    /** {@link #WITH_PARAMETERS_AND_GUARD_VERSION} (guard always present) plus the sharpness cache, when there is one. */
    public static final short WITH_PARAMETERS_AND_CACHE_VERSION = 5;
    /** {@link #WITHOUT_PARAMETERS_WITH_GUARD_VERSION} (guard always present) plus the sharpness cache. */
    public static final short WITHOUT_PARAMETERS_WITH_CACHE_VERSION = 6;
    private static final double[] NO_LOSSES = new double[0];

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
    /** The loss-spike guard's window (oldest first) and current run of spikes; empty without a guard. */
    private final double[] lossWindow;
    private final double[] lossSpikes;
    /** The sharpness cache of {@link SharpnessReuse}; null when there is none. */
    private final INDArray sharpnessCache;

    GsamState(long step, long skippedSteps, long seed, int iterationCount, int epochCount, double lastLr,
              double lastRho, INDArray params, INDArray updaterState, double[] lossWindow, double[] lossSpikes) {
        this(step, skippedSteps, seed, iterationCount, epochCount, lastLr, lastRho, params, updaterState, true,
                params.length(), updaterState == null ? 0 : updaterState.length(), lossWindow, lossSpikes, null);
    }

    private GsamState(long step, long skippedSteps, long seed, int iterationCount, int epochCount, double lastLr,
                      double lastRho, INDArray params, INDArray updaterState, boolean hasParameters, long numParams,
                      long updaterStateLength, double[] lossWindow, double[] lossSpikes, INDArray sharpnessCache) {
        this.sharpnessCache = sharpnessCache;
        this.lossWindow = lossWindow == null ? NO_LOSSES : lossWindow.clone();
        this.lossSpikes = lossSpikes == null ? NO_LOSSES : lossSpikes.clone();
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

    /** The loss-spike guard's window of clean losses, oldest first (empty without a guard). */
    public double[] lossWindow() {
        return lossWindow.clone();
    }

    /** The loss-spike guard's current run of skipped spikes' losses, oldest first. */
    public double[] lossSpikes() {
        return lossSpikes.clone();
    }

    /** The sharpness cache ({@link SharpnessReuse}), or null when the state has none. */
    public INDArray sharpnessCache() {
        return sharpnessCache;
    }

    /** This state with {@code cache} as its sharpness cache (null: none). */
    GsamState withSharpnessCache(INDArray cache) {
        return new GsamState(step, skippedSteps, seed, iterationCount, epochCount, lastLr, lastRho, params,
                updaterState, hasParameters, numParams, updaterStateLength, lossWindow, lossSpikes, cache);
    }

    /** Whether the state holds loss-spike statistics (and is then written as version 3 or 4). */
    public boolean hasGuardState() {
        return lossWindow.length > 0 || lossSpikes.length > 0;
    }

    /** Number of network parameters of this state (also of a state without them). */
    public long numParams() {
        return numParams;
    }

    /** Length of the updater's flat state of this state (also of a state without it); 0 for a stateless updater. */
    public long updaterStateLength() {
        return updaterStateLength;
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
                true, numParams, updaterStateLength, lossWindow, lossSpikes, sharpnessCache);
    }

    private void requireParameters() {
        if (!hasParameters) {
            throw new IllegalStateException("this GSAM optimizer state (version " + WITHOUT_PARAMETERS_VERSION
                    + " or " + WITHOUT_PARAMETERS_WITH_GUARD_VERSION + ") has no parameters or updater state; complete it with withParametersFrom(modelZip)");
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

    /**
     * The state in the binary format described above, with parameters and updater state: version 1, or 3 when it
     * holds loss-spike statistics.
     */
    public byte[] encode() {
        requireParameters();
        long bytes = 64 + 9 + params.length() * 8 + 9 + (updaterState == null ? 0 : updaterState.length() * 8)
                + guardBytes() + cacheBytes();
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            writeHeader(out, sharpnessCache != null ? WITH_PARAMETERS_AND_CACHE_VERSION
                    : hasGuardState() ? WITH_PARAMETERS_AND_GUARD_VERSION : WITH_PARAMETERS_VERSION);
            StateArrays.writeArray(out, params);
            StateArrays.writeArray(out, updaterState);
            writeGuard(out);
            writeCache(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /**
     * The state without parameters and updater state: version 2, 70 bytes; or version 4 (70 + 8 bytes + 8 per loss)
     * when it holds loss-spike statistics.
     */
    public byte[] encodeWithoutParameters() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) (70 + guardBytes() + cacheBytes()));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            writeHeader(out, sharpnessCache != null ? WITHOUT_PARAMETERS_WITH_CACHE_VERSION
                    : hasGuardState() ? WITHOUT_PARAMETERS_WITH_GUARD_VERSION : WITHOUT_PARAMETERS_VERSION);
            out.writeLong(numParams);
            out.writeLong(updaterStateLength);
            writeGuard(out);
            writeCache(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private long guardBytes() {
        return hasGuardState() || sharpnessCache != null ? 8 + 8L * (lossWindow.length + lossSpikes.length) : 0;
    }

    private long cacheBytes() {
        return sharpnessCache == null ? 0 : 9 + sharpnessCache.length() * 8;
    }

    private void writeCache(DataOutputStream out) throws IOException {
        if (sharpnessCache != null) {
            StateArrays.writeArray(out, sharpnessCache);
        }
    }

    private void writeGuard(DataOutputStream out) throws IOException {
        if (hasGuardState() || sharpnessCache != null) {
            StateArrays.writeLosses(out, lossWindow);
            StateArrays.writeLosses(out, lossSpikes);
        }
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
     * Parses {@link #encode()}'s or {@link #encodeWithoutParameters()}'s output (versions 1 to 6); a clear {@link
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
            boolean withParameters = version == WITH_PARAMETERS_VERSION || version == WITH_PARAMETERS_AND_GUARD_VERSION
                    || version == WITH_PARAMETERS_AND_CACHE_VERSION;
            boolean withGuard = version >= WITH_PARAMETERS_AND_GUARD_VERSION;
            boolean withCache = version >= WITH_PARAMETERS_AND_CACHE_VERSION;
            INDArray params = null;
            INDArray updater = null;
            long numParams;
            long updaterLength;
            if (withParameters) {
                params = StateArrays.readArray(in);
                updater = StateArrays.readArray(in);
                if (params == null) {
                    throw new IllegalArgumentException("GSAM optimizer state has an empty parameter vector");
                }
                numParams = params.length();
                updaterLength = updater == null ? 0 : updater.length();
            } else {
                numParams = in.readLong();
                updaterLength = in.readLong();
                if (numParams <= 0 || updaterLength < 0) {
                    throw new IllegalArgumentException("GSAM optimizer state has invalid array lengths " + numParams
                            + " and " + updaterLength);
                }
            }
            double[] window = withGuard ? StateArrays.readLosses(in) : NO_LOSSES;
            double[] spikes = withGuard ? StateArrays.readLosses(in) : NO_LOSSES;
            INDArray cache = withCache ? StateArrays.readArray(in) : null;
            if (withCache && (cache == null || cache.length() != numParams)) {
                throw new IllegalArgumentException("GSAM optimizer state has a sharpness cache of "
                        + (cache == null ? 0 : cache.length()) + " values for " + numParams + " parameters");
            }
            GsamState state = new GsamState(step, skipped, seed, iterations, epochs, lastLr, lastRho, params, updater,
                    withParameters, numParams, updaterLength, window, spikes, cache);
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

}
