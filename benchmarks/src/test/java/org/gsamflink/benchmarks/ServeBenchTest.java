package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The serving benchmark's requests and report, without running anything timed. */
class ServeBenchTest {

    private static final RecordLimits SERVING_LIMITS = RecordLimits.builder().anyWidth().maxRecordBytes(16 << 20)
            .maxRowsPerRecord(4096).build();

    @Test
    void requestsDecodeInTheServingJobsFormatsToTheBareLoopsInputs() throws Exception {
        for (int batch : new int[] {1, 64}) {
            List<INDArray> inputs = ServeBenchMain.inputs(batch);
            List<byte[]> payloads = ServeTraffic.encode(inputs, ServeJob.MODEL_ID);
            RecordFormat format = RecordFormat.create(batch == 1 ? "json" : "binary", "default", SERVING_LIMITS,
                    ',', -1);
            assertThat(payloads).hasSameSizeAs(inputs);
            for (int i = 0; i < inputs.size(); i += 7) {
                PredictionRequest r = format.decodeRequest(payloads.get(i));
                assertThat(r.modelId).isEqualTo(ServeJob.MODEL_ID);
                assertThat(r.rows).isEqualTo(batch);
                assertThat(r.numFeatures).isEqualTo(BenchModel.INPUTS);
                assertThat(r.features).containsExactly(inputs.get(i).dup('c').data().asFloat());
            }
        }
    }

    @Test
    void theNetworkIsTheMlp784x256x10() {
        MultiLayerNetwork net = new MultiLayerNetwork(ServeBenchMain.mlp(1));
        net.init();
        assertThat(net.numParams()).isEqualTo(784L * 256 + 256 + 256 * 10 + 10);
    }

    @Test
    void theReportHasOneRowPerVariantAndOnePerPollInterval() {
        Samples ms = new Samples(new double[] {1, 2, 3, 4});
        ServeReport.Row row = new ServeReport.Row(1, new ServeReport.Bare(1000, ms, 0.1),
                new ServeReport.Max(100, 400, Map.of("Flink task threads (decode, train)", 0.5), 0.2),
                new ServeReport.Bare(1000, ms, 0.1), new ServeReport.Sustained(100, 100, ms, 0.3), null);
        String md = ServeReport.markdown(new ServeReport.Plan("test machine", 203_530, 0.25, 15_000, 3_000, 200, ""),
                List.of(row), List.of(new ServeReport.Swaps(1000, true, List.of(500L, 700L), List.of(40.0))));
        assertThat(md).contains("Machine: test machine.")
                .contains("| 1 row, JSON | serving job | max throughput: backlog of 100 requests | 400 | — | — | **0.40** | 0.20 cores |")
                .contains("| 1 row, JSON | serving job | sustained 100 requests/s (25 % of max) | 100 | 2.5 ms")
                .contains("Flink task threads (decode, predict, sink) 0.5 ms")
                .contains("| 1 s (default) | 2 | 600 ms | 700 ms | 500 ms |")
                .doesNotContain("buffer-timeout");
    }
}
