package org.gsamflink.operators.serve;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.modelstore.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.operators.serve.ServingTestModels.CLASSES;
import static org.gsamflink.operators.serve.ServingTestModels.FEATURES;
import static org.gsamflink.operators.serve.ServingTestModels.publish;

/** {@link ServingFunction} in Flink's keyed test harness, over a real model store. */
class ServingFunctionTest {

    @TempDir
    Path dir;

    private KeyedOneInputStreamOperatorTestHarness<String, PredictionRequest, Prediction> harness(
            ServingOptions.Builder options) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, PredictionRequest, Prediction>(
                new KeyedProcessOperator<>(new ServingFunction(options.storeRoot(dir.toUri().toString()).build())),
                r -> r.modelId, Types.STRING);
        h.open();
        return h;
    }

    private static List<Prediction> predictions(KeyedOneInputStreamOperatorTestHarness<String, ?, Prediction> h) {
        List<Prediction> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof Prediction p) {
                out.add(p);
            }
        }
        return out;
    }

    private static float[] rows(int n) {
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        return x;
    }

    @Test
    void answersEveryRowWithTheNetworksOutputAndItsVersion() throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        publish(store, "m", 3, 0.5);
        MultiLayerNetwork expected = publish(store, "m", 5, 0.5);
        try (var h = harness(ServingOptions.builder())) {
            PredictionRequest r = new PredictionRequest("m", "req-1", 3, FEATURES, rows(3)).from("t", 0, 42, 1000);
            h.processElement(r, 0);

            List<Prediction> out = predictions(h);
            float[][] want = expected.output(Nd4j.create(rows(3), new long[] {3, FEATURES}, 'c'), false)
                    .toFloatMatrix();
            assertThat(out).hasSize(3);
            for (int row = 0; row < 3; row++) {
                Prediction p = out.get(row);
                assertThat(p.modelVersion).isEqualTo(5);
                assertThat(p.requestId).isEqualTo("req-1");
                assertThat(p.row).isEqualTo(row);
                assertThat(p.probabilities).containsExactly(want[row]);
                int best = 0;
                for (int k = 1; k < want[row].length; k++) {
                    best = want[row][k] > want[row][best] ? k : best;
                }
                assertThat(p.predictedClass).isEqualTo(best);
                assertThat(p.sourceOffset).isEqualTo(42);
                assertThat(p.latencyMs).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void aRequestWithoutAVersionOrOfAnotherWidthIsRejectedWithItsReason() throws Exception {
        publish(ModelStore.builder().root(dir.toUri().toString()).build(), "m", 1, 0.5);
        try (var h = harness(ServingOptions.builder())) {
            h.processElement(new PredictionRequest("ghost", null, 1, FEATURES, rows(1)), 0);
            h.processElement(new PredictionRequest("m", "x", 1, FEATURES + 1, new float[FEATURES + 1]), 0);

            assertThat(predictions(h)).isEmpty();
            List<RejectedRequest> rejected = new ArrayList<>();
            h.getSideOutput(ServingFunction.REJECTED).forEach(r -> rejected.add(r.getValue()));
            assertThat(rejected).extracting(r -> r.reason)
                    .containsExactly(RejectedRequest.NO_MODEL, RejectedRequest.WRONG_DIMENSION);
            assertThat(rejected.get(0).detail).startsWith("no committed version of model 'ghost' in ");
            assertThat(rejected.get(1).detail).isEqualTo("5 features, model 'm' version 1 takes 4");
        }
    }

    @Test
    void switchesToANewlyCommittedVersionBetweenTwoRecords() throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        publish(store, "m", 1, 0.5);
        try (var h = harness(ServingOptions.builder().pollInterval(Duration.ofMillis(10)))) {
            h.processElement(new PredictionRequest("m", null, 1, FEATURES, rows(1)), 0);
            publish(store, "m", 2, 0.5);
            long deadline = System.currentTimeMillis() + 30_000;
            while (predictions(h).get(predictions(h).size() - 1).modelVersion == 1
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
                h.processElement(new PredictionRequest("m", null, 1, FEATURES, rows(1)), 0);
            }
            List<Long> versions = predictions(h).stream().map(p -> p.modelVersion).toList();
            assertThat(versions).startsWith(1L).endsWith(2L).isSorted();
            assertThat(predictions(h).get(0).probabilities).hasSize(CLASSES);
        }
    }
}
