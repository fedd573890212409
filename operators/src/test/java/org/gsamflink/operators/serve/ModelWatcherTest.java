package org.gsamflink.operators.serve;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.FeatureStandardizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.operators.serve.ServingTestModels.publish;

/** {@link ModelWatcher}: which committed version each model serves, polled by hand. */
class ModelWatcherTest {

    @TempDir
    Path dir;

    private ModelStore store() {
        return ModelStore.builder().root(dir.toUri().toString()).build();
    }

    private ModelWatcher watcher(VersionGate gate) {
        ModelWatcher w = new ModelWatcher(ServingOptions.builder().storeRoot(dir.toUri().toString()).gate(gate)
                .build(), id -> !id.startsWith("other"), () -> 1234L);
        w.open();
        return w;
    }

    @Test
    void opensWithTheNewestCommittedVersionOfEachOwnedModel() throws Exception {
        ModelStore store = store();
        publish(store, "a", 1, 0.5);
        publish(store, "a", 7, 0.5);
        publish(store, "b", 3, 0.5);
        publish(store, "other-subtask", 2, 0.5);

        ModelWatcher w = watcher(VersionGate.none());

        assertThat(w.current("a").version()).isEqualTo(7);
        assertThat(w.current("b").version()).isEqualTo(3);
        assertThat(w.current("other-subtask")).as("keyBy sends it to another subtask").isNull();
        assertThat(w.current("a").numFeatures()).isEqualTo(ServingTestModels.FEATURES);
        assertThat(w.current("a").numClasses()).isEqualTo(ServingTestModels.CLASSES);
        assertThat(w.servedModels()).isEqualTo(2);
    }

    @Test
    void aVersionTrainedWithStandardizationIsServedOnStandardizedFeatures() throws Exception {
        ModelStore store = store();
        FeatureStandardizer stats = new FeatureStandardizer(ServingTestModels.FEATURES, 3);
        float[] seen = {100, -5, 0.5f, 7, 120, -3, 0.25f, 9, 90, -4, 0.75f, 8};
        stats.accept(stats.prepare(seen, 3));
        MultiLayerNetwork net = publish(store, "a", 1, 0.5, stats);
        FeatureStandardizer narrow = new FeatureStandardizer(ServingTestModels.FEATURES - 1, 3);
        narrow.accept(narrow.prepare(new float[] {1, 2, 3}, 1));
        publish(store, "b", 1, 0.5, narrow);

        ModelWatcher w = watcher(VersionGate.none());

        float[] request = {110, -4, 0.5f, 8, 1e9f, 0, 0, 0};
        ServedModel.Output out = w.current("a").predict(request, 2);
        INDArray expected = net.output(Nd4j.create(stats.transform(request, 2), new long[] {2, 4}, 'c'), false);
        assertThat(out.probabilities()).isEqualTo(expected.toFloatMatrix());
        assertThat(w.current("a").toString()).contains("standardized");
        assertThat(w.current("b")).as("statistics of another width: not servable").isNull();
    }

    @Test
    void aPollSwapsToANewerVersionAndFindsNewModels() throws Exception {
        ModelStore store = store();
        publish(store, "a", 1, 0.5);
        ModelWatcher w = watcher(VersionGate.none());
        ServedModel first = w.current("a");

        publish(store, "a", 2, 0.5);
        publish(store, "c", 1, 0.5);
        w.poll();

        assertThat(w.current("a").version()).isEqualTo(2);
        assertThat(w.current("a")).isNotSameAs(first);
        assertThat(w.current("c").version()).isEqualTo(1);
        assertThat(w.swaps()).isEqualTo(3);
    }

    @Test
    void aCorruptVersionIsSkippedAndTheServedVersionStays() throws Exception {
        ModelStore store = store();
        publish(store, "a", 1, 0.5);
        ModelWatcher w = watcher(VersionGate.none());
        publish(store, "a", 2, 0.5);
        Path zip = dir.resolve("a").resolve(ModelStore.versionDirectoryName(2)).resolve(ModelStore.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(zip);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(zip, bytes);

        w.poll();
        w.poll();   // judged once: no retry loop

        assertThat(w.current("a").version()).isEqualTo(1);
        publish(store, "a", 3, 0.5);
        w.poll();
        assertThat(w.current("a").version()).isEqualTo(3);
    }

    @Test
    void theGateRefusesAWorseVersionOnceAndServesTheNextGoodOne() throws Exception {
        ModelStore store = store();
        publish(store, "a", 1, 0.90);
        ModelWatcher w = watcher(VersionGate.maxAccuracyDrop(0.05));

        publish(store, "a", 2, 0.80);
        w.poll();
        w.poll();

        assertThat(w.current("a").version()).isEqualTo(1);
        assertThat(w.drainRefusals()).singleElement().satisfies(r -> {
            assertThat(r.modelId()).isEqualTo("a");
            assertThat(r.version()).isEqualTo(2);
            assertThat(r.servingVersion()).isEqualTo(1);
            assertThat(r.reason()).isEqualTo("its recent accuracy 0.8000 is below version 1's 0.9000 minus the "
                    + "margin 0.0500");
            assertThat(r.atMs()).isEqualTo(1234L);
        });
        assertThat(w.drainRefusals()).isEmpty();

        publish(store, "a", 3, 0.86);
        w.poll();
        assertThat(w.current("a").version()).isEqualTo(3);
    }

    @Test
    void anUnreadableStoreKeepsTheLoadedVersionsServing() throws Exception {
        ModelStore store = store();
        publish(store, "a", 1, 0.5);
        ModelWatcher w = watcher(VersionGate.none());
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

        w.poll();

        assertThat(w.current("a").version()).isEqualTo(1);
    }

    @Test
    void aRequestedModelIsLookedUpAtOnceAtMostOncePerPollInterval() throws Exception {
        long[] now = {10_000};
        ModelWatcher w = new ModelWatcher(ServingOptions.builder().storeRoot(dir.toUri().toString()).build(),
                id -> true, () -> now[0]);
        w.open();
        assertThat(w.currentOrLoad("late")).isNull();

        publish(store(), "late", 1, 0.5);
        assertThat(w.currentOrLoad("late")).as("looked up a moment ago").isNull();
        now[0] += ServingOptions.DEFAULT_POLL_INTERVAL.toMillis();
        assertThat(w.currentOrLoad("late").version()).isEqualTo(1);
        assertThat(w.currentOrLoad("bad id")).isNull();
    }
}
