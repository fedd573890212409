package org.gsamflink.operators.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.ModelSnapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Stages each snapshot in {@code <root>/.staging/} as it arrives and hands the staged snapshots to the committer
 * at each checkpoint. See {@link ModelStoreSink}.
 */
final class ModelStoreSinkWriter implements StatefulSinkWriter<ModelSnapshot, Long>,
        CommittingSinkWriter<ModelSnapshot, SnapshotCommittable> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path stagingRoot;
    private final List<SnapshotCommittable> staged = new ArrayList<>();
    /** The last checkpoint this writer took part in; snapshots staged now are committed by the next one. */
    private long lastCheckpointId;

    ModelStoreSinkWriter(ModelStore store, long lastCheckpointId) throws IOException {
        this.fs = FileSystem.get(store.root().toUri());
        this.stagingRoot = new Path(store.root(), ModelStoreSink.STAGING_DIRECTORY);
        this.lastCheckpointId = lastCheckpointId;
    }

    @Override
    public void write(ModelSnapshot snapshot, Context context) throws IOException {
        String modelId = ModelIds.validate(snapshot.modelId);
        if (modelId.equals(ModelStoreSink.STAGING_DIRECTORY)) {
            throw new IllegalArgumentException("model id '" + modelId + "' is reserved by the model store sink");
        }
        if (snapshot.modelBytes == null || snapshot.optimizerState == null) {
            throw new IllegalArgumentException("snapshot " + snapshot + " has no model bytes or optimizer state");
        }
        long checkpointId = lastCheckpointId + 1;
        ModelMetadata metadata = ModelMetadata.builder()
                .modelId(modelId)
                .version(snapshot.version)
                .timestampMs(snapshot.timestampMs)
                .checkpointId(checkpointId)
                .metrics(metrics(snapshot))
                .modelConfig(snapshot.networkConfigJson)
                .build();
        Path dir = new Path(new Path(stagingRoot, modelId), ModelStore.versionDirectoryName(snapshot.version)
                + "-c" + checkpointId + "-" + UUID.randomUUID());
        writeFile(new Path(dir, ModelStore.MODEL_FILE), snapshot.modelBytes);
        writeFile(new Path(dir, ModelStore.OPTIMIZER_FILE), snapshot.optimizerState);
        writeFile(new Path(dir, ModelStore.METADATA_FILE), metadata.toJson());
        staged.add(new SnapshotCommittable(modelId, snapshot.version, checkpointId, dir.toUri().toString()));
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

    private void writeFile(Path path, byte[] content) throws IOException {
        try (FSDataOutputStream out = fs.create(path, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(content);
            out.flush();
            out.sync();
        }
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
