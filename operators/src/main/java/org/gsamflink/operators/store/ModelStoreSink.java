package org.gsamflink.operators.store;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.ModelSnapshot;

import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;

/**
 * Writes the training operator's {@link ModelSnapshot}s into a {@link ModelStore}, exactly once: a snapshot becomes
 * a visible store version only after the checkpoint that covers it has completed.
 *
 * <pre>{@code
 * GsamTraining.Streams out = GsamTraining.train(records, specs, options);
 * out.snapshots().sinkTo(ModelStoreSink.builder()
 *         .store(ModelStore.builder().root("s3://bucket/models").keepLast(20).build())   // required
 *         .build());
 * // or, for the common case:
 * out.snapshots().sinkTo(ModelStoreSink.forRoot("s3://bucket/models", 20));
 * }</pre>
 *
 * <h2>Two phases</h2>
 *
 * The writer stages every snapshot as soon as it arrives with {@link ModelStore#stage}: the store writes its model,
 * optimizer state and metadata (with the checkpoint id) once, into its staging area
 * ({@code <root>/.staging/<modelId>/v<version>-c<checkpoint>-<uuid>/}), which readers of the store never look at.
 * At each checkpoint ({@code prepareCommit}) it hands one small {@link SnapshotCommittable} per staged snapshot to
 * Flink, which stores it with the checkpoint. When the checkpoint completes, the committer publishes each staged
 * snapshot with {@link ModelStore#publishStaged}, which renames the staged directory into place and writes its
 * marker. With checkpointing off, Flink commits at the end of a bounded input. Writer and committer know nothing
 * about the store's layout.
 *
 * <h2>Idempotence and failures</h2>
 *
 * After a restore Flink commits the committables of the restored checkpoint again, so a commit may find its work
 * done: {@link org.gsamflink.modelstore.PublishResult#ALREADY_EXISTS} is success, and a staging directory that is
 * gone while the store already has that version (or a newer one, when retention removed it), {@link
 * org.gsamflink.modelstore.PublishResult#ALREADY_COMMITTED}, is reported with {@code signalAlreadyCommitted}. File-system errors are retried later; a {@link
 * org.gsamflink.modelstore.VersionConflictException} (the store holds other bytes under that version, e.g. written by
 * another job) and a staging directory that vanished before its version was published fail with a known reason;
 * anything else fails with an unknown reason.
 *
 * <p>Model ids must be valid store ids ({@link org.gsamflink.modelstore.ModelIds}); {@value #STAGING_DIRECTORY} is
 * reserved. Snapshots staged after the last completed checkpoint of a failed attempt are replayed and staged again
 * under a new directory; the abandoned staging directories stay behind and may be deleted once no checkpoint that
 * is in progress can refer to them (e.g. entries older than the checkpoint timeout). Each model id must reach one
 * sink subtask (the default: the sink has the training operator's parallelism), as the store allows one writer per
 * model.
 *
 * <p>Second line of defence: a snapshot with a NaN or infinite parameter or updater value is never written; the
 * writer drops it with a rate-limited warning and counts it ({@code snapshotsRefused}) instead of failing, which
 * would crash-loop the job on the replayed snapshot (see {@link ModelStoreSinkWriter}). The training operator
 * refuses such snapshots first.
 *
 * <h2>One writer per model id</h2>
 *
 * With an {@link Builder#owner owner} the writer claims each model id in the store before its first snapshot
 * ({@link org.gsamflink.modelstore.ModelOwnership}) and checks the claim before every later one; the committer
 * checks it before every publish. A model id another owner claimed fails the job once (Flink's
 * {@code SuppressRestartsException}: a restart would meet the same claim) with a message naming model, owner and
 * the way out, unless the sink {@link Builder#takeOver takes it over}. The job whose model id was taken over stops
 * publishing it at its next commit and fails at its next snapshot of it: it is fenced off.
 *
 * <p>A commit that keeps failing with file-system errors is retried at the next checkpoints, {@link
 * Builder#commitRetries} attempts in all, then given up with an error naming the snapshot; a version in the store
 * that is corrupt is given up at once (publishing over it is never right). A given-up snapshot is not published;
 * the model's next one is, and readers keep the last good version meanwhile.
 *
 * <p>The writer's state is only the id of the last checkpoint it took part in, which it uses to label staged
 * snapshots with the checkpoint that will commit them.
 */
public final class ModelStoreSink implements Sink<ModelSnapshot>, SupportsWriterState<ModelSnapshot, Long>,
        SupportsCommitter<SnapshotCommittable> {

    private static final long serialVersionUID = 1L;

    /** The directory under the store root where snapshots wait for their checkpoint: the store's staging area. */
    public static final String STAGING_DIRECTORY = ModelStore.STAGING_DIRECTORY;

    /** Commit attempts of one snapshot before it is given up ({@link Builder#commitRetries}). */
    public static final int DEFAULT_COMMIT_RETRIES = 10;

    private final ModelStore store;
    private final StoreWriterIdentity identity;
    private final int commitRetries;

    ModelStoreSink(ModelStore store, StoreWriterIdentity identity, int commitRetries) {
        this.store = store;
        this.identity = identity;
        this.commitRetries = commitRetries;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A sink into the store at {@code root} that keeps the {@code keepLast} newest versions of each model. */
    public static ModelStoreSink forRoot(String root, int keepLast) {
        return builder().store(ModelStore.builder().root(root).keepLast(keepLast).build()).build();
    }

    public ModelStore store() {
        return store;
    }

    @Override
    public SinkWriter<ModelSnapshot> createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    public StatefulSinkWriter<ModelSnapshot, Long> restoreWriter(WriterInitContext context,
                                                                 Collection<Long> recoveredState) throws IOException {
        long last = context.getRestoredCheckpointId().orElse(WriterInitContext.INITIAL_CHECKPOINT_ID - 1);
        for (Long id : recoveredState) {
            last = Math.max(last, id);
        }
        return new ModelStoreSinkWriter(store, identity, last, context.metricGroup().counter("snapshotsRefused"));
    }

    @Override
    public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
        return new CheckpointIdSerializer();
    }

    @Override
    public Committer<SnapshotCommittable> createCommitter(CommitterInitContext context) {
        return new ModelStoreCommitter(store, identity, commitRetries);
    }

    @Override
    public SimpleVersionedSerializer<SnapshotCommittable> getCommittableSerializer() {
        return SnapshotCommittableSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "ModelStoreSink{" + store + (identity.owner() == null ? "" : ", owner=" + identity.owner()
                + (identity.takeOver() ? " (taking over)" : "")) + ", commitRetries=" + commitRetries + '}';
    }

    /** The writer state: the last checkpoint id, as one long. Format version 1. */
    static final class CheckpointIdSerializer implements SimpleVersionedSerializer<Long> {
        static final int CURRENT_VERSION = 1;

        @Override
        public int getVersion() {
            return CURRENT_VERSION;
        }

        @Override
        public byte[] serialize(Long checkpointId) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(8);
            out.writeLong(checkpointId);
            return out.getCopyOfBuffer();
        }

        @Override
        public Long deserialize(int version, byte[] serialized) throws IOException {
            if (version != CURRENT_VERSION) {
                throw new IOException("unknown ModelStoreSink writer state version " + version);
            }
            return new DataInputDeserializer(serialized).readLong();
        }
    }

    /** Builder of {@link ModelStoreSink}. Required: {@code store}. */
    public static final class Builder {
        private ModelStore store;
        private String owner;
        private boolean takeOver;
        private int commitRetries = DEFAULT_COMMIT_RETRIES;

        private Builder() {}

        /**
         * The owner name to claim each model id under ({@link org.gsamflink.modelstore.ModelOwnership}); a model id
         * another owner claimed fails the job. Unset: no claims (a store with one writer).
         */
        public Builder owner(String owner) {
            this.owner = org.gsamflink.modelstore.ModelOwnership.checkOwner(owner);
            return this;
        }

        /** Take over model ids another owner claimed (the new job of a migration); needs {@link #owner}. */
        public Builder takeOver(boolean takeOver) {
            this.takeOver = takeOver;
            return this;
        }

        /** Attempts to commit one snapshot on file-system errors before giving it up with an error; >= 1. */
        public Builder commitRetries(int commitRetries) {
            if (commitRetries < 1) {
                throw new IllegalArgumentException("commitRetries must be >= 1, got " + commitRetries);
            }
            this.commitRetries = commitRetries;
            return this;
        }

        /** The store to publish into; required. */
        public Builder store(ModelStore store) {
            this.store = Objects.requireNonNull(store, "store must not be null");
            return this;
        }

        public ModelStoreSink build() {
            if (store == null) {
                throw new IllegalArgumentException("store is required");
            }
            if (takeOver && owner == null) {
                throw new IllegalArgumentException("takeOver needs an owner");
            }
            return new ModelStoreSink(store, new StoreWriterIdentity(owner, takeOver), commitRetries);
        }
    }
}
