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
 * <p>The writer's state is only the id of the last checkpoint it took part in, which it uses to label staged
 * snapshots with the checkpoint that will commit them.
 */
public final class ModelStoreSink implements Sink<ModelSnapshot>, SupportsWriterState<ModelSnapshot, Long>,
        SupportsCommitter<SnapshotCommittable> {

    private static final long serialVersionUID = 1L;

    /** The directory under the store root where snapshots wait for their checkpoint: the store's staging area. */
    public static final String STAGING_DIRECTORY = ModelStore.STAGING_DIRECTORY;

    private final ModelStore store;

    ModelStoreSink(ModelStore store) {
        this.store = store;
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
        return new ModelStoreSinkWriter(store, last, context.metricGroup().counter("snapshotsRefused"));
    }

    @Override
    public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
        return new CheckpointIdSerializer();
    }

    @Override
    public Committer<SnapshotCommittable> createCommitter(CommitterInitContext context) {
        return new ModelStoreCommitter(store);
    }

    @Override
    public SimpleVersionedSerializer<SnapshotCommittable> getCommittableSerializer() {
        return SnapshotCommittableSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "ModelStoreSink{" + store + '}';
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

        private Builder() {}

        /** The store to publish into; required. */
        public Builder store(ModelStore store) {
            this.store = Objects.requireNonNull(store, "store must not be null");
            return this;
        }

        public ModelStoreSink build() {
            if (store == null) {
                throw new IllegalArgumentException("store is required");
            }
            return new ModelStoreSink(store);
        }
    }
}
