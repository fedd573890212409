package org.gsamflink.operators.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.StagedVersion;
import org.gsamflink.operators.Finiteness;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stages each snapshot in the store ({@link ModelStore#stage}) as it arrives and hands the staged snapshots to the
 * committer at each checkpoint. See {@link ModelStoreSink}. It knows nothing about the store's file layout.
 *
 * <p>A snapshot whose parameters or updater state hold a NaN or infinite value ({@link Finiteness#zipProblem}) is
 * refused: not staged, counted ({@code snapshotsRefused}) and logged, rate-limited. It is dropped rather than
 * failing the write because a failure would restart the job from its last checkpoint, which replays the same
 * snapshot and fails again: a crash loop that stops every other model's training too. The store keeps the model's
 * last good version, which is what readers should get.
 */
final class ModelStoreSinkWriter implements StatefulSinkWriter<ModelSnapshot, Long>,
        CommittingSinkWriter<ModelSnapshot, SnapshotCommittable> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreSinkWriter.class);

    private final ModelStore store;
    private final StoreWriterIdentity.Claims claims;
    private final List<SnapshotCommittable> staged = new ArrayList<>();
    /** The last checkpoint this writer took part in; snapshots staged now are committed by the next one. */
    private long lastCheckpointId;
    private final Counter refused;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG);

    ModelStoreSinkWriter(ModelStore store, long lastCheckpointId) throws IOException {
        this(store, StoreWriterIdentity.NONE, lastCheckpointId, new SimpleCounter());
    }

    /**
     * @param identity the owner it claims each model id under before staging its first snapshot
     * @param refused counts the snapshots refused for non-finite values
     */
    ModelStoreSinkWriter(ModelStore store, StoreWriterIdentity identity, long lastCheckpointId, Counter refused)
            throws IOException {
        this.store = store;
        this.claims = identity.new Claims(store);
        this.lastCheckpointId = lastCheckpointId;
        this.refused = refused;
    }

    /** Snapshots refused so far. */
    long refusedSnapshots() {
        return refused.getCount();
    }

    @Override
    public void write(ModelSnapshot snapshot, Context context) throws IOException {
        String modelId = ModelIds.validate(snapshot.modelId);
        if (snapshot.modelBytes == null || snapshot.optimizerState == null) {
            throw new IllegalArgumentException("snapshot " + snapshot + " has no model bytes or optimizer state");
        }
        String problem = Finiteness.zipProblem(snapshot.modelBytes);
        if (problem != null) {
            refused.inc();
            warnings.warn("snapshot-refused", "Refusing to store model {} version {}: {}; the store keeps its last "
                    + "good version", modelId, snapshot.version, problem);
            return;
        }
        // Fenced: a model id another job owns (or took over) fails this job, and no restart changes that.
        claims.check(modelId);
        long checkpointId = lastCheckpointId + 1;
        ModelMetadata metadata = ModelMetadata.builder()
                .modelId(modelId)
                .version(snapshot.version)
                .timestampMs(snapshot.timestampMs)
                .checkpointId(checkpointId)
                .metrics(metrics(snapshot))
                .modelConfig(snapshot.networkConfigJson)
                .build();
        // The store writes the files once, into its staging area; it rejects the reserved id STAGING_DIRECTORY.
        StagedVersion version = store.stage(ModelVersion.of(metadata, snapshot.modelBytes, snapshot.optimizerState));
        staged.add(new SnapshotCommittable(modelId, snapshot.version, checkpointId, version.location()));
    }

    /** The snapshot's metrics summary plus {@code examplesSeen}. */
    private static Map<String, Object> metrics(ModelSnapshot snapshot) throws IOException {
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (snapshot.metricsJson != null && !snapshot.metricsJson.isBlank()) {
            metrics.putAll(JSON.readValue(snapshot.metricsJson, new TypeReference<Map<String, Object>>() {}));
        }
        metrics.put("examplesSeen", snapshot.examplesSeen);
        return metrics;
    }

    @Override
    public void flush(boolean endOfInput) {
        // Every snapshot is written (and synced) in write().
    }

    @Override
    public Collection<SnapshotCommittable> prepareCommit() {
        List<SnapshotCommittable> out = new ArrayList<>(staged);
        staged.clear();
        return out;
    }

    @Override
    public List<Long> snapshotState(long checkpointId) {
        if (checkpointId <= lastCheckpointId) {
            throw new IllegalStateException("checkpoint ids must increase: got " + checkpointId + " after "
                    + lastCheckpointId);
        }
        lastCheckpointId = checkpointId;
        return List.of(checkpointId);
    }

    @Override
    public void close() {
        // Staged snapshots that no checkpoint took stay behind; see ModelStoreSink.
    }
}
