package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The staging area of a {@link ModelStore}: {@link ModelStore#stage} and {@link ModelStore#publishStaged}.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * &lt;root&gt;/.staging/&lt;modelId&gt;/v&lt;version, 20 digits&gt;[-c&lt;checkpoint&gt;]-&lt;uuid&gt;/model.zip
 *                                                          /optimizer.bin
 *                                                          /metadata.json
 *                                                          /_STAGED        written last: the files' digests
 * </pre>
 *
 * The checkpoint part is the metadata's checkpoint id, when it has one. Readers of the store never look under
 * {@code .staging}. A staging directory of an earlier release (the same layout without {@code _STAGED}) is
 * published too: its digests are then computed from its files.
 *
 * <h2>Publishing a staged version</h2>
 *
 * The three files are written once, at staging. Publishing removes {@code _STAGED} (the digests are kept in
 * memory), renames the staging directory to the version's {@code v} directory and writes the {@code _COMPLETE}
 * marker into it, exactly as {@link ModelStore#publish} does after its own rename; {@code LATEST} and retention
 * follow as there. The published version directory is therefore identical to one {@code publish} writes. Repeated
 * calls are idempotent: a version that is already complete is {@link PublishResult#ALREADY_EXISTS} (same bytes,
 * staging removed) or a {@link VersionConflictException}; staged files that are gone while the store has the
 * version or a newer one are {@link PublishResult#ALREADY_COMMITTED}; a crash between the rename and the marker is
 * completed by the next call. Staged files that are gone while the store has neither the version nor a newer one
 * raise {@link StagedVersionMissingException}.
 *
 * <p>Package-private; moving a staged directory into place, the marker, the conflict check and the files come from
 * {@link VersionPublisher}, {@link StoreLayout} and {@link StoreFiles}, as for {@link ModelStore#publish};
 * {@link ModelStore} moves {@code LATEST} and applies retention after {@link #publish}. State: none beyond its
 * collaborators.
 */
final class ModelStaging {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    /** The digests of a staged version's files; written last at staging, removed before the rename. */
    static final String STAGED_MANIFEST = "_STAGED";

    private final StoreLayout layout;
    private final StoreFiles files;
    private final VersionReader reader;
    private final VersionPublisher publisher;
    private final LatestPointer pointer;

    ModelStaging(StoreLayout layout, StoreFiles files, VersionReader reader, VersionPublisher publisher,
                 LatestPointer pointer) {
        this.layout = layout;
        this.files = files;
        this.reader = reader;
        this.publisher = publisher;
        this.pointer = pointer;
    }

    StagedVersion stage(ModelVersion modelVersion) throws IOException {
        String modelId = ModelIds.validate(modelVersion.modelId());
        if (modelId.equals(ModelStore.STAGING_DIRECTORY)) {
            throw new IllegalArgumentException("model id '" + modelId + "' is reserved by the model store sink");
        }
        long version = modelVersion.version();
        Long checkpointId = modelVersion.metadata().checkpointId();
        String name = StoreLayout.versionDirectoryName(version) + (checkpointId == null ? "" : "-c" + checkpointId)
                + "-" + UUID.randomUUID();
        Path dir = layout.child(layout.child(stagingRoot(), modelId), name);
        byte[] model = modelVersion.modelBytesNoCopy();
        byte[] optimizer = modelVersion.optimizerStateNoCopy();
        byte[] metadata = modelVersion.metadata().toJson();
        publisher.writeVersionFiles(dir, model, optimizer, metadata);
        files.writeFile(layout.child(dir, STAGED_MANIFEST), VersionPublisher.manifestOf(modelId, version, model,
                optimizer, metadata).toJson());
        return StagedVersion.of(modelId, version, dir.toUri().toString());
    }

    PublishResult publish(StagedVersion staged) throws IOException {
        String modelId = ModelIds.validate(staged.modelId());
        long version = staged.version();
        Path dir = stagingDir(staged);
        Path versionDir = layout.versionDir(modelId, version);
        PublishResult result;
        if (reader.isComplete(modelId, version)) {
            CompletionManifest manifest = stagedManifest(dir, modelId, version);
            if (manifest == null) {
                files.deleteQuietly(dir, true);
                result = PublishResult.ALREADY_COMMITTED;
            } else {
                publisher.checkSameContent(modelId, version, manifest);
                files.deleteQuietly(dir, true);
                result = PublishResult.ALREADY_EXISTS;
            }
        } else {
            CompletionManifest manifest = stagedManifest(dir, modelId, version);
            if (manifest != null) {
                result = moveIntoPlace(dir, modelId, version, manifest);
            } else {
                // Renamed into place by an earlier call that crashed before the marker?
                CompletionManifest inPlace = computeManifest(versionDir, modelId, version);
                if (inPlace != null) {
                    LOG.info("Completing version {} of model '{}', moved into place by an interrupted publish",
                            version, modelId);
                    publisher.writeMarker(versionDir, inPlace);
                    result = PublishResult.PUBLISHED;
                } else {
                    OptionalLong latest = pointer.latest(modelId);
                    if (latest.isEmpty() || latest.getAsLong() < version) {
                        throw new StagedVersionMissingException("the staged files of " + staged + " are missing "
                                + "and the store has no such version");
                    }
                    files.deleteQuietly(dir, true);
                    result = PublishResult.ALREADY_COMMITTED;
                }
            }
        }
        return result;
    }

    private PublishResult moveIntoPlace(Path dir, String modelId, long version, CompletionManifest manifest)
            throws IOException {
        publisher.prepareVersionDir(modelId, version);
        // Removed first, so the version directory holds exactly what publish() writes; a crash right after this
        // leaves a staging directory without digests, which the next call computes from its files.
        files.fs().delete(layout.child(dir, STAGED_MANIFEST), false);
        PublishResult result = publisher.moveIntoPlace(dir, modelId, version, manifest);
        if (result == PublishResult.ALREADY_EXISTS) {
            files.deleteQuietly(dir, true);
        }
        return result;
    }

    private Path stagingRoot() {
        return layout.child(layout.root(), ModelStore.STAGING_DIRECTORY);
    }

    /** The staging directory of a handle, checked to lie in this store's staging area of its model. */
    private Path stagingDir(StagedVersion staged) {
        Path dir = layout.checkUnderRoot(new Path(staged.location()));
        String prefix = layout.child(stagingRoot(), staged.modelId()).toUri().getPath() + "/";
        String path = dir.toUri().normalize().getPath();
        String name = path.startsWith(prefix) ? path.substring(prefix.length()) : "";
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException(staged + " does not lie in the staging area " + prefix
                    + " of this store");
        }
        return dir;
    }

    /**
     * The digests of a staged version: from {@code _STAGED} when present and its files are there with the listed
     * lengths, else computed from the files (a staging directory of an earlier release); null when files are
     * missing.
     */
    private CompletionManifest stagedManifest(Path dir, String modelId, long version) throws IOException {
        byte[] json;
        try {
            json = files.readAll(layout.child(dir, STAGED_MANIFEST));
        } catch (FileNotFoundException | NoSuchFileException e) {
            return computeManifest(dir, modelId, version);
        }
        CompletionManifest manifest = CompletionManifest.fromJson(json);
        if (!manifest.modelId.equals(modelId) || manifest.version != version) {
            throw new CorruptVersionException("the staged files at " + dir + " are version " + manifest.version
                    + " of model '" + manifest.modelId + "', not version " + version + " of '" + modelId + "'");
        }
        for (String file : StoreLayout.VERSION_FILES) {
            CompletionManifest.FileDigest digest = manifest.files.get(file);
            FileStatus status;
            try {
                status = files.fs().getFileStatus(layout.child(dir, file));
            } catch (FileNotFoundException | NoSuchFileException e) {
                return null;
            }
            if (digest == null || status.getLen() != digest.length) {
                return null;
            }
        }
        return manifest;
    }

    /** Digests computed from the three files in {@code dir}; null when one is missing. */
    private CompletionManifest computeManifest(Path dir, String modelId, long version) throws IOException {
        Map<String, byte[]> content = new LinkedHashMap<>();
        for (String file : StoreLayout.VERSION_FILES) {
            try {
                content.put(file, files.readAll(layout.child(dir, file)));
            } catch (FileNotFoundException | NoSuchFileException e) {
                return null;
            }
        }
        ModelMetadata metadata = ModelMetadata.fromJson(content.get(ModelStore.METADATA_FILE));
        if (!metadata.modelId().equals(modelId) || metadata.version() != version) {
            throw new CorruptVersionException("the staged metadata at " + dir + " names version "
                    + metadata.version() + " of model '" + metadata.modelId() + "', not version " + version
                    + " of '" + modelId + "'");
        }
        return VersionPublisher.manifestOf(modelId, version, content.get(ModelStore.MODEL_FILE),
                content.get(ModelStore.OPTIMIZER_FILE), content.get(ModelStore.METADATA_FILE));
    }
}
