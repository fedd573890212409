package org.gsamflink.operators.store;

import org.apache.flink.api.connector.sink2.Committer;
import org.gsamflink.modelstore.CorruptVersionException;
import org.gsamflink.modelstore.ModelOwnedException;
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
    private final StoreWriterIdentity identity;
    private final int commitRetries;

    ModelStoreCommitter(ModelStore store) {
        this(store, StoreWriterIdentity.NONE, ModelStoreSink.DEFAULT_COMMIT_RETRIES);
    }

    ModelStoreCommitter(ModelStore store, StoreWriterIdentity identity, int commitRetries) {
        this.store = store;
        this.identity = identity;
        this.commitRetries = commitRetries;
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
            if (identity.owner() != null) {
                // Fencing: a job whose model id was taken over publishes nothing more of it.
                store.ownership().checkOwned(c.modelId(), identity.owner());
            }
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
        } catch (VersionConflictException | ModelOwnedException e) {
            giveUp(request, e.getMessage(), e);
        } catch (CorruptVersionException e) {
            giveUp(request, "the store's version is corrupt, and a version is never published over: " + e.getMessage()
                    + "; move the version directory away to let readers fall back to the one before", e);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            request.retryLater();
        } catch (IOException e) {
            int attempt = request.getNumberOfRetries() + 1;
            if (attempt >= commitRetries) {
                giveUp(request, "failed " + attempt + " times (model-store.commit-retries = " + commitRetries
                        + "), last: " + e, e);
                return;
            }
            LOG.warn("Could not commit {} (attempt {} of {}): {}; retrying at the next checkpoint", c, attempt,
                    commitRetries, e.toString());
            request.retryLater();
        } catch (RuntimeException e) {
            request.signalFailedWithUnknownReason(e);
        }
    }

    /** Not published, ever: said once, as an error, with the reason; the model's next snapshot is published. */
    private static void giveUp(CommitRequest<SnapshotCommittable> request, String why, IOException e) {
        SnapshotCommittable c = request.getCommittable();
        LOG.error("Not publishing model {} version {}: {}", c.modelId(), c.version(), why);
        request.signalFailedWithKnownReason(new IOException("model " + c.modelId() + " version " + c.version()
                + " not published: " + why, e));
    }

    @Override
    public void close() {}
}
