package org.gsamflink.modelstore;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gsamflink.modelstore.TestVersions.version;

/** {@link ModelStore#stage} and {@link ModelStore#publishStaged}: the store's staging area. */
class ModelStagingTest {

    private static final String M = "mnist-mlp";

    @TempDir
    Path dir;

    private ModelStore store;

    @BeforeEach
    void setUp() {
        store = ModelStore.builder().root(dir.toUri()).build();
    }

    private static Path local(StagedVersion s) {
        return Path.of(URI.create(s.location()));
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertIsVersion(ModelVersion read, long v) {
        assertThat(read.version()).isEqualTo(v);
        assertThat(read.modelBytes()).isEqualTo(TestVersions.modelBytes(M, v));
        assertThat(read.optimizerState()).isEqualTo(TestVersions.optimizerBytes(M, v));
        assertThat(read.metadata()).isEqualTo(TestVersions.metadata(M, v));
    }

    @Test
    void aStagedVersionIsInvisibleUntilPublished() throws IOException {
        StagedVersion s = store.stage(version(M, 30));
        assertThat(s.modelId()).isEqualTo(M);
        assertThat(s.version()).isEqualTo(30);
        assertThat(local(s)).startsWith(dir.resolve(ModelStore.STAGING_DIRECTORY).resolve(M));
        assertThat(local(s).getFileName().toString()).startsWith(ModelStore.versionDirectoryName(30) + "-c3-");
        assertThat(store.listModels()).isEmpty();
        assertThat(store.listVersions(M)).isEmpty();

        assertThat(store.publishStaged(s)).isEqualTo(PublishResult.PUBLISHED);
        assertIsVersion(store.read(M, 30), 30);
        assertThat(store.latest(M)).hasValue(30);
        assertThat(local(s)).doesNotExist();
        // The same files as publish() writes, nothing else.
        assertThat(names(dir.resolve(M).resolve(ModelStore.versionDirectoryName(30))))
                .containsExactly(ModelStore.COMPLETE_MARKER, ModelStore.METADATA_FILE, ModelStore.MODEL_FILE,
                        ModelStore.OPTIMIZER_FILE);
    }

    @Test
    void theFilesAreWrittenOnce() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        assertThat(hooked.publishStaged(hooked.stage(version(M, 1)))).isEqualTo(PublishResult.PUBLISHED);
        assertThat(fs.created).filteredOn(ModelStore.MODEL_FILE::equals).hasSize(1);
        assertThat(fs.created).filteredOn(ModelStore.OPTIMIZER_FILE::equals).hasSize(1);
        assertThat(fs.created).filteredOn(ModelStore.METADATA_FILE::equals).hasSize(1);
    }

    @Test
    void aRetriedPublishIsAlreadyCommittedOrAlreadyExists() throws IOException {
        StagedVersion first = store.stage(version(M, 10));
        StagedVersion replayed = store.stage(version(M, 10));
        assertThat(store.publishStaged(first)).isEqualTo(PublishResult.PUBLISHED);
        assertThat(store.publishStaged(first)).isEqualTo(PublishResult.ALREADY_COMMITTED);
        assertThat(store.publishStaged(replayed)).isEqualTo(PublishResult.ALREADY_EXISTS);
        assertThat(local(replayed)).doesNotExist();
        assertThat(store.listVersions(M)).containsExactly(10L);
    }

    @Test
    void otherBytesUnderAPublishedVersionConflict() throws IOException {
        store.publish(version(M, 10));
        ModelVersion other = ModelVersion.of(TestVersions.metadata(M, 10), new byte[] {9}, new byte[] {9});
        StagedVersion s = store.stage(other);
        assertThatThrownBy(() -> store.publishStaged(s)).isInstanceOf(VersionConflictException.class)
                .hasMessageContaining("differs");
        assertIsVersion(store.read(M, 10), 10);
    }

    @Test
    void lostStagingIsAlreadyCommittedWhenTheStoreHasTheVersionOrANewerOne() throws IOException {
        store = ModelStore.builder().root(dir.toUri()).keepLast(1).build();
        StagedVersion lost = StagedVersion.of(M, 5, dir.resolve(".staging/" + M + "/gone").toUri().toString());
        assertThatThrownBy(() -> store.publishStaged(lost)).isInstanceOf(StagedVersionMissingException.class)
                .hasMessageContaining("missing");
        store.publish(version(M, 6));
        // Version 5 is not in the store (retention could have removed it), but 6 is newer.
        assertThat(store.publishStaged(lost)).isEqualTo(PublishResult.ALREADY_COMMITTED);
    }

    @Test
    void aStagingDirectoryOfTheEarlierReleaseIsPublished() throws IOException {
        // The previous sink wrote the three files itself, without _STAGED.
        ModelVersion v = version(M, 20);
        Path legacy = dir.resolve(ModelStore.STAGING_DIRECTORY).resolve(M)
                .resolve(ModelStore.versionDirectoryName(20) + "-c2-0c4d1f8e-5a7b-4c55-9b1e-3f2a8d6e7c90");
        Files.createDirectories(legacy);
        Files.write(legacy.resolve(ModelStore.MODEL_FILE), v.modelBytes());
        Files.write(legacy.resolve(ModelStore.OPTIMIZER_FILE), v.optimizerState());
        Files.write(legacy.resolve(ModelStore.METADATA_FILE), v.metadata().toJson());
        StagedVersion s = StagedVersion.of(M, 20, legacy.toUri().toString());
        assertThat(store.publishStaged(s)).isEqualTo(PublishResult.PUBLISHED);
        assertIsVersion(store.read(M, 20), 20);
        assertThat(legacy).doesNotExist();
        assertThat(store.publishStaged(s)).isEqualTo(PublishResult.ALREADY_COMMITTED);
    }

    @Test
    void aCrashBetweenTheRenameAndTheMarkerIsCompletedByTheRetry() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        hooked.publish(version(M, 1));
        StagedVersion s = hooked.stage(version(M, 2));
        fs.crashOnRenameTo = ModelStore.COMPLETE_MARKER;
        assertThatThrownBy(() -> hooked.publishStaged(s)).hasMessageContaining("simulated crash");
        assertThat(hooked.listVersions(M)).containsExactly(1L);
        assertThat(local(s)).doesNotExist();

        fs.crashOnRenameTo = null;
        assertThat(hooked.publishStaged(s)).isEqualTo(PublishResult.PUBLISHED);
        assertIsVersion(hooked.read(M, 2), 2);
        assertThat(hooked.latest(M)).hasValue(2);
    }

    @Test
    void aCrashBeforeLatestMovedIsRepairedByTheRetry() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        hooked.publish(version(M, 1));
        StagedVersion s = hooked.stage(version(M, 2));
        fs.crashOnRenameTo = ModelStore.LATEST_FILE;
        assertThatThrownBy(() -> hooked.publishStaged(s)).hasMessageContaining("simulated crash");
        assertThat(hooked.latest(M)).hasValue(1);
        fs.crashOnRenameTo = null;
        assertThat(hooked.publishStaged(s)).isEqualTo(PublishResult.ALREADY_COMMITTED);
        assertThat(hooked.latest(M)).hasValue(2);
    }

    @Test
    void aCrashBeforeTheVersionRenameLeavesTheStagedFilesToRetry() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        StagedVersion s = hooked.stage(version(M, 3));
        fs.crashOnRenameTo = ModelStore.versionDirectoryName(3);
        assertThatThrownBy(() -> hooked.publishStaged(s)).hasMessageContaining("simulated crash");
        assertThat(hooked.listVersions(M)).isEmpty();
        fs.crashOnRenameTo = null;
        // _STAGED is gone by now: the digests are computed from the staged files.
        assertThat(hooked.publishStaged(s)).isEqualTo(PublishResult.PUBLISHED);
        assertIsVersion(hooked.read(M, 3), 3);
    }

    @Test
    void retentionAndLatestApplyAsForPublish() throws IOException {
        store = ModelStore.builder().root(dir.toUri()).keepLast(2).keepEvery(10).build();
        for (long v : new long[] {5, 10, 15, 20, 25}) {
            store.publishStaged(store.stage(version(M, v)));
        }
        assertThat(store.listVersions(M)).containsExactly(10L, 20L, 25L);
        assertThat(store.latest(M)).hasValue(25);
        store.publishStaged(store.stage(version(M, 3)));   // below LATEST: LATEST stays
        assertThat(store.latest(M)).hasValue(25);
    }

    @Test
    void handlesOutsideTheStagingAreaAndTheReservedIdAreRejected() {
        assertThatThrownBy(() -> store.publishStaged(StagedVersion.of(M, 1, dir.resolve(M).toUri().toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("staging area");
        assertThatThrownBy(() -> store.publishStaged(StagedVersion.of(M, 1,
                dir.resolve(".staging/other/v1").toUri().toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("staging area");
        assertThatThrownBy(() -> store.publishStaged(StagedVersion.of(M, 1, "file:///elsewhere/.staging/x")))
                .isInstanceOf(IllegalArgumentException.class);
        ModelVersion reserved = ModelVersion.of(ModelMetadata.builder().modelId(ModelStore.STAGING_DIRECTORY)
                .version(1).timestampMs(1).build(), new byte[] {1}, new byte[] {2});
        assertThatThrownBy(() -> store.stage(reserved)).hasMessageContaining("reserved");
    }

    @Test
    void stagedVersionValidatesAndCompares() {
        assertThatThrownBy(() -> StagedVersion.of(null, 1, "x")).hasMessageContaining("modelId");
        assertThatThrownBy(() -> StagedVersion.of(M, -1, "x")).hasMessageContaining("version must be >= 0");
        assertThatThrownBy(() -> StagedVersion.of(M, 1, null)).hasMessageContaining("location");
        assertThat(StagedVersion.of(M, 1, "x")).isEqualTo(StagedVersion.of(M, 1, "x"))
                .hasSameHashCodeAs(StagedVersion.of(M, 1, "x")).isNotEqualTo(StagedVersion.of(M, 2, "x"));
    }
}
