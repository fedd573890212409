package org.gsamflink.operators;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Explicit serializer of {@link ModelState} (no Kryo, no Java serialization). Each value starts with a format
 * version byte so that a later release reads the savepoints of this one:
 * <pre>
 *   byte   format (4)
 *   string network layout ({@link NetworkLayout} text; "" when unknown)
 *   string settings ({@link ModelSettings} text; "" when unknown)
 *   long   version offset (see ModelState#versionOffset)
 *   int    optimizer state length, then its bytes (-1: none yet)
 *   long   examplesSeen, long lastSnapshotStep, long lastSnapshotTimeMs
 *   metrics window, snapshot window (see MetricsAccumulator#write; format 1 has no sharpness-step count)
 *   fading prequential statistics (see FadingPrequential#write; not in formats 1 and 2)
 *   long   schedule offset (see ModelState#scheduleOffset), detectors (DriftMonitors#write; not in formats 1 to 3)
 *   bool   has a standardizer, then FeatureStandardizer#write (not in formats 1 to 4)
 * string := int length in bytes, then UTF-8 (a layout has no 64 KiB limit, unlike writeUTF)
 * </pre>
 * Format 1 (release 0.1.0) has a {@code writeUTF} architecture fingerprint (a configuration hash) and no settings;
 * it is read (version offset 0). Format 2 (written before issue 16) lacks the fading statistics; it is read with
 * them empty (they start again from the next example). Format 3 (before the drift alarms) lacks the schedule offset
 * and the detectors: offset 0, fresh detectors. Format 4 (before standardization) has no standardizer: a model
 * with {@code model.standardize} on starts its statistics empty. All are written back as format 5.
 */
public final class ModelStateSerializer extends TypeSerializerSingleton<ModelState> {

    private static final long serialVersionUID = 1L;
    public static final ModelStateSerializer INSTANCE = new ModelStateSerializer();
    static final byte FORMAT = 5;
    static final byte FORMAT_WITHOUT_STANDARDIZER = 4;
    static final byte FORMAT_WITHOUT_MONITORS = 3;
    static final byte FORMAT_WITHOUT_FADING = 2;
    static final byte FORMAT_0_1_0 = 1;
    /** The widest input a state's standardizer may claim (a corrupt length fails instead of allocating). */
    private static final int MAX_STANDARDIZED_FEATURES = 1 << 24;
    /** A layout of 100k layers is ~10 MiB; anything longer is not a model state. */
    private static final int MAX_STRING_BYTES = 64 << 20;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public ModelState createInstance() {
        return new ModelState();
    }

    @Override
    public ModelState copy(ModelState from) {
        return from.copy();
    }

    @Override
    public ModelState copy(ModelState from, ModelState reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ModelState s, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        writeString(out, s.architectureFingerprint);
        writeString(out, s.settings);
        out.writeLong(s.versionOffset);
        if (s.optimizerState == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(s.optimizerState.length);
            out.write(s.optimizerState);
        }
        out.writeLong(s.examplesSeen);
        out.writeLong(s.lastSnapshotStep);
        out.writeLong(s.lastSnapshotTimeMs);
        s.metricsWindow.write(out);
        s.snapshotWindow.write(out);
        s.fading.write(out);
        out.writeLong(s.scheduleOffset);
        s.monitors.write(out);
        out.writeBoolean(s.standardizer != null);
        if (s.standardizer != null) {
            s.standardizer.write(out);
        }
    }

    @Override
    public ModelState deserialize(DataInputView in) throws IOException {
        byte format = in.readByte();
        if (format < FORMAT_0_1_0 || format > FORMAT) {
            throw new IOException("unsupported model state format " + format + " (this release reads "
                    + FORMAT_0_1_0 + " to " + FORMAT + ")");
        }
        ModelState s = new ModelState();
        if (format == FORMAT_0_1_0) {
            String fp = in.readUTF();
            s.architectureFingerprint = fp.isEmpty() ? null : fp;
        } else {
            s.architectureFingerprint = readString(in);
            s.settings = readString(in);
            s.versionOffset = in.readLong();
        }
        int n = in.readInt();
        if (n >= 0) {
            s.optimizerState = new byte[n];
            in.readFully(s.optimizerState);
        }
        s.examplesSeen = in.readLong();
        s.lastSnapshotStep = in.readLong();
        s.lastSnapshotTimeMs = in.readLong();
        s.metricsWindow.read(in, format != FORMAT_0_1_0);
        s.snapshotWindow.read(in, format != FORMAT_0_1_0);
        if (format >= FORMAT_WITHOUT_MONITORS) {
            s.fading.read(in);
        }
        if (format >= FORMAT_WITHOUT_STANDARDIZER) {
            s.scheduleOffset = in.readLong();
            s.monitors.read(in);
        }
        if (format >= FORMAT && in.readBoolean()) {
            s.standardizer = FeatureStandardizer.read(in, MAX_STANDARDIZED_FEATURES);
        }
        return s;
    }

    private static void writeString(DataOutputView out, String s) throws IOException {
        byte[] b = (s == null ? "" : s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING_BYTES) {
            throw new IOException("model state string of " + n + " bytes (at most " + MAX_STRING_BYTES + ")");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return n == 0 ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public ModelState deserialize(ModelState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<ModelState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of this stateless serializer; the per-value format byte carries the data version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ModelState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
