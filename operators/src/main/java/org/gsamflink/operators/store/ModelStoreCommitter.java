package org.gsamflink.operators.store;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.PublishResult;
import org.gsamflink.modelstore.VersionConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.OptionalLong;

/**
 * Publishes staged snapshots into the {@link ModelStore} once their checkpoint completed, then deletes the staging
 * directory. Idempotent; every outcome goes to one {@link CommitRequest} signal (see {@link ModelStoreSink}).
 */
final class ModelStoreCommitter implements Committer<SnapshotCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreCommitter.class);

    private final ModelStore store;
    private FileSystem fs;

    ModelStoreCommitter(ModelStore store) {
        this.store = store;
    }

    @Override
    public void commit(Collection<CommitRequest<SnapshotCommittable>> requests) {
        for (CommitRequest<SnapshotCommittable> request : requests) {
            commit(request);
        }
    }

    private void commit(CommitRequest<SnapshotCommittable> request) {
        SnapshotCommittable c = request.getCommittable();
        try {
            Path dir = new Path(c.stagingPath());
            byte[] model;
            byte[] optimizer;
            byte[] metadata;
            try {
                model = readAll(new Path(dir, ModelStore.MODEL_FILE));
                optimizer = readAll(new Path(dir, ModelStore.OPTIMIZER_FILE));
                metadata = readAll(new Path(dir, ModelStore.METADATA_FILE));
            } catch (FileNotFoundException | NoSuchFileException e) {
                stagingMissing(request, c, dir);
                return;
            }
            ModelVersion version = ModelVersion.of(ModelMetadata.fromJson(metadata), model, optimizer);
            PublishResult result = store.publish(version);
            LOG.info("Committed model {} version {} (checkpoint {}): {}", c.modelId(), c.version(),
                    c.checkpointId(), result);
            deleteStaging(dir);
        } catch (VersionConflictException e) {
            request.signalFailedWithKnownReason(e);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            request.retryLater();
        } catch (IOException e) {
            LOG.warn("Could not commit {} (attempt {}); retrying later", c, request.getNumberOfRetries() + 1, e);
            request.retryLater();
        } catch (RuntimeException e) {
            request.signalFailedWithUnknownReason(e);
        }
    }

    /**
     * The staging directory is gone (or partly deleted). That is a repeated commit when the store already has the
     * version, or a newer one (retention may have removed this one since); otherwise the staged files were lost.
     */
    private void stagingMissing(CommitRequest<SnapshotCommittable> request, SnapshotCommittable c, Path dir)
            throws IOException {
        OptionalLong latest = store.latest(c.modelId());
        if (store.isComplete(c.modelId(), c.version()) || (latest.isPresent() && latest.getAsLong() >= c.version())) {
            LOG.info("Model {} version {} was already committed", c.modelId(), c.version());
            deleteStaging(dir);
            request.signalAlreadyCommitted();
        } else {
            request.signalFailedWithKnownReason(new IOException("the staged files of " + c + " are missing and the "
                    + "store has no such version: the staging directory was deleted before it was committed"));
        }
    }

    private FileSystem fs(Path path) throws IOException {
        if (fs == null) {
            fs = FileSystem.get(path.toUri());
        }
        return fs;
    }

    private byte[] readAll(Path path) throws IOException {
        try (FSDataInputStream in = fs(path).open(path)) {
            return in.readAllBytes();
        }
    }

    private void deleteStaging(Path dir) {
        try {
            if (fs(dir).exists(dir)) {
                fs(dir).delete(dir, true);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete the staging directory {} of a committed snapshot", dir, e);
        }
    }

    @Override
    public void close() {}
}
