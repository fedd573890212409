package org.gsamflink.modelstore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gsamflink.modelstore.TestVersions.modelBytes;
import static org.gsamflink.modelstore.TestVersions.optimizerBytes;
import static org.gsamflink.modelstore.TestVersions.version;

class ModelStoreTest {

    private static final String M = "mnist-mlp";

    @TempDir
    java.nio.file.Path dir;

    private ModelStore store;

    @BeforeEach
    void setUp() {
        store = ModelStore.builder().root(dir.toUri()).build();
    }

    private java.nio.file.Path modelDir() {
        return dir.resolve(M);
    }

    private java.nio.file.Path versionDir(long v) {
        return modelDir().resolve(ModelStore.versionDirectoryName(v));
    }

    private String latestFile() throws IOException {
        return Files.readString(modelDir().resolve(ModelStore.LATEST_FILE)).trim();
    }

    private void writeLatestFile(String content) throws IOException {
        Files.writeString(modelDir().resolve(ModelStore.LATEST_FILE), content);
    }

    private void assertIsVersion(ModelVersion read, long v) {
        assertThat(read.version()).isEqualTo(v);
        assertThat(read.modelId()).isEqualTo(M);
        assertThat(read.modelBytes()).isEqualTo(modelBytes(M, v));
        assertThat(read.optimizerState()).isEqualTo(optimizerBytes(M, v));
        assertThat(read.metadata()).isEqualTo(TestVersions.metadata(M, v));
    }

    @Test
    void publishThenReadRoundTrips() throws IOException {
        assertThat(store.publish(version(M, 7))).isEqualTo(PublishResult.PUBLISHED);

        ModelVersion read = store.read(M, 7);
        assertIsVersion(read, 7);
        assertThat(read.createdAt().toEpochMilli()).isEqualTo(1_700_000_000_007L);
        assertThat(store.readMetadata(M, 7)).isEqualTo(TestVersions.metadata(M, 7));
        assertThat(store.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 7));
    }

    @Test
    void layoutOnDisk() throws IOException {
        store.publish(version(M, 42));

        java.nio.file.Path v = dir.resolve(M).resolve("v00000000000000000042");
        assertThat(v).isDirectory();
        try (Stream<java.nio.file.Path> files = Files.list(v)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("model.zip", "optimizer.bin", "metadata.json", "_COMPLETE");
        }
        assertThat(Files.readAllBytes(v.resolve("model.zip"))).isEqualTo(modelBytes(M, 42));
        assertThat(Files.readAllBytes(v.resolve("optimizer.bin"))).isEqualTo(optimizerBytes(M, 42));
        assertThat(ModelMetadata.fromJson(Files.readAllBytes(v.resolve("metadata.json"))))
                .isEqualTo(TestVersions.metadata(M, 42));
        assertThat(latestFile()).isEqualTo("42");
        try (Stream<java.nio.file.Path> files = Files.list(dir.resolve(M))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("v00000000000000000042", "LATEST");
        }
        assertThat(store.versionPath(M, 42).toUri().getPath()).endsWith("/" + M + "/v00000000000000000042");
    }

    @Test
    void latestMovesForwardAndNeverBack() throws IOException {
        assertThat(store.latest(M)).isEmpty();
        assertThat(store.readLatest(M)).isEmpty();

        store.publish(version(M, 1));
        assertThat(store.latest(M)).hasValue(1);
        store.publish(version(M, 5));
        assertThat(store.latest(M)).hasValue(5);
        assertThat(latestFile()).isEqualTo("5");

        store.publish(version(M, 3));
        assertThat(store.latest(M)).hasValue(5);
        assertThat(store.listVersions(M)).containsExactly(1L, 3L, 5L);
        assertThat(store.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 5));
    }

    @Test
    void listModelsShowsModelsWithACompleteVersion() throws IOException {
        assertThat(ModelStore.builder().root(dir.resolve("not-created-yet").toUri()).build().listModels()).isEmpty();
        store.publish(version("b", 1));
        store.publish(version("a", 2));
        Files.createDirectories(dir.resolve("empty"));
        Files.createDirectories(dir.resolve("not an id"));
        Files.writeString(dir.resolve("stray-file"), "x");

        assertThat(store.listModels()).containsExactly("a", "b");
        assertThat(store.listVersions("empty")).isEmpty();
        assertThat(store.listVersions("never-published")).isEmpty();
    }

    @Test
    void republishingTheSameBytesIsANoOp() throws IOException {
        store.publish(version(M, 3));
        ModelMetadata laterMetadata = TestVersions.metadata(M, 3).toBuilder().timestampMs(1L).build();
        ModelVersion retry = ModelVersion.of(laterMetadata, modelBytes(M, 3), optimizerBytes(M, 3));

        assertThat(store.publish(retry)).isEqualTo(PublishResult.ALREADY_EXISTS);
        assertThat(store.publish(version(M, 3))).isEqualTo(PublishResult.ALREADY_EXISTS);

        assertIsVersion(store.read(M, 3), 3); // the stored metadata stays
        try (Stream<java.nio.file.Path> files = Files.list(modelDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(ModelStore.versionDirectoryName(3), "LATEST");
        }
    }

    @Test
    void republishingDifferentBytesIsRejected() throws IOException {
        store.publish(version(M, 3));
        ModelVersion otherModel = ModelVersion.of(TestVersions.metadata(M, 3), modelBytes(M, 4),
                optimizerBytes(M, 3));
        ModelVersion otherOptimizer = ModelVersion.of(TestVersions.metadata(M, 3), modelBytes(M, 3),
                optimizerBytes(M, 4));

        assertThatThrownBy(() -> store.publish(otherModel))
                .isInstanceOf(VersionConflictException.class)
                .hasMessageContaining("model 'mnist-mlp' already has a complete version 3 whose model.zip differs");
        assertThatThrownBy(() -> store.publish(otherOptimizer))
                .isInstanceOf(VersionConflictException.class)
                .hasMessageContaining("optimizer.bin differs");
        assertIsVersion(store.read(M, 3), 3);
    }

    @Test
    void crashBeforeRenameLeavesNothingVisible() throws IOException {
        store.publish(version(M, 1));
        store.publish(version(M, 2));
        // A writer died while filling its temporary directory ...
        java.nio.file.Path tmp = Files.createDirectories(modelDir().resolve(".tmp-3-0b1d"));
        Files.write(tmp.resolve("model.zip"), Arrays.copyOf(modelBytes(M, 3), 100));
        // ... another one after its rename, before the marker ...
        java.nio.file.Path v3 = Files.createDirectories(versionDir(3));
        Files.write(v3.resolve("model.zip"), modelBytes(M, 3));
        Files.write(v3.resolve("metadata.json"), TestVersions.metadata(M, 3).toJson());
        // ... and one before renaming its LATEST.
        Files.writeString(modelDir().resolve("LATEST.tmp-77"), "3\n");

        assertThat(store.listVersions(M)).containsExactly(1L, 2L);
        assertThat(store.latest(M)).hasValue(2);
        assertThat(latestFile()).isEqualTo("2");
        assertThat(store.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 2));
        assertThat(store.isComplete(M, 3)).isFalse();
        assertThatThrownBy(() -> store.read(M, 3))
                .isInstanceOf(NoSuchVersionException.class)
                .hasMessage("model 'mnist-mlp' has no complete version 3");

        // Publishing again after the crash works and replaces the half-made directory.
        assertThat(store.publish(version(M, 3))).isEqualTo(PublishResult.PUBLISHED);
        assertIsVersion(store.read(M, 3), 3);
        assertThat(store.latest(M)).hasValue(3);

        assertThat(store.cleanUpTemporaries(M, Duration.ofHours(1))).isZero();
        assertThat(store.cleanUpTemporaries(M, Duration.ZERO)).isEqualTo(2);
        assertThat(tmp).doesNotExist();
        assertThat(modelDir().resolve("LATEST.tmp-77")).doesNotExist();
        assertThat(store.listVersions(M)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void cleanUpRemovesVersionDirectoriesWithoutMarker() throws IOException {
        store.publish(version(M, 1));
        Files.createDirectories(versionDir(2));
        Files.write(versionDir(2).resolve("model.zip"), modelBytes(M, 2));

        assertThat(store.cleanUpTemporaries(M, Duration.ZERO)).isEqualTo(1);
        assertThat(versionDir(2)).doesNotExist();
        assertThat(versionDir(1)).isDirectory();
        assertThat(store.cleanUpTemporaries("never-published", Duration.ZERO)).isZero();
        assertThatThrownBy(() -> store.cleanUpTemporaries(M, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("olderThan must not be negative");
    }

    /**
     * A crash after version 3 became complete but before LATEST moved: latest() stays at 2 (LATEST is authoritative
     * while it names a complete version), listVersions already shows 3, and a retried publish of 3 repairs LATEST.
     */
    @Test
    void crashBetweenVersionRenameAndLatestUpdateKeepsThePreviousLatest() throws IOException {
        store.publish(version(M, 1));
        store.publish(version(M, 2));
        store.publish(version(M, 3));
        writeLatestFile("2\n"); // the state the crash leaves

        assertThat(store.latest(M)).hasValue(2);
        assertThat(store.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 2));
        assertThat(store.listVersions(M)).containsExactly(1L, 2L, 3L);

        assertThat(store.publish(version(M, 3))).isEqualTo(PublishResult.ALREADY_EXISTS);
        assertThat(store.latest(M)).hasValue(3);
        assertThat(latestFile()).isEqualTo("3");
    }

    @Test
    void crashInjectedAtTheLatestRenameKeepsThePreviousLatest() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        hooked.publish(version(M, 1));
        hooked.publish(version(M, 2));

        fs.crashOnRenameTo = ModelStore.LATEST_FILE;
        assertThatThrownBy(() -> hooked.publish(version(M, 3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("simulated crash");

        assertThat(latestFile()).isEqualTo("2");
        assertThat(hooked.latest(M)).hasValue(2);
        assertThat(hooked.listVersions(M)).containsExactly(1L, 2L, 3L);

        fs.crashOnRenameTo = null;
        assertThat(hooked.publish(version(M, 3))).isEqualTo(PublishResult.ALREADY_EXISTS);
        assertThat(hooked.latest(M)).hasValue(3);
    }

    @Test
    void crashInjectedAtTheVersionRenameLeavesNoVisibleVersion() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();
        hooked.publish(version(M, 1));

        fs.crashOnRenameTo = ModelStore.versionDirectoryName(2);
        assertThatThrownBy(() -> hooked.publish(version(M, 2))).hasMessageContaining("simulated crash");

        assertThat(hooked.listVersions(M)).containsExactly(1L);
        assertThat(hooked.latest(M)).hasValue(1);
        assertThat(versionDir(2)).doesNotExist();
    }

    @Test
    void missingDanglingOrGarbledLatestFallsBackToTheHighestCompleteVersion() throws IOException {
        store.publish(version(M, 1));
        store.publish(version(M, 2));
        store.publish(version(M, 3));

        Files.delete(modelDir().resolve(ModelStore.LATEST_FILE));
        assertThat(store.latest(M)).hasValue(3);
        writeLatestFile("7");
        assertThat(store.latest(M)).hasValue(3);
        writeLatestFile("not a number");
        assertThat(store.latest(M)).hasValue(3);
        writeLatestFile("-1");
        assertThat(store.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 3));

        store.publish(version(M, 2)); // repairs the pointer without moving it back
        assertThat(latestFile()).isEqualTo("3");
    }

    @Test
    void whereRenameCannotReplaceLatestIsDeletedAndRenamed() throws IOException {
        HookedFileSystem fs = new HookedFileSystem();
        fs.refuseRenameOver = true;
        ModelStore hooked = ModelStore.builder().root(dir.toUri()).fileSystem(fs).build();

        for (long v = 1; v <= 4; v++) {
            hooked.publish(version(M, v));
            assertThat(latestFile()).isEqualTo(Long.toString(v));
        }
        assertThat(fs.refusedRenames.get()).isEqualTo(3);
        assertThat(hooked.readLatest(M)).get().satisfies(v -> assertIsVersion(v, 4));
        try (Stream<java.nio.file.Path> files = Files.list(modelDir())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void retentionKeepsTheLastNAndEveryKth() throws IOException {
        ModelStore s = ModelStore.builder().root(dir.toUri()).keepLast(3).keepEvery(5).build();
        for (long v = 1; v <= 23; v++) {
            s.publish(version(M, v));
        }
        assertThat(s.listVersions(M)).containsExactly(5L, 10L, 15L, 20L, 21L, 22L, 23L);
        assertThat(s.applyRetention(M)).isEmpty();
        try (Stream<java.nio.file.Path> files = Files.list(modelDir())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v"))
                    .collect(Collectors.toList())).hasSize(7);
        }
        assertThat(s.latest(M)).hasValue(23);
    }

    @Test
    void retentionWithoutKeepEveryKeepsOnlyTheLastN() throws IOException {
        ModelStore s = ModelStore.builder().root(dir.toUri()).keepLast(3).build();
        for (long v = 0; v <= 12; v++) {
            s.publish(version(M, v));
        }
        assertThat(s.listVersions(M)).containsExactly(10L, 11L, 12L);
    }

    @Test
    void retentionNeverDeletesTheLatestVersion() throws IOException {
        ModelStore s = ModelStore.builder().root(dir.toUri()).keepLast(5).build();
        for (long v = 1; v <= 5; v++) {
            s.publish(version(M, v));
        }
        writeLatestFile("2"); // LATEST behind, as after a crash
        ModelStore strict = ModelStore.builder().root(dir.toUri()).keepLast(2).build();

        assertThat(strict.applyRetention(M)).containsExactly(1L, 3L);
        assertThat(strict.listVersions(M)).containsExactly(2L, 4L, 5L);
        assertThat(strict.latest(M)).hasValue(2);
    }

    @Test
    void aVersionBelowTheRetainedWindowIsRemovedRightAway() throws IOException {
        ModelStore s = ModelStore.builder().root(dir.toUri()).keepLast(3).build();
        for (long v = 10; v <= 12; v++) {
            s.publish(version(M, v));
        }
        assertThat(s.publish(version(M, 5))).isEqualTo(PublishResult.PUBLISHED);
        assertThat(s.listVersions(M)).containsExactly(10L, 11L, 12L);
        assertThat(s.latest(M)).hasValue(12);
    }

    @Test
    void readDetectsFilesThatDoNotMatchTheMarker() throws IOException {
        store.publish(version(M, 1));
        byte[] tampered = modelBytes(M, 1);
        tampered[tampered.length - 1] ^= 1;
        Files.write(versionDir(1).resolve(ModelStore.MODEL_FILE), tampered);

        assertThatThrownBy(() -> store.read(M, 1))
                .isInstanceOf(CorruptVersionException.class)
                .hasMessageContaining("model.zip of version 1 of model 'mnist-mlp' does not match its marker");

        Files.delete(versionDir(1).resolve(ModelStore.OPTIMIZER_FILE));
        assertThatThrownBy(() -> store.read(M, 1))
                .isInstanceOf(CorruptVersionException.class);
    }

    @Test
    void readRejectsMetadataOfANewerFormat() throws IOException {
        store.publish(version(M, 1));
        // Rewrite the version as a future writer would: metadata format 2, and a marker that matches it.
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(TestVersions.metadata(M, 1).toJson());
        json.put("formatVersion", 2);
        byte[] future = mapper.writeValueAsBytes(json);
        java.nio.file.Path v1 = versionDir(1);
        Files.write(v1.resolve(ModelStore.METADATA_FILE), future);
        CompletionManifest old = CompletionManifest.fromJson(
                Files.readAllBytes(v1.resolve(ModelStore.COMPLETE_MARKER)));
        Map<String, CompletionManifest.FileDigest> files = new LinkedHashMap<>(old.files);
        files.put(ModelStore.METADATA_FILE, CompletionManifest.FileDigest.of(future));
        Files.write(v1.resolve(ModelStore.COMPLETE_MARKER), new CompletionManifest(M, 1, files).toJson());

        assertThatThrownBy(() -> store.read(M, 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("model metadata format version 2 is newer than the newest this gsam-flink"
                        + " supports (1)");
    }

    @Test
    void negativeVersionsAreRejected() {
        assertThatThrownBy(() -> store.read(M, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must be >= 0 but was -1");
        assertThatThrownBy(() -> ModelStore.versionDirectoryName(-5))
                .hasMessage("version must be >= 0 but was -5");
    }

    static Stream<String> invalidIds() {
        return Stream.of(null, "", ".", "..", "a/b", "a\\b", "x".repeat(129), "x y", "../etc", "a\u0000b");
    }

    @ParameterizedTest
    @MethodSource("invalidIds")
    void everyMethodRejectsInvalidIds(String id) {
        List<ThrowingCall> calls = List.of(
                () -> store.listVersions(id),
                () -> store.latest(id),
                () -> store.read(id, 1),
                () -> store.readLatest(id),
                () -> store.readMetadata(id, 1),
                () -> store.isComplete(id, 1),
                () -> store.applyRetention(id),
                () -> store.cleanUpTemporaries(id, Duration.ZERO),
                () -> store.versionPath(id, 1),
                () -> ModelMetadata.builder().modelId(id));
        for (ThrowingCall call : calls) {
            assertThatThrownBy(call::run)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid model id ");
        }
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pathsOutsideTheRootAreRefused() {
        Path root = store.root();
        assertThatThrownBy(() -> store.child(root, ".."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is outside the model store root");
        assertThatThrownBy(() -> store.checkUnderRoot(new Path(root, "../other/m")))
                .hasMessageContaining("is outside the model store root");
        assertThatThrownBy(() -> store.checkUnderRoot(root)).hasMessageContaining("is outside");
        assertThatThrownBy(() -> store.checkUnderRoot(new Path(root.toUri().getPath() + "-sibling/m")))
                .hasMessageContaining("is outside");
        assertThat(store.child(root, "m").getName()).isEqualTo("m");
    }

    @Test
    void manyVersionsStayOrdered() throws IOException {
        ModelStore s = ModelStore.builder().root(dir.toUri()).keepLast(100).build();
        long[] order = {100, 3, 20, 1, 1_000_000_000_000L, 0};
        for (long v : order) {
            s.publish(version(M, v));
        }
        assertThat(s.listVersions(M)).containsExactlyElementsOf(
                LongStream.of(order).sorted().boxed().collect(Collectors.toList()));
        assertThat(s.latest(M)).isEqualTo(OptionalLong.of(1_000_000_000_000L));
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }
}
