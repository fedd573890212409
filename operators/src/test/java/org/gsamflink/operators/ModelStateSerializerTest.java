package org.gsamflink.operators;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;
import org.gsamflink.operators.drift.DriftMonitors;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ModelStateSerializer}: Flink's serializer contract, the format byte and the snapshot. */
class ModelStateSerializerTest extends SerializerTestBase<ModelState> {

    ModelStateSerializerTest() {
        // ModelState has no equals(): compare it field by field.
        super(new DeeplyEqualsChecker().withCustomCheck(
                (a, b) -> a instanceof ModelState && b instanceof ModelState,
                (a, b, checker) -> sameState((ModelState) a, (ModelState) b)));
    }

    @Override
    protected TypeSerializer<ModelState> createSerializer() {
        return ModelStateSerializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<ModelState> getTypeClass() {
        return ModelState.class;
    }

    @Override
    protected ModelState[] getTestData() {
        ModelState empty = new ModelState();

        ModelState noOptimizerState = new ModelState();
        noOptimizerState.architectureFingerprint = "ab".repeat(32);
        noOptimizerState.examplesSeen = 7;

        ModelState emptyOptimizerState = new ModelState();
        emptyOptimizerState.optimizerState = new byte[0];
        emptyOptimizerState.lastSnapshotStep = -1;

        ModelState full = new ModelState();
        full.architectureFingerprint = "0123456789abcdef".repeat(4);
        full.settings = "alpha 0.4\nrho constant:0.05\n";
        full.versionOffset = 4200;
        full.optimizerState = new byte[1000];
        for (int i = 0; i < full.optimizerState.length; i++) {
            full.optimizerState[i] = (byte) (i * 31 + 7);
        }
        full.examplesSeen = Long.MAX_VALUE;
        full.lastSnapshotStep = 123_456_789_012L;
        full.lastSnapshotTimeMs = 1_700_000_000_000L;
        fill(full.metricsWindow, 1);
        fill(full.snapshotWindow, 2);
        full.fading.add(0.999, new int[] {0, 1, 2, 9, 2}, new int[] {0, 2, 2, 9, 1});
        full.scheduleOffset = 77;
        for (int i = 0; i < 40; i++) {
            full.monitors.add(new int[] {0, 1, i % 3}, new int[] {0, 0, 1}, 0.01 * i, i % 7 == 0 ? Double.NaN : 0.9);
        }
        full.standardizer = new FeatureStandardizer(3, 5);
        full.standardizer.accept(full.standardizer.prepare(new float[] {1e6f, -2, 0.1f, 1e6f + 3, 7, 0.2f}, 2));

        ModelState oddValues = new ModelState();
        oddValues.architectureFingerprint = "modèle-π\n".repeat(10_000);   // beyond writeUTF's 64 KiB
        oddValues.settings = "π";
        oddValues.optimizerState = new byte[] {-1, 0, 1};
        oddValues.metricsWindow.loss = Double.NaN;
        oddValues.metricsWindow.gap = Double.NEGATIVE_INFINITY;
        oddValues.snapshotWindow.cosine = -0.0;
        oddValues.snapshotWindow.steps = 3;
        oddValues.fading.add(1, new int[] {org.gsamflink.optimizer.Predictions.NO_CLASS}, new int[] {4});
        oddValues.fading.predicted[0] = -0.0;
        oddValues.fading.actual[1] = Double.NaN;

        return new ModelState[] {empty, noOptimizerState, emptyOptimizerState, full, oddValues};
    }

    private static void fill(MetricsAccumulator m, int k) {
        m.steps = 10L * k;
        m.examples = 640L * k;
        m.correct = 300L * k;
        m.loss = 1.25 * k;
        m.perturbedLoss = 1.5 * k;
        m.gap = 0.25 * k;
        m.gradNorm = 3.5 * k;
        m.perturbedGradNorm = 3.75 * k;
        m.cosine = 0.9 / k;
        m.rho = 0.05 * k;
        m.lr = 1e-3 * k;
        m.nanos = 987_654_321L * k;
        m.sharpnessSteps = 7L * k;
    }

    static boolean sameState(ModelState a, ModelState b) {
        return Objects.equals(a.architectureFingerprint, b.architectureFingerprint)
                && Objects.equals(a.settings, b.settings)
                && a.versionOffset == b.versionOffset
                && Arrays.equals(a.optimizerState, b.optimizerState)
                && a.examplesSeen == b.examplesSeen
                && a.lastSnapshotStep == b.lastSnapshotStep
                && a.lastSnapshotTimeMs == b.lastSnapshotTimeMs
                && sameWindow(a.metricsWindow, b.metricsWindow)
                && sameWindow(a.snapshotWindow, b.snapshotWindow)
                && sameFading(a.fading, b.fading)
                && a.scheduleOffset == b.scheduleOffset
                && Arrays.equals(bytesOf(a.monitors), bytesOf(b.monitors))
                && (a.standardizer == null ? b.standardizer == null : a.standardizer.sameAs(b.standardizer));
    }

    private static byte[] serialized(ModelState s) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(2048);
        ModelStateSerializer.INSTANCE.serialize(s, out);
        return out.getCopyOfBuffer();
    }

    static byte[] bytesOf(FeatureStandardizer f) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(128);
            f.write(out);
            return out.getCopyOfBuffer();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] bytesOf(DriftMonitors m) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(128);
            m.write(out);
            return out.getCopyOfBuffer();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bit for bit: Double.compare and Arrays.equals tell -0.0 from 0.0 (and every NaN is written as the one NaN). */
    private static boolean sameFading(FadingPrequential a, FadingPrequential b) {
        return Double.compare(a.correct, b.correct) == 0 && Double.compare(a.seen, b.seen) == 0
                && Arrays.equals(a.predicted, b.predicted) && Arrays.equals(a.actual, b.actual);
    }

    private static boolean sameWindow(MetricsAccumulator a, MetricsAccumulator b) {
        return a.steps == b.steps && a.examples == b.examples && a.correct == b.correct && a.nanos == b.nanos
                && a.sharpnessSteps == b.sharpnessSteps
                && Double.compare(a.loss, b.loss) == 0
                && Double.compare(a.perturbedLoss, b.perturbedLoss) == 0
                && Double.compare(a.gap, b.gap) == 0
                && Double.compare(a.gradNorm, b.gradNorm) == 0
                && Double.compare(a.perturbedGradNorm, b.perturbedGradNorm) == 0
                && Double.compare(a.cosine, b.cosine) == 0
                && Double.compare(a.rho, b.rho) == 0
                && Double.compare(a.lr, b.lr) == 0;
    }

    // ------------------------------------------------------------------------------------------------------------

    @Test
    void copyIsDeep() {
        ModelState original = getTestData()[3];
        ModelState copy = ModelStateSerializer.INSTANCE.copy(original);
        copy.optimizerState[0]++;
        copy.metricsWindow.steps++;
        double actualBefore = original.fading.actual[9];
        copy.fading.actual[9]++;
        assertThat(copy.optimizerState).isNotSameAs(original.optimizerState);
        assertThat(original.optimizerState[0]).isEqualTo((byte) 7);
        assertThat(original.metricsWindow.steps).isEqualTo(10L);
        assertThat(original.fading.actual[9]).isEqualTo(actualBefore);
    }

    @Test
    void firstByteIsTheFormatVersion() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        ModelStateSerializer.INSTANCE.serialize(new ModelState(), out);
        assertThat(out.getCopyOfBuffer()[0]).isEqualTo(ModelStateSerializer.FORMAT);
    }

    @Test
    void unknownFormatByteIsRejected() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        ModelStateSerializer.INSTANCE.serialize(getTestData()[3], out);
        byte[] bytes = out.getCopyOfBuffer();
        bytes[0] = 6;

        assertThatThrownBy(() -> ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported model state format 6")
                .hasMessageContaining("reads 1 to 5");
        assertThatThrownBy(() -> ModelStateSerializer.INSTANCE.deserialize(new ModelState(),
                new DataInputDeserializer(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported model state format");
    }

    @Test
    void formatOneOfRelease010IsReadWithoutSettings() throws IOException {
        ModelState full = getTestData()[3];
        DataOutputSerializer out = new DataOutputSerializer(2048);
        out.writeByte(1);
        out.writeUTF(full.architectureFingerprint);
        writeOptimizerStateAndCounters(full, out);
        writeAsRelease010(full.metricsWindow, out);
        writeAsRelease010(full.snapshotWindow, out);

        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        full.settings = null;
        full.versionOffset = 0;
        // Every step of release 0.1.0 had its sharpness figures.
        full.metricsWindow.sharpnessSteps = full.metricsWindow.steps;
        full.snapshotWindow.sharpnessSteps = full.snapshotWindow.steps;
        full.fading.copyFrom(new FadingPrequential());
        withoutMonitors(full);
        assertThat(sameState(read, full)).isTrue();
    }

    /** What formats 1 to 3 read as: no schedule restart, fresh detectors (and, as in format 4, no standardizer). */
    private static void withoutMonitors(ModelState s) {
        s.scheduleOffset = 0;
        s.monitors.copyFrom(new DriftMonitors());
        s.standardizer = null;
    }

    /** The part every format has alike: the optimizer state's length and bytes, then the three counters. */
    private static void writeOptimizerStateAndCounters(ModelState s, DataOutputSerializer out) throws IOException {
        out.writeInt(s.optimizerState.length);
        out.write(s.optimizerState);
        out.writeLong(s.examplesSeen);
        out.writeLong(s.lastSnapshotStep);
        out.writeLong(s.lastSnapshotTimeMs);
    }

    /** A metrics window as release 0.1.0 wrote it: without the sharpness-step count. */
    private static void writeAsRelease010(MetricsAccumulator m, DataOutputSerializer out) throws IOException {
        DataOutputSerializer current = new DataOutputSerializer(128);
        m.write(current);
        byte[] b = current.getCopyOfBuffer();
        out.write(b, 0, b.length - 8);
    }

    @Test
    void formatTwoIsReadWithEmptyFadingStatistics() throws IOException {
        ModelState full = getTestData()[3];
        DataOutputSerializer out = new DataOutputSerializer(2048);
        out.writeByte(2);
        writeString(out, full.architectureFingerprint);
        writeString(out, full.settings);
        out.writeLong(full.versionOffset);
        writeOptimizerStateAndCounters(full, out);
        full.metricsWindow.write(out);
        full.snapshotWindow.write(out);
        byte[] format2 = out.getCopyOfBuffer();

        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(format2));
        assertThat(read.fading.isEmpty()).isTrue();
        assertThat(read.fading.accuracy()).isNaN();
        full.fading.copyFrom(new FadingPrequential());
        withoutMonitors(full);
        assertThat(sameState(read, full)).isTrue();

        // Written back as format 5: the same fields, then the (empty) fading statistics, offset 0, fresh detectors,
        // no standardizer.
        DataOutputSerializer again = new DataOutputSerializer(2048);
        ModelStateSerializer.INSTANCE.serialize(read, again);
        byte[] format4 = again.getCopyOfBuffer();
        assertThat(format4[0]).isEqualTo((byte) 5);
        assertThat(Arrays.copyOfRange(format4, 1, format2.length)).isEqualTo(Arrays.copyOfRange(format2, 1,
                format2.length));
        DataOutputSerializer tail = new DataOutputSerializer(256);
        tail.write(FadingPrequentialTest.bytesOf(new FadingPrequential()));
        tail.writeLong(0);
        tail.write(bytesOf(new DriftMonitors()));
        tail.writeBoolean(false);
        assertThat(Arrays.copyOfRange(format4, format2.length, format4.length)).isEqualTo(tail.getCopyOfBuffer());
    }

    @Test
    void formatThreeIsReadWithFreshDetectorsAndNoScheduleRestart() throws IOException {
        ModelState full = getTestData()[3];
        byte[] format5 = serialized(full);
        // Format 3 is format 5 without its last fields (the offset, the detectors, the standardizer).
        byte[] format3 = Arrays.copyOf(format5, format5.length - 8 - bytesOf(full.monitors).length - 1
                - bytesOf(full.standardizer).length);
        format3[0] = 3;

        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(format3));
        withoutMonitors(full);
        assertThat(sameState(read, full)).isTrue();
    }

    @Test
    void formatFourIsReadWithoutAStandardizer() throws IOException {
        ModelState full = getTestData()[3];
        byte[] format5 = serialized(full);
        byte[] format4 = Arrays.copyOf(format5, format5.length - 1 - bytesOf(full.standardizer).length);
        format4[0] = 4;

        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(format4));
        assertThat(read.standardizer).isNull();
        full.standardizer = null;
        assertThat(sameState(read, full)).isTrue();
    }

    @Test
    void theStandardizerRoundTripsBitForBitAndIsCopiedDeeply() throws IOException {
        ModelState s = getTestData()[3];
        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(serialized(s)));
        assertThat(read.standardizer.sameAs(s.standardizer)).isTrue();
        assertThat(read.standardizer.count()).isEqualTo(2);
        ModelState copy = s.copy();
        s.standardizer.accept(s.standardizer.prepare(new float[] {1, 2, 3}, 1));
        assertThat(copy.standardizer.count()).as("a copy does not share the statistics").isEqualTo(2);
    }

    @Test
    void theWholeStateRoundTripsBitForBit() throws IOException {
        for (ModelState s : getTestData()) {
            DataOutputSerializer out = new DataOutputSerializer(2048);
            ModelStateSerializer.INSTANCE.serialize(s, out);
            ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            DataOutputSerializer again = new DataOutputSerializer(2048);
            ModelStateSerializer.INSTANCE.serialize(read, again);
            assertThat(again.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
            assertThat(read.scheduleOffset).isEqualTo(s.scheduleOffset);
        }
    }

    @Test
    void theFadingStatisticsSurviveARoundTripBitForBit() throws IOException {
        ModelState s = getTestData()[3];
        s.fading.add(0.999, new int[] {3, 3, 0}, new int[] {3, 1, 0});
        DataOutputSerializer out = new DataOutputSerializer(2048);
        ModelStateSerializer.INSTANCE.serialize(s, out);
        ModelState read = ModelStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(Double.doubleToRawLongBits(read.fading.correct))
                .isEqualTo(Double.doubleToRawLongBits(s.fading.correct));
        assertThat(Double.doubleToRawLongBits(read.fading.seen)).isEqualTo(Double.doubleToRawLongBits(s.fading.seen));
        assertThat(read.fading.predicted).isEqualTo(s.fading.predicted);
        assertThat(read.fading.actual).isEqualTo(s.fading.actual);
        assertThat(read.fading.accuracy()).isEqualTo(s.fading.accuracy());
        assertThat(read.fading.kappa()).isEqualTo(s.fading.kappa());
    }

    /** A string as formats 2 and 3 write it: int length in bytes, then UTF-8. */
    private static void writeString(DataOutputSerializer out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    @Test
    void aCorruptStringLengthIsRejected() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(ModelStateSerializer.FORMAT);
        out.writeInt(-5);
        assertThatThrownBy(() -> ModelStateSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer())))
                .isInstanceOf(IOException.class).hasMessageContaining("model state string of -5 bytes");
    }

    @Test
    void snapshotRestoresTheSameSerializerAndIsCompatibleAsIs() throws IOException {
        TypeSerializerSnapshot<ModelState> written = ModelStateSerializer.INSTANCE.snapshotConfiguration();
        assertThat(written).isInstanceOf(ModelStateSerializer.Snapshot.class);

        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, written);
        TypeSerializerSnapshot<ModelState> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(read).isInstanceOf(ModelStateSerializer.Snapshot.class);
        assertThat(read.restoreSerializer()).isSameAs(ModelStateSerializer.INSTANCE);
        TypeSerializerSchemaCompatibility<ModelState> compatibility =
                ModelStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void snapshotIsIncompatibleWithAnotherSerializersSnapshot() {
        TypeSerializerSnapshot other = TrainingRecordSerializer.INSTANCE.snapshotConfiguration();
        TypeSerializerSchemaCompatibility<ModelState> compatibility =
                ModelStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(other);
        assertThat(compatibility.isIncompatible()).isTrue();
    }
}
