package org.gsamflink.operators;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Explicit serializer of {@link TrainingRecord} for the pending-examples buffer in keyed state:
 * <pre>
 *   byte format (1), UTF modelId, int rows, int numFeatures, boolean preBatched,
 *   rows·numFeatures floats, rows ints, boolean hasWeights [, rows floats]
 * </pre>
 */
public final class TrainingRecordSerializer extends TypeSerializerSingleton<TrainingRecord> {

    private static final long serialVersionUID = 1L;
    public static final TrainingRecordSerializer INSTANCE = new TrainingRecordSerializer();
    static final byte FORMAT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TrainingRecord createInstance() {
        return new TrainingRecord();
    }

    @Override
    public TrainingRecord copy(TrainingRecord r) {
        return new TrainingRecord(r.modelId, r.rows, r.numFeatures, r.features == null ? null : r.features.clone(),
                r.labels == null ? null : r.labels.clone(), r.weights == null ? null : r.weights.clone(), r.preBatched);
    }

    @Override
    public TrainingRecord copy(TrainingRecord from, TrainingRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(TrainingRecord r, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        out.writeUTF(r.modelId);
        out.writeInt(r.rows);
        out.writeInt(r.numFeatures);
        out.writeBoolean(r.preBatched);
        out.writeInt(r.features.length);
        for (float f : r.features) {
            out.writeFloat(f);
        }
        out.writeInt(r.labels.length);
        for (int l : r.labels) {
            out.writeInt(l);
        }
        out.writeBoolean(r.weights != null);
        if (r.weights != null) {
            out.writeInt(r.weights.length);
            for (float w : r.weights) {
                out.writeFloat(w);
            }
        }
    }

    @Override
    public TrainingRecord deserialize(DataInputView in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unsupported training record format " + format + " (this release reads " + FORMAT + ")");
        }
        TrainingRecord r = new TrainingRecord();
        r.modelId = in.readUTF();
        r.rows = in.readInt();
        r.numFeatures = in.readInt();
        r.preBatched = in.readBoolean();
        r.features = new float[in.readInt()];
        for (int i = 0; i < r.features.length; i++) {
            r.features[i] = in.readFloat();
        }
        r.labels = new int[in.readInt()];
        for (int i = 0; i < r.labels.length; i++) {
            r.labels[i] = in.readInt();
        }
        if (in.readBoolean()) {
            r.weights = new float[in.readInt()];
            for (int i = 0; i < r.weights.length; i++) {
                r.weights[i] = in.readFloat();
            }
        }
        return r;
    }

    @Override
    public TrainingRecord deserialize(TrainingRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<TrainingRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<TrainingRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
