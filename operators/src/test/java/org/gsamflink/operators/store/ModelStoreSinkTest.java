package org.gsamflink.operators.store;

import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.ModelSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ModelStoreSink}'s writer, committer and serializers without a cluster. */
class ModelStoreSinkTest {

    /** Records which signal a commit gave; none means success. */
    private static final class Request implements CommitRequest<SnapshotCommittable> {
        final SnapshotCommittable committable;
        String signal = "committed";
        int retries;

        Request(SnapshotCommittable committable) {
            this.committable = committable;
        }

        @Override
        public SnapshotCommittable getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return retries;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            signal = "known: " + t.getMessage();
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            signal = "unknown: " + t.getMessage();
        }

        @Override
        public void retryLater() {
            signal = "retry";
        }

        @Override
        public void updateAndRetryLater(SnapshotCommittable c) {
            signal = "update";
        }

        @Override
        public void signalAlreadyCommitted() {
            signal = "already";
        }
    }

    private static ModelSnapshot snapshot(long version, byte fill) {
        ModelSnapshot s = new ModelSnapshot();
        s.modelId = "m";
        s.version = version;
        s.timestampMs = 1000;
        s.examplesSeen = version * 16;
        s.modelBytes = new byte[] {fill, 1, 2};
        s.optimizerState = new byte[] {fill, 3};
        s.metricsJson = "{\"steps\":10,\"loss\":0.5,\"accuracy\":null}";
        return s;
    }

    private static String commit(ModelStoreCommitter committer, SnapshotCommittable c) {
        Request r = new Request(c);
        committer.commit(List.of(r));
        return r.signal;
    }

    private static List<SnapshotCommittable> stage(ModelStore store, long lastCheckpoint, ModelSnapshot... snaps)
            throws Exception {
        ModelStoreSinkWriter writer = new ModelStoreSinkWriter(store, lastCheckpoint);
        for (ModelSnapshot s : snaps) {
            writer.write(s, null);
        }
        return new ArrayList<>(writer.prepareCommit());
    }

    @Test
    void stagedSnapshotsBecomeVisibleOnlyWhenCommitted(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        List<SnapshotCommittable> staged = stage(store, 6, snapshot(10, (byte) 1), snapshot(20, (byte) 2));
        assertThat(staged).extracting(SnapshotCommittable::version).containsExactly(10L, 20L);
        assertThat(staged).allSatisfy(c -> assertThat(c.checkpointId()).isEqualTo(7));
        assertThat(store.listModels()).isEmpty();
        assertThat(store.listVersions("m")).isEmpty();

        ModelStoreCommitter committer = new ModelStoreCommitter(store);
        assertThat(commit(committer, staged.get(0))).isEqualTo("committed");
        assertThat(store.listVersions("m")).containsExactly(10L);
        assertThat(store.readMetadata("m", 10).checkpointId()).isEqualTo(7L);
        assertThat(store.readMetadata("m", 10).metrics()).containsEntry("examplesSeen", 160L)
                .containsEntry("loss", 0.5);
        assertThat(Files.exists(Path.of(java.net.URI.create(staged.get(0).stagingPath())))).isFalse();

        // A repeated commit (after a restore) finds no staging directory and the version published.
        assertThat(commit(committer, staged.get(0))).isEqualTo("already");
        assertThat(commit(committer, staged.get(1))).isEqualTo("committed");
        assertThat(store.listVersions("m")).containsExactly(10L, 20L);
        assertThat(store.listModels()).containsExactly("m");
    }

    @Test
    void aRepeatedCommitWithItsStagingStillThereIsAlreadyExists(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        SnapshotCommittable first = stage(store, 0, snapshot(10, (byte) 1)).get(0);
        SnapshotCommittable replayed = stage(store, 0, snapshot(10, (byte) 1)).get(0);
        ModelStoreCommitter committer = new ModelStoreCommitter(store);
        assertThat(commit(committer, first)).isEqualTo("committed");
        assertThat(commit(committer, replayed)).isEqualTo("committed");   // ALREADY_EXISTS is success
        assertThat(store.listVersions("m")).containsExactly(10L);
    }

    @Test
    void otherBytesUnderAPublishedVersionFailWithAKnownReason(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelStoreCommitter committer = new ModelStoreCommitter(store);
        assertThat(commit(committer, stage(store, 0, snapshot(10, (byte) 1)).get(0))).isEqualTo("committed");
        assertThat(commit(committer, stage(store, 0, snapshot(10, (byte) 9)).get(0))).startsWith("known: ");
    }

    @Test
    void lostStagingOfAnUnpublishedVersionFailsWithAKnownReason(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        SnapshotCommittable lost = new SnapshotCommittable("m", 10, 3, dir.resolve(".staging/m/gone").toUri().toString());
        assertThat(commit(new ModelStoreCommitter(store), lost)).contains("known: ").contains("missing");
    }

    @Test
    void aCommittableFromACheckpointOfTheEarlierReleaseIsCommitted(@TempDir Path dir) throws Exception {
        // The earlier writer wrote the three files into <root>/.staging/ itself and checkpointed format 1 bytes.
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelMetadata metadata = ModelMetadata.builder().modelId("m").version(10).timestampMs(1000).checkpointId(3L)
                .build();
        Path staging = dir.resolve(".staging/m/" + ModelStore.versionDirectoryName(10)
                + "-c3-2b0f7c1e-8d4a-4e0b-a2f3-5c6d7e8f9a0b");
        Files.createDirectories(staging);
        Files.write(staging.resolve("model.zip"), new byte[] {1, 1, 2});
        Files.write(staging.resolve("optimizer.bin"), new byte[] {1, 3});
        Files.write(staging.resolve("metadata.json"), metadata.toJson());
        DataOutputSerializer out = new DataOutputSerializer(128);
        out.writeUTF("m");
        out.writeLong(10);
        out.writeLong(3);
        out.writeUTF(staging.toUri().toString());
        SnapshotCommittable restored = SnapshotCommittableSerializer.INSTANCE.deserialize(1, out.getCopyOfBuffer());

        ModelStoreCommitter committer = new ModelStoreCommitter(store);
        assertThat(commit(committer, restored)).isEqualTo("committed");
        assertThat(store.read("m", 10).modelBytes()).containsExactly(1, 1, 2);
        assertThat(store.read("m", 10).optimizerState()).containsExactly(1, 3);
        assertThat(store.readMetadata("m", 10).checkpointId()).isEqualTo(3L);
        assertThat(staging).doesNotExist();
        assertThat(commit(committer, restored)).isEqualTo("already");
    }

    @Test
    void theWriterStagesThroughTheStoreOnly(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        SnapshotCommittable c = stage(store, 4, snapshot(10, (byte) 1)).get(0);
        Path staged = Path.of(java.net.URI.create(c.stagingPath()));
        assertThat(staged).startsWith(dir.resolve(ModelStoreSink.STAGING_DIRECTORY).resolve("m"));
        assertThat(staged.resolve("model.zip")).hasBinaryContent(new byte[] {1, 1, 2});
        assertThat(c.checkpointId()).isEqualTo(5);
    }

    @Test
    void invalidOrReservedModelIdsFailInTheWriter(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelSnapshot bad = snapshot(1, (byte) 1);
        bad.modelId = "a/b";
        assertThatThrownBy(() -> stage(store, 0, bad)).hasMessageContaining("invalid model id");
        bad.modelId = ModelStoreSink.STAGING_DIRECTORY;
        assertThatThrownBy(() -> stage(store, 0, bad)).hasMessageContaining("reserved");
    }

    @Test
    void writerCheckpointIdsMustIncrease(@TempDir Path dir) throws Exception {
        ModelStoreSinkWriter writer = new ModelStoreSinkWriter(
                ModelStore.builder().root(dir.toUri().toString()).build(), 4);
        assertThat(writer.snapshotState(5)).containsExactly(5L);
        assertThatThrownBy(() -> writer.snapshotState(5)).hasMessageContaining("checkpoint ids must increase");
    }

    @Test
    void serializersRoundTrip() throws Exception {
        SnapshotCommittable c = new SnapshotCommittable("m", 42, 7, "file:///x/.staging/m/v42");
        SnapshotCommittableSerializer s = SnapshotCommittableSerializer.INSTANCE;
        assertThat(s.deserialize(s.getVersion(), s.serialize(c))).isEqualTo(c);
        assertThatThrownBy(() -> s.deserialize(99, s.serialize(c))).hasMessageContaining("format version 99");
        ModelStoreSink.CheckpointIdSerializer ids = new ModelStoreSink.CheckpointIdSerializer();
        assertThat(ids.deserialize(ids.getVersion(), ids.serialize(12L))).isEqualTo(12L);
    }

    @Test
    void builderRequiresAStore(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelStoreSink.builder().build()).hasMessageContaining("store is required");
        assertThatThrownBy(() -> ModelStoreSink.builder().store(null)).hasMessageContaining("store must not be null");
        assertThat(ModelStoreSink.forRoot(dir.toUri().toString(), 3).store().keepLast()).isEqualTo(3);
    }

    /** A real DL4J model zip of a 2-3-2 MLP with Adam, with a NaN in its parameters if {@code broken}. */
    private static byte[] modelZip(boolean broken) throws Exception {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1)
                        .updater(new org.nd4j.linalg.learning.config.Adam(0.01)).list()
                        .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(2).nOut(3).build())
                        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(2)
                                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                        .build());
        net.init();
        if (broken) {
            net.params().putScalar(2, Double.NaN);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(net, out, true);
        return out.toByteArray();
    }

    @Test
    void aSnapshotWithANonFiniteParameterIsRefusedNotStagedAndTheJobGoesOn(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelStoreSinkWriter writer = new ModelStoreSinkWriter(store, 0);
        ModelSnapshot bad = snapshot(5, (byte) 1);
        bad.modelBytes = modelZip(true);
        ModelSnapshot good = snapshot(6, (byte) 2);
        good.modelBytes = modelZip(false);

        writer.write(bad, null);       // no exception: a failure would replay the same snapshot forever
        writer.write(good, null);

        assertThat(writer.refusedSnapshots()).isEqualTo(1);
        List<SnapshotCommittable> staged = new ArrayList<>(writer.prepareCommit());
        assertThat(staged).extracting(SnapshotCommittable::version).containsExactly(6L);
        ModelStoreCommitter committer = new ModelStoreCommitter(store);
        assertThat(commit(committer, staged.get(0))).isEqualTo("committed");
        assertThat(store.listVersions("m")).containsExactly(6L);
    }

    private static ModelStoreSinkWriter writerAs(ModelStore store, String owner, boolean takeOver) throws Exception {
        return new ModelStoreSinkWriter(store, new StoreWriterIdentity(owner, takeOver), 0,
                new org.apache.flink.metrics.SimpleCounter());
    }

    @Test
    void aWriterClaimsItsModelIdsAndASecondOwnerIsRefusedWithoutRestarts(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        writerAs(store, "job-a", false).write(snapshot(10, (byte) 1), null);
        assertThat(store.ownership().owner("m")).hasValue("job-a");

        ModelStoreSinkWriter b = writerAs(store, "job-b", false);
        assertThatThrownBy(() -> b.write(snapshot(10, (byte) 2), null))
                .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                .cause().isInstanceOf(org.gsamflink.modelstore.ModelOwnedException.class)
                .hasMessageContaining("is owned by 'job-a', not by 'job-b'");
        assertThat(b.prepareCommit()).as("nothing staged").isEmpty();
    }

    @Test
    void aTakenOverModelIdFencesTheFormerOwnersWriterAndCommitter(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelStoreSinkWriter a = writerAs(store, "job-a", false);
        a.write(snapshot(10, (byte) 1), null);
        SnapshotCommittable staged = a.prepareCommit().iterator().next();

        writerAs(store, "job-b", true).write(snapshot(20, (byte) 2), null);
        assertThat(store.ownership().owner("m")).hasValue("job-b");

        ModelStoreCommitter committerOfA = new ModelStoreCommitter(store, new StoreWriterIdentity("job-a", false), 10);
        assertThat(commit(committerOfA, staged)).startsWith("known: model m version 10 not published: model 'm'")
                .contains("is owned by 'job-b', not by 'job-a'");
        assertThat(store.listVersions("m")).isEmpty();
        assertThatThrownBy(() -> a.write(snapshot(30, (byte) 3), null))
                .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class);
    }

    @Test
    void fileSystemErrorsAreRetriedABoundedNumberOfTimes(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        SnapshotCommittable c = stage(store, 0, snapshot(10, (byte) 1)).get(0);
        // The model's directory is a file: publishing cannot create the version directory.
        Files.writeString(dir.resolve("m"), "not a directory");
        ModelStoreCommitter committer = new ModelStoreCommitter(store, StoreWriterIdentity.NONE, 3);

        Request first = new Request(c);
        committer.commit(List.of(first));
        assertThat(first.signal).isEqualTo("retry");
        Request last = new Request(c);
        last.retries = 2;
        committer.commit(List.of(last));
        assertThat(last.signal).startsWith("known: model m version 10 not published: failed 3 times "
                + "(model-store.commit-retries = 3), last: ");
    }

    @Test
    void aCorruptVersionInTheStoreIsGivenUpAtOnce(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        assertThat(commit(new ModelStoreCommitter(store), stage(store, 0, snapshot(10, (byte) 1)).get(0)))
                .isEqualTo("committed");
        Files.writeString(dir.resolve("m").resolve(ModelStore.versionDirectoryName(10))
                .resolve(ModelStore.COMPLETE_MARKER), "{ not json");
        SnapshotCommittable replay = stage(store, 0, snapshot(10, (byte) 1)).get(0);

        assertThat(commit(new ModelStoreCommitter(store), replay))
                .startsWith("known: model m version 10 not published: the store's version is corrupt")
                .contains("move the version directory away");
    }
}
