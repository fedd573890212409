package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reading a {@link ModelStore}: which models and complete versions exist ({@link ModelStore#listModels}, {@link
 * ModelStore#listVersions}, {@link ModelStore#isComplete}), a version's {@code _COMPLETE} marker, checked to
 * describe that version, and its files, each checked against the length and SHA-256 the marker records ({@link
 * ModelStore#read}, {@link ModelStore#readMetadata}). A version whose files vanish or change while it is read and
 * which is then no longer complete (retention removed it) is a {@link NoSuchVersionException}, so that {@link
 * LatestPointer#readLatest} resolves again; a complete one that does not match its marker is a {@link
 * CorruptVersionException}.
 *
 * <p>Package-private. State: none beyond the layout and the file primitives.
 */
final class VersionReader {

    private final StoreLayout layout;
    private final StoreFiles files;

    VersionReader(StoreLayout layout, StoreFiles files) {
        this.layout = layout;
        this.files = files;
    }

    List<String> listModels() throws IOException {
        List<String> models = new ArrayList<>();
        for (FileStatus status : files.list(layout.root())) {
            String name = status.getPath().getName();
            if (ModelIds.isValid(name) && !listVersions(name).isEmpty()) {
                models.add(name);
            }
        }
        Collections.sort(models);
        return models;
    }

    List<Long> listVersions(String modelId) throws IOException {
        Path modelDir = layout.modelDir(modelId);
        List<Long> versions = new ArrayList<>();
        for (FileStatus status : files.list(modelDir)) {
            long version = StoreLayout.parseVersionDirectoryName(status.getPath().getName());
            if (version >= 0 && isComplete(modelId, version)) {
                versions.add(version);
            }
        }
        Collections.sort(versions);
        return versions;
    }

    boolean isComplete(String modelId, long version) throws IOException {
        return files.fs().exists(layout.markerPath(modelId, version));
    }

    ModelMetadata readMetadata(String modelId, long version) throws IOException {
        CompletionManifest manifest = readManifest(modelId, version);
        return parseMetadata(modelId, version, readVerified(modelId, version, manifest, ModelStore.METADATA_FILE));
    }

    ModelVersion read(String modelId, long version) throws IOException {
        CompletionManifest manifest = readManifest(modelId, version);
        byte[] metadata = readVerified(modelId, version, manifest, ModelStore.METADATA_FILE);
        byte[] model = readVerified(modelId, version, manifest, ModelStore.MODEL_FILE);
        byte[] optimizer = readVerified(modelId, version, manifest, ModelStore.OPTIMIZER_FILE);
        return ModelVersion.wrap(parseMetadata(modelId, version, metadata), model, optimizer);
    }

    /** The marker of a complete version, checked to describe that version. */
    CompletionManifest readManifest(String modelId, long version) throws IOException {
        Path marker = layout.markerPath(modelId, version);
        byte[] json;
        try {
            json = files.readAll(marker);
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new NoSuchVersionException("model '" + modelId + "' has no complete version " + version);
        }
        CompletionManifest manifest;
        try {
            manifest = CompletionManifest.fromJson(json);
        } catch (IOException e) {
            throw new CorruptVersionException("version " + version + " of model '" + modelId + "': "
                    + e.getMessage(), e);
        }
        if (!manifest.modelId.equals(modelId) || manifest.version != version) {
            throw new CorruptVersionException("the marker of version " + version + " of model '" + modelId
                    + "' describes version " + manifest.version + " of model '" + manifest.modelId + "'");
        }
        return manifest;
    }

    private byte[] readVerified(String modelId, long version, CompletionManifest manifest, String file)
            throws IOException {
        CompletionManifest.FileDigest digest = manifest.files.get(file);
        if (digest == null) {
            throw new CorruptVersionException("the marker of version " + version + " of model '" + modelId
                    + "' does not list " + file);
        }
        byte[] content;
        try {
            content = files.readAll(layout.child(layout.versionDir(modelId, version), file));
        } catch (FileNotFoundException | NoSuchFileException e) {
            checkStillComplete(modelId, version);
            throw new CorruptVersionException("version " + version + " of model '" + modelId + "' has no "
                    + file, e);
        }
        if (!digest.matches(content)) {
            checkStillComplete(modelId, version);
            throw new CorruptVersionException(file + " of version " + version + " of model '" + modelId
                    + "' does not match its marker (expected " + digest + "; found " + content.length + " B, "
                    + "sha256 " + CompletionManifest.sha256(content) + ")");
        }
        return content;
    }

    /** Throws {@link NoSuchVersionException} when retention removed the version while it was being read. */
    private void checkStillComplete(String modelId, long version) throws IOException {
        if (!isComplete(modelId, version)) {
            throw new NoSuchVersionException("version " + version + " of model '" + modelId
                    + "' was removed while being read");
        }
    }

    private static ModelMetadata parseMetadata(String modelId, long version, byte[] json) throws IOException {
        ModelMetadata metadata = ModelMetadata.fromJson(json);
        if (!metadata.modelId().equals(modelId) || metadata.version() != version) {
            throw new CorruptVersionException("metadata of version " + version + " of model '" + modelId
                    + "' names version " + metadata.version() + " of model '" + metadata.modelId() + "'");
        }
        return metadata;
    }
}
