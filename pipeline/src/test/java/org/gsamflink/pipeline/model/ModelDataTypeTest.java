package org.gsamflink.pipeline.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamConfig;
import org.gsamflink.optimizer.StepResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each configurable model dtype trains with GSAM on ND4J's CPU backend and keeps its type end to end. */
class ModelDataTypeTest {

    /** A separable 2-class problem: the label is the sign of the first feature. */
    private static DataSet batch(Random r, ModelDataType type) {
        int n = 32;
        float[] x = new float[n * 8];
        float[] y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 8; j++) {
                x[i * 8 + j] = (float) r.nextGaussian();
            }
            y[i * 2 + (x[i * 8] > 0 ? 1 : 0)] = 1f;
        }
        INDArray xs = Nd4j.create(x, new long[] {n, 8}).castTo(type.nd4j());
        INDArray ys = Nd4j.create(y, new long[] {n, 2}).castTo(type.nd4j());
        return new DataSet(xs, ys);
    }

    @ParameterizedTest
    @EnumSource(ModelDataType.class)
    void gsamTrainsAtEveryDtype(ModelDataType type) {
        MultiLayerNetwork net = ModelFactory.builder().updater(UpdaterKind.ADAM).learningRate(0.01).labelSmoothing(0)
                .dataType(type).build().create(NetworkSpec.parse("mlp:8-16-2"));
        assertThat(net.params().dataType()).isEqualTo(type.nd4j());
        Random r = new Random(3);
        double first = Double.NaN;
        double last = Double.NaN;
        try (Gsam gsam = new Gsam(net, GsamConfig.gsam(0.1, 0.05))) {
            for (int i = 0; i < 60; i++) {
                StepResult s = gsam.step(batch(r, type));
                assertThat(s.skipped()).as("step %d at %s", i, type).isFalse();
                if (i == 0) {
                    first = s.cleanLoss();
                }
                last = s.cleanLoss();
            }
            assertThat(last).as(type.configName()).isLessThan(first * 0.8);
            assertThat(net.params().dataType()).isEqualTo(type.nd4j());
            // The optimizer state round-trips at the model's dtype.
            byte[] state = gsam.exportState();
            MultiLayerNetwork copy = ModelFactory.builder().updater(UpdaterKind.ADAM).learningRate(0.01)
                    .labelSmoothing(0).dataType(type).build().create(NetworkSpec.parse("mlp:8-16-2"));
            try (Gsam restored = new Gsam(copy, GsamConfig.gsam(0.1, 0.05))) {
                restored.importState(state);
                assertThat(copy.params().dataType()).isEqualTo(type.nd4j());
                assertThat(copy.params()).isEqualTo(net.params());
            }
        }
    }

    @Test
    void parsingNamesTheAllowedValues() {
        assertThat(ModelDataType.parse("Float16")).isEqualTo(ModelDataType.FLOAT16);
        assertThatThrownBy(() -> ModelDataType.parse("bfloat16"))
                .hasMessage("dtype must be one of float32, float64, float16; got 'bfloat16'");
    }
}
