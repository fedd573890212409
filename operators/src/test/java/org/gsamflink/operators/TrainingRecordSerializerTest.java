package org.gsamflink.operators;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TrainingRecordSerializer}: Flink's serializer contract, the format byte and the snapshot. */
class TrainingRecordSerializerTest extends SerializerTestBase<TrainingRecord> {

    @Override
    protected TypeSerializer<TrainingRecord> createSerializer() {
        return TrainingRecordSerializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<TrainingRecord> getTypeClass() {
        return TrainingRecord.class;
    }

    @Override
    protected TrainingRecord[] getTestData() {
        return new TrainingRecord[] {
                TrainingRecord.example("m", new float[] {1f, -2.5f, 0f, 3e-8f}, 2),
                TrainingRecord.example("weighted", new float[] {0.5f, 0.25f}, 0, 0.75f),
                TrainingRecord.minibatch("batch", 2, new float[] {1, 2, 3, 4, 5, 6}, new int[] {0, 1, 1}),
                new TrainingRecord("weights-per-row", 3, 1, new float[] {1, 2, 3}, new int[] {2, 1, 0},
                        new float[] {0f, 1f, 2.5f}, true),
                // Empty arrays and an empty id: the serializer writes what it is given, validation is elsewhere.
                new TrainingRecord("", 0, 0, new float[0], new int[0], null, false),
                new TrainingRecord("empty-weights", 0, 0, new float[0], new int[0], new float[0], true),
                TrainingRecord.example("modèle-π", new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f}, 1),
        };
    }

    // ------------------------------------------------------------------------------------------------------------

    @Test
    void copyIsDeep() {
        TrainingRecord original = getTestData()[3];
        TrainingRecord copy = TrainingRecordSerializer.INSTANCE.copy(original);
        copy.features[0] = 42f;
        copy.labels[0] = 0;
        copy.weights[0] = 9f;
        assertThat(original.features[0]).isEqualTo(1f);
        assertThat(original.labels[0]).isEqualTo(2);
        assertThat(original.weights[0]).isEqualTo(0f);
    }

    @Test
    void nullWeightsStayNull() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TrainingRecordSerializer.INSTANCE.serialize(getTestData()[0], out);
        TrainingRecord read = TrainingRecordSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(read.weights).isNull();
        assertThat(read).isEqualTo(getTestData()[0]);
    }

    @Test
    void unknownFormatByteIsRejected() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TrainingRecordSerializer.INSTANCE.serialize(getTestData()[0], out);
        byte[] bytes = out.getCopyOfBuffer();
        assertThat(bytes[0]).isEqualTo(TrainingRecordSerializer.FORMAT);
        bytes[0] = 0;

        assertThatThrownBy(() -> TrainingRecordSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported training record format 0")
                .hasMessageContaining("reads 1");
    }

    @Test
    void snapshotRestoresTheSameSerializerAndIsCompatibleAsIs() throws IOException {
        TypeSerializerSnapshot<TrainingRecord> written = TrainingRecordSerializer.INSTANCE.snapshotConfiguration();
        assertThat(written).isInstanceOf(TrainingRecordSerializer.Snapshot.class);

        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, written);
        TypeSerializerSnapshot<TrainingRecord> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(read).isInstanceOf(TrainingRecordSerializer.Snapshot.class);
        assertThat(read.restoreSerializer()).isSameAs(TrainingRecordSerializer.INSTANCE);
        TypeSerializerSchemaCompatibility<TrainingRecord> compatibility =
                TrainingRecordSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }
}
