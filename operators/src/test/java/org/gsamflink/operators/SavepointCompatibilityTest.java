package org.gsamflink.operators;

import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.gsamflink.operators.store.ModelStoreSink;
import org.gsamflink.operators.store.SnapshotCommittable;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.gsamflink.operators.SavepointFixtures.CHECKPOINT_TIME;
import static org.gsamflink.operators.SavepointFixtures.MODEL_IDS;
import static org.gsamflink.operators.SavepointFixtures.parameters;
import static org.gsamflink.operators.SavepointFixtures.sum;

/**
 * Savepoints of released versions restore with the current code, as Flink's own state-migration tests check it:
 * each release left a fixture, the training operator's state at a checkpoint written by the code of that release,
 * plus the facts the uninterrupted job showed after it. This test restores every fixture into a fresh operator
 * with the same configuration ({@link SavepointFixtures}) and checks that the state is all there (both models,
 * their step counters and examples seen, their pending examples and batch timers) and that training continues
 * exactly: the next step of each model has the recorded number, loss, accuracy and resulting parameters. It also
 * reads the model-store sink's committable and writer-state fixtures with the current serializers.
 *
 * <p>Only the operator's stable API is used: its constructor, its {@link StepMetrics} main output and its
 * {@link ModelSnapshot} side output. The clean loss of the next step is computed from the restored parameters,
 * so it checks them; the parameters after the step also check the restored updater and RNG state.
 *
 * <h2>Fixtures are never regenerated</h2>
 *
 * The files under {@code operators/src/test/resources/savepoints/} stand for savepoints that users have. Keep
 * every one of them; never regenerate or edit one, not even when this test fails: a failure means the current
 * code can no longer restore a released savepoint, which must be fixed in the code (e.g. with a serializer
 * snapshot that reads the old format), or announced as a breaking change and only then the fixture retired.
 *
 * <h2>Adding the fixture of a new release</h2>
 *
 * With the code of the release being cut (its savepoint format is what users will have):
 * <ol>
 *   <li>set {@link SavepointFixtures#CURRENT_RELEASE} to the new version (e.g. {@code 0.2.0});</li>
 *   <li>run the generator, which never runs in CI:
 *       <pre>{@code
 * ./mvnw -o -B -q -pl operators -am test -Dtest=SavepointFixtureGeneratorTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dgsam.writeSavepointFixtures=true
 *       }</pre>
 *       It writes {@code training-operator-<release>.snapshot} and {@code .properties}, and refuses to overwrite
 *       an existing release's fixture. For the sink it writes {@code snapshot-committable-v<n>.bin} and
 *       {@code model-store-writer-state-v<n>.bin} only when the serializers have a new format version {@code n};
 *       older versions' files stay;</li>
 *   <li>add the release to {@link #RELEASES} (and a new sink format version to {@link #COMMITTABLE_VERSIONS} /
 *       {@link #WRITER_STATE_VERSIONS}), run this test, and commit the new files.</li>
 * </ol>
 * Never change the scenario in {@link SavepointFixtures}: the old fixtures were written from it.
 */
class SavepointCompatibilityTest {

    /** Every release whose savepoint fixture must restore; add, never remove. */
    static final List<String> RELEASES = List.of("0.1.0");
    /** The format versions of the committable fixtures. */
    static final List<Integer> COMMITTABLE_VERSIONS = List.of(1);
    /** The format versions of the writer-state fixtures. */
    static final List<Integer> WRITER_STATE_VERSIONS = List.of(1);

    static List<String> releases() {
        return RELEASES;
    }

    static List<Integer> committableVersions() {
        return COMMITTABLE_VERSIONS;
    }

    static List<Integer> writerStateVersions() {
        return WRITER_STATE_VERSIONS;
    }

    /** Losses and parameters may differ in the last bits on other CPUs (ND4J kernels); they match to 1e-6. */
    private static final double TOLERANCE = 1e-6;

    private static long longFact(Properties facts, String key) {
        return Long.parseLong(fact(facts, key));
    }

    private static double doubleFact(Properties facts, String key) {
        return Double.parseDouble(fact(facts, key));
    }

    private static String fact(Properties facts, String key) {
        String v = facts.getProperty(key);
        assertThat(v).as("the fixture facts have no '%s'", key).isNotNull();
        return v;
    }

    @ParameterizedTest(name = "the savepoint of release {0}")
    @MethodSource("releases")
    void aReleasedSavepointRestoresAndTrainingContinuesExactly(String release) throws Exception {
        Properties facts = SavepointFixtures.readFacts(SavepointFixtures.operatorFactsFile(release));
        assertThat(fact(facts, "release")).isEqualTo(release);
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(
                SavepointFixtures.fixture(SavepointFixtures.operatorSnapshotFile(release)).toString());

        try (var h = SavepointFixtures.harness()) {
            h.setProcessingTime(CHECKPOINT_TIME);
            h.initializeState(state);
            h.open();

            // All keyed state (model state and pending batch of both models) and both batch timers came back.
            assertThat(h.numKeyedStateEntries()).as("keyed state entries restored from the %s savepoint", release)
                    .isEqualTo((int) longFact(facts, "keyedStateEntries"));
            assertThat(h.numProcessingTimeTimers()).as("batch timers restored from the %s savepoint", release)
                    .isEqualTo((int) longFact(facts, "processingTimeTimers"));
            assertThat(h.extractOutputValues()).as("a restore alone trains nothing").isEmpty();

            // The pending examples are still there: completing a's batch and firing b's timer trains one step each.
            SavepointFixtures.Continuation next = SavepointFixtures.continueAfterCheckpoint(h);

            for (String id : MODEL_IDS) {
                StepMetrics m = next.metrics().get(id);
                ModelSnapshot s = next.snapshots().get(id);
                String p = id + ".next.";
                long stepAtCheckpoint = longFact(facts, id + ".step");
                long pending = longFact(facts, id + ".pendingExamples");
                long seenAtCheckpoint = longFact(facts, id + ".examplesSeen");

                assertThat(m.step).as("model %s: the step counter continues from the checkpoint's", id)
                        .isEqualTo(stepAtCheckpoint + 1)
                        .isEqualTo(longFact(facts, p + "step"));
                assertThat(m.examples).as("model %s: the step trains the restored pending examples", id)
                        .isEqualTo(longFact(facts, p + "examples"));
                if (id.equals(SavepointFixtures.MODEL_A)) {
                    assertThat(m.examples).isEqualTo(pending + SavepointFixtures.continuationRecordsOfA().size());
                } else {
                    assertThat(m.examples).isEqualTo(pending);
                }
                assertThat(m.timestampMs).isEqualTo(longFact(facts, p + "timestampMs"));
                assertThat(m.cleanLoss).as("model %s: the loss of the next step (from the restored parameters)", id)
                        .isCloseTo(doubleFact(facts, p + "cleanLoss"), within(TOLERANCE));
                assertThat(m.perturbedLoss).as("model %s: the perturbed loss of the next step", id)
                        .isCloseTo(doubleFact(facts, p + "perturbedLoss"), within(TOLERANCE));
                assertThat(m.accuracy).as("model %s: the prequential accuracy of the next step", id)
                        .isEqualTo(doubleFact(facts, p + "accuracy"));

                assertThat(s.version).isEqualTo(m.step);
                assertThat(GsamState.decode(s.optimizerState).step()).isEqualTo(m.step);
                assertThat(s.examplesSeen).as("model %s: examples seen continue from the checkpoint's", id)
                        .isEqualTo(seenAtCheckpoint + m.examples)
                        .isEqualTo(longFact(facts, p + "examplesSeen"));
                double[] params = parameters(s);
                assertThat(params).hasSize((int) longFact(facts, p + "numParams"));
                assertThat(sum(params)).as("model %s: the sum of the parameters after the next step", id)
                        .isCloseTo(doubleFact(facts, p + "paramsSum"), within(TOLERANCE));
                double[] first = Arrays.stream(fact(facts, p + "firstParams").split(","))
                        .mapToDouble(Double::parseDouble).toArray();
                assertThat(Arrays.copyOf(params, first.length))
                        .as("model %s: the first parameters after the next step", id)
                        .containsExactly(first, within(TOLERANCE));
            }
        }
    }

    @ParameterizedTest(name = "the committable of format version {0}")
    @MethodSource("committableVersions")
    void aReleasedCommittableReadsBack(int version, @TempDir Path storeRoot) throws Exception {
        Properties facts = SavepointFixtures.readFacts(SavepointFixtures.committableFactsFile(version));
        byte[] bytes = Files.readAllBytes(SavepointFixtures.fixture(SavepointFixtures.committableFile(version)));
        SnapshotCommittable c = SimpleVersionedSerialization.readVersionAndDeSerialize(
                sink(storeRoot).getCommittableSerializer(), bytes);
        assertThat(c).isEqualTo(new SnapshotCommittable(fact(facts, "modelId"), longFact(facts, "version"),
                longFact(facts, "checkpointId"), fact(facts, "stagingPath")));
    }

    @ParameterizedTest(name = "the writer state of format version {0}")
    @MethodSource("writerStateVersions")
    void aReleasedWriterStateReadsBack(int version, @TempDir Path storeRoot) throws Exception {
        Properties facts = SavepointFixtures.readFacts(SavepointFixtures.writerStateFactsFile(version));
        byte[] bytes = Files.readAllBytes(SavepointFixtures.fixture(SavepointFixtures.writerStateFile(version)));
        Long lastCheckpointId = SimpleVersionedSerialization.readVersionAndDeSerialize(
                sink(storeRoot).getWriterStateSerializer(), bytes);
        assertThat(lastCheckpointId).isEqualTo(longFact(facts, "lastCheckpointId"));
    }

    /** The lists above name exactly the committed fixtures: none is forgotten, none is missing. */
    @Test
    void everyCommittedFixtureIsChecked() throws IOException {
        Path folder = SavepointFixtures.fixtureFolder();
        List<String> expected = Stream.of(
                RELEASES.stream().flatMap(r -> Stream.of(SavepointFixtures.operatorSnapshotFile(r),
                        SavepointFixtures.operatorFactsFile(r))),
                COMMITTABLE_VERSIONS.stream().flatMap(v -> Stream.of(SavepointFixtures.committableFile(v),
                        SavepointFixtures.committableFactsFile(v))),
                WRITER_STATE_VERSIONS.stream().flatMap(v -> Stream.of(SavepointFixtures.writerStateFile(v),
                        SavepointFixtures.writerStateFactsFile(v))))
                .flatMap(s -> s).sorted().toList();
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .as("the fixtures in %s: add a new release to RELEASES (a new sink format version to "
                            + "COMMITTABLE_VERSIONS / WRITER_STATE_VERSIONS), and keep every old one", folder)
                    .containsExactlyElementsOf(expected);
        }
        assertThat(RELEASES).contains(SavepointFixtures.CURRENT_RELEASE);
    }

    private static ModelStoreSink sink(Path storeRoot) {
        return ModelStoreSink.forRoot(storeRoot.toUri().toString(), 1);
    }
}
