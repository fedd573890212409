package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Making versions of a {@link ModelStore} complete (see "Publishing and visibility" in its class comment): the
 * three files written into a fresh {@code .tmp-} directory, the rename of a directory to its {@code v} name, the
 * {@code _COMPLETE} marker (the manifest of the files' lengths and SHA-256 sums, written through a temporary name
 * and a rename after the directory rename has returned), and the rule that a version, once complete, is
 * immutable: publishing it again with other model or optimizer bytes is a {@link VersionConflictException}.
 * {@link ModelStaging} moves its staged directories into place through the same steps. Moving {@code LATEST} and
 * retention are not done here; {@link ModelStore} runs them after each publish.
 *
 * <p>Package-private. State: none beyond the layout, the file primitives and the reader.
 */
final class VersionPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final StoreLayout layout;
    private final StoreFiles files;
    private final VersionReader reader;

    VersionPublisher(StoreLayout layout, StoreFiles files, VersionReader reader) {
        this.layout = layout;
        this.files = files;
        this.reader = reader;
    }

    /**
     * Makes a version complete: {@link PublishResult#PUBLISHED}, or {@link PublishResult#ALREADY_EXISTS} when it
     * already is, with the same bytes.
     */
    PublishResult publish(ModelVersion modelVersion) throws IOException {
        String modelId = ModelIds.validate(modelVersion.modelId());
        long version = modelVersion.version();
        Path modelDir = layout.modelDir(modelId);
        byte[] model = modelVersion.modelBytesNoCopy();
        byte[] optimizer = modelVersion.optimizerStateNoCopy();
        byte[] metadata = modelVersion.metadata().toJson();
        CompletionManifest manifest = manifestOf(modelId, version, model, optimizer, metadata);

        if (reader.isComplete(modelId, version)) {
            checkSameContent(modelId, version, manifest);
            return PublishResult.ALREADY_EXISTS;
        }
        prepareVersionDir(modelId, version);
        FileSystem fs = files.fs();
        Path tmp = layout.child(modelDir, ModelStore.TMP_PREFIX + version + "-" + UUID.randomUUID());
        try {
            if (!fs.mkdirs(tmp)) {
                throw new IOException("cannot create directory " + tmp);
            }
            writeVersionFiles(tmp, model, optimizer, metadata);
            return moveIntoPlace(tmp, modelId, version, manifest);
        } finally {
            files.deleteQuietly(tmp, true);
        }
    }

    /** The manifest of a version's three files. */
    static CompletionManifest manifestOf(String modelId, long version, byte[] model, byte[] optimizer,
                                         byte[] metadata) {
        Map<String, CompletionManifest.FileDigest> digests = new LinkedHashMap<>();
        digests.put(ModelStore.MODEL_FILE, CompletionManifest.FileDigest.of(model));
        digests.put(ModelStore.OPTIMIZER_FILE, CompletionManifest.FileDigest.of(optimizer));
        digests.put(ModelStore.METADATA_FILE, CompletionManifest.FileDigest.of(metadata));
        return new CompletionManifest(modelId, version, digests);
    }

    /** Writes a version's three files into {@code dir}, in the order of {@link StoreLayout#VERSION_FILES}. */
    void writeVersionFiles(Path dir, byte[] model, byte[] optimizer, byte[] metadata) throws IOException {
        files.writeFile(layout.child(dir, ModelStore.MODEL_FILE), model);
        files.writeFile(layout.child(dir, ModelStore.OPTIMIZER_FILE), optimizer);
        files.writeFile(layout.child(dir, ModelStore.METADATA_FILE), metadata);
    }

    /**
     * Readies the place of a version that is not complete: removes a {@code v} directory without marker that a
     * crashed writer left, and creates the model directory.
     */
    void prepareVersionDir(String modelId, long version) throws IOException {
        FileSystem fs = files.fs();
        Path versionDir = layout.versionDir(modelId, version);
        if (fs.exists(versionDir)) {
            LOG.warn("Removing incomplete version directory {} left by a crashed writer", versionDir);
            fs.delete(versionDir, true);
        }
        fs.mkdirs(layout.modelDir(modelId));
    }

    /**
     * Renames {@code dir}, which holds exactly the version's three files, to the version's {@code v} directory and
     * writes the marker: {@link PublishResult#PUBLISHED}. When the rename fails because another writer completed
     * the same version meanwhile, checks that it holds the same bytes: {@link PublishResult#ALREADY_EXISTS}, and
     * {@code dir} is left to the caller.
     */
    PublishResult moveIntoPlace(Path dir, String modelId, long version, CompletionManifest manifest)
            throws IOException {
        Path versionDir = layout.versionDir(modelId, version);
        if (files.fs().rename(dir, versionDir)) {
            writeMarker(versionDir, manifest);
            return PublishResult.PUBLISHED;
        }
        if (reader.isComplete(modelId, version)) {
            // Another writer published the same version meanwhile.
            checkSameContent(modelId, version, manifest);
            return PublishResult.ALREADY_EXISTS;
        }
        throw new IOException("cannot rename " + dir + " to " + versionDir
                + " (is another writer publishing model '" + modelId + "'?)");
    }

    /** Throws {@link VersionConflictException} when the complete version holds other model or optimizer bytes. */
    void checkSameContent(String modelId, long version, CompletionManifest wanted) throws IOException {
        CompletionManifest existing = reader.readManifest(modelId, version);
        for (String file : new String[] {ModelStore.MODEL_FILE, ModelStore.OPTIMIZER_FILE}) {
            CompletionManifest.FileDigest have = existing.files.get(file);
            CompletionManifest.FileDigest want = wanted.files.get(file);
            if (!want.equals(have)) {
                throw new VersionConflictException("model '" + modelId + "' already has a complete version "
                        + version + " whose " + file + " differs (stored: " + have + "; new: " + want
                        + "); versions are immutable, publish under a new version number");
            }
        }
    }

    /** Writes {@code _COMPLETE} into a version directory through a temporary name and a rename. */
    void writeMarker(Path versionDir, CompletionManifest manifest) throws IOException {
        Path tmp = layout.child(versionDir, ModelStore.COMPLETE_MARKER + ".tmp-" + UUID.randomUUID());
        Path marker = layout.child(versionDir, ModelStore.COMPLETE_MARKER);
        try {
            files.writeFile(tmp, manifest.toJson());
            if (!files.fs().rename(tmp, marker)) {
                throw new IOException("cannot rename " + tmp + " to " + marker);
            }
        } finally {
            files.deleteQuietly(tmp, false);
        }
    }
}
