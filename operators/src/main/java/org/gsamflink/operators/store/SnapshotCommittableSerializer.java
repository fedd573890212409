package org.gsamflink.operators.store;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;

/**
 * Versioned serializer of {@link SnapshotCommittable}. Format version 1: modelId (UTF), version (long),
 * checkpointId (long), stagingPath (UTF).
 */
public final class SnapshotCommittableSerializer implements SimpleVersionedSerializer<SnapshotCommittable> {

    public static final int CURRENT_VERSION = 1;

    public static final SnapshotCommittableSerializer INSTANCE = new SnapshotCommittableSerializer();

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(SnapshotCommittable c) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64 + c.stagingPath().length());
        out.writeUTF(c.modelId());
        out.writeLong(c.version());
        out.writeLong(c.checkpointId());
        out.writeUTF(c.stagingPath());
        return out.getCopyOfBuffer();
    }

    @Override
    public SnapshotCommittable deserialize(int version, byte[] serialized) throws IOException {
        if (version != CURRENT_VERSION) {
            throw new IOException("unknown SnapshotCommittable format version " + version + " (this code reads "
                    + CURRENT_VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        String modelId = in.readUTF();
        long modelVersion = in.readLong();
        long checkpointId = in.readLong();
        String stagingPath = in.readUTF();
        if (in.available() != 0) {
            throw new IOException(in.available() + " unexpected trailing bytes in a SnapshotCommittable");
        }
        return new SnapshotCommittable(modelId, modelVersion, checkpointId, stagingPath);
    }
}
