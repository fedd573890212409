package org.gsamflink.operators.store;

import org.apache.flink.api.connector.sink2.Committer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.PublishResult;
import org.gsamflink.modelstore.StagedVersion;
import org.gsamflink.modelstore.StagedVersionMissingException;
import org.gsamflink.modelstore.VersionConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collection;

/**
 * Publishes staged snapshots into the {@link ModelStore} once their checkpoint completed ({@link
 * ModelStore#publishStaged}, which moves the staged files into place). Idempotent; every outcome goes to one
 * {@link CommitRequest} signal (see {@link ModelStoreSink}). It knows nothing about the store's file layout.
 */
final class ModelStoreCommitter implements Committer<SnapshotCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreCommitter.class);

    private final ModelStore store;

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
            // The staging path of a committable restored from an older release's checkpoint works the same way.
            PublishResult result = store.publishStaged(StagedVersion.of(c.modelId(), c.version(), c.stagingPath()));
            if (result == PublishResult.ALREADY_COMMITTED) {
                // A repeated commit: the store has the version, or a newer one (retention may have removed it).
                LOG.info("Model {} version {} was already committed", c.modelId(), c.version());
                request.signalAlreadyCommitted();
                return;
            }
            LOG.info("Committed model {} version {} (checkpoint {}): {}", c.modelId(), c.version(),
                    c.checkpointId(), result);
        } catch (StagedVersionMissingException e) {
            request.signalFailedWithKnownReason(new IOException("the staged files of " + c + " are missing and the "
                    + "store has no such version: the staging directory was deleted before it was committed", e));
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

    @Override
    public void close() {}
}
