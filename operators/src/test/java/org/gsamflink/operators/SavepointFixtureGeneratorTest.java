package org.gsamflink.operators;

import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.gsamflink.operators.store.ModelStoreSink;
import org.gsamflink.operators.store.SnapshotCommittable;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.operators.SavepointFixtures.CHECKPOINT_ID;
import static org.gsamflink.operators.SavepointFixtures.CHECKPOINT_TIME;
import static org.gsamflink.operators.SavepointFixtures.CURRENT_RELEASE;
import static org.gsamflink.operators.SavepointFixtures.MODEL_IDS;
import static org.gsamflink.operators.SavepointFixtures.last;
import static org.gsamflink.operators.SavepointFixtures.parameters;
import static org.gsamflink.operators.SavepointFixtures.snapshots;
import static org.gsamflink.operators.SavepointFixtures.sum;

/**
 * Writes the savepoint fixtures of {@link SavepointFixtures#CURRENT_RELEASE} with the code of this checkout. Never
 * runs in CI: only with {@code -Dgsam.writeSavepointFixtures=true}. See {@link SavepointCompatibilityTest} for when
 * and how to run it:
 *
 * <pre>{@code
 * ./mvnw -o -B -q -pl operators -am test -Dtest=SavepointFixtureGeneratorTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dgsam.writeSavepointFixtures=true
 * }</pre>
 *
 * It writes into {@code operators/src/test/resources/savepoints/} (or {@code -Dgsam.savepointFixtureDir=...}):
 * <ul>
 *   <li>{@code training-operator-<release>.snapshot}: the training operator's state at the checkpoint of the
 *       {@link SavepointFixtures} scenario, and {@code training-operator-<release>.properties}, the facts a restore
 *       must reproduce. It refuses to overwrite them: a release's fixture is written once.</li>
 *   <li>{@code snapshot-committable-v<n>.bin} and {@code model-store-writer-state-v<n>.bin} (with their
 *       {@code .properties}) for the current format versions of the model-store sink's serializers, unless a
 *       fixture of that format version exists already (then it is kept).</li>
 * </ul>
 */
@EnabledIfSystemProperty(named = "gsam.writeSavepointFixtures", matches = "true")
class SavepointFixtureGeneratorTest {

    private static Path fixtureDir() throws Exception {
        Path dir = Path.of(System.getProperty("gsam.savepointFixtureDir",
                "src/test/resources/" + SavepointFixtures.RESOURCE_FOLDER));
        Files.createDirectories(dir);
        return dir;
    }

    @Test
    void writeTrainingOperatorSnapshot() throws Exception {
        Path dir = fixtureDir();
        Path snapshotFile = dir.resolve(SavepointFixtures.operatorSnapshotFile(CURRENT_RELEASE));
        Path factsFile = dir.resolve(SavepointFixtures.operatorFactsFile(CURRENT_RELEASE));
        assertThat(snapshotFile)
                .as("the fixture of release %s exists already; fixtures are never regenerated (they stand for "
                        + "savepoints users have): set SavepointFixtures.CURRENT_RELEASE to the new release",
                        CURRENT_RELEASE)
                .doesNotExist();
        assertThat(factsFile).doesNotExist();

        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("release", CURRENT_RELEASE);
        facts.put("flinkVersion", EnvironmentInformation.getVersion());
        facts.put("checkpointId", Long.toString(CHECKPOINT_ID));
        facts.put("checkpointTimestamp", Long.toString(CHECKPOINT_TIME));

        try (var h = SavepointFixtures.harness()) {
            h.open();
            Map<String, Integer> rowsFed = SavepointFixtures.trainUntilCheckpoint(h);
            List<StepMetrics> metrics = h.extractOutputValues();
            List<ModelSnapshot> snaps = snapshots(h);
            for (String id : MODEL_IDS) {
                StepMetrics m = last(metrics, s -> s.modelId, id, "step metrics");
                ModelSnapshot s = last(snaps, x -> x.modelId, id, "model snapshot");
                assertThat(s.version).isEqualTo(m.step);
                assertThat(GsamState.decode(s.optimizerState).step()).isEqualTo(m.step);
                facts.put(id + ".step", Long.toString(m.step));
                facts.put(id + ".examplesSeen", Long.toString(s.examplesSeen));
                facts.put(id + ".pendingExamples", Long.toString(rowsFed.get(id) - s.examplesSeen));
            }

            OperatorSubtaskState state = h.snapshot(CHECKPOINT_ID, CHECKPOINT_TIME);
            facts.put("keyedStateEntries", Integer.toString(h.numKeyedStateEntries()));
            facts.put("processingTimeTimers", Integer.toString(h.numProcessingTimeTimers()));
            OperatorSnapshotUtil.writeStateHandle(state, snapshotFile.toString());

            // The same harness continues as an uninterrupted job would; a restore must do exactly the same.
            SavepointFixtures.Continuation next = SavepointFixtures.continueAfterCheckpoint(h);
            for (String id : MODEL_IDS) {
                StepMetrics m = next.metrics().get(id);
                ModelSnapshot s = next.snapshots().get(id);
                double[] params = parameters(s);
                String p = id + ".next.";
                facts.put(p + "step", Long.toString(m.step));
                facts.put(p + "examples", Long.toString(m.examples));
                facts.put(p + "timestampMs", Long.toString(m.timestampMs));
                facts.put(p + "cleanLoss", Double.toString(m.cleanLoss));
                facts.put(p + "perturbedLoss", Double.toString(m.perturbedLoss));
                facts.put(p + "accuracy", Double.toString(m.accuracy));
                facts.put(p + "examplesSeen", Long.toString(s.examplesSeen));
                facts.put(p + "numParams", Integer.toString(params.length));
                facts.put(p + "paramsSum", Double.toString(sum(params)));
                facts.put(p + "firstParams", Arrays.stream(params).limit(4).mapToObj(Double::toString)
                        .collect(Collectors.joining(",")));
            }
        }
        SavepointFixtures.writeFacts(factsFile, "What a restore of " + snapshotFile.getFileName() + " must reproduce "
                + "(written by SavepointFixtureGeneratorTest; never edit).\n"
                + "<id>.step/.examplesSeen/.pendingExamples: the model at the checkpoint; <id>.next.*: its first step "
                + "after it,\nas the uninterrupted job trained it (see SavepointFixtures for the scenario).", facts);
    }

    @Test
    void writeModelStoreSinkState(@TempDir Path storeRoot) throws Exception {
        Path dir = fixtureDir();
        ModelStoreSink sink = ModelStoreSink.forRoot(storeRoot.toUri().toString(), 1);

        SimpleVersionedSerializer<SnapshotCommittable> committables = sink.getCommittableSerializer();
        SnapshotCommittable committable = new SnapshotCommittable(SavepointFixtures.COMMITTABLE_MODEL_ID,
                SavepointFixtures.COMMITTABLE_VERSION, SavepointFixtures.COMMITTABLE_CHECKPOINT_ID,
                SavepointFixtures.COMMITTABLE_STAGING_PATH);
        Path committableFile = dir.resolve(SavepointFixtures.committableFile(committables.getVersion()));
        if (!Files.exists(committableFile)) {
            Files.write(committableFile,
                    SimpleVersionedSerialization.writeVersionAndSerialize(committables, committable));
            SavepointFixtures.writeFacts(
                    dir.resolve(SavepointFixtures.committableFactsFile(committables.getVersion())),
                    "The SnapshotCommittable in " + committableFile.getFileName() + " (written by "
                            + "SavepointFixtureGeneratorTest with release " + CURRENT_RELEASE + "; never edit).",
                    Map.of("modelId", committable.modelId(),
                            "version", Long.toString(committable.version()),
                            "checkpointId", Long.toString(committable.checkpointId()),
                            "stagingPath", committable.stagingPath()));
        }

        SimpleVersionedSerializer<Long> writerState = sink.getWriterStateSerializer();
        Path writerStateFile = dir.resolve(SavepointFixtures.writerStateFile(writerState.getVersion()));
        if (!Files.exists(writerStateFile)) {
            Files.write(writerStateFile, SimpleVersionedSerialization.writeVersionAndSerialize(writerState,
                    SavepointFixtures.WRITER_STATE_CHECKPOINT_ID));
            SavepointFixtures.writeFacts(
                    dir.resolve(SavepointFixtures.writerStateFactsFile(writerState.getVersion())),
                    "The model-store sink writer state in " + writerStateFile.getFileName() + " (written by "
                            + "SavepointFixtureGeneratorTest with release " + CURRENT_RELEASE + "; never edit).",
                    Map.of("lastCheckpointId", Long.toString(SavepointFixtures.WRITER_STATE_CHECKPOINT_ID)));
        }
    }
}
