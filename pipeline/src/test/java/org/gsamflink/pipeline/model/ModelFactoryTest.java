package org.gsamflink.pipeline.model;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.LossLabelSmoothedMCXENT;
import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFactoryTest {

    @TempDir
    Path dir;

    @Test
    void mlpHasTheSpecsLayerSizesUpdaterAndSmoothedLoss() {
        MultiLayerNetwork net = ModelFactory.builder().learningRate(0.05).momentum(0.8).labelSmoothing(0.2).build()
                .create(NetworkSpec.parse("mlp:20-16-8-3"));

        assertThat(net.getnLayers()).isEqualTo(3);
        assertThat(((DenseLayer) net.getLayer(0).conf().getLayer()).getNOut()).isEqualTo(16);
        assertThat(((DenseLayer) net.getLayer(1).conf().getLayer()).getNOut()).isEqualTo(8);
        OutputLayer out = (OutputLayer) net.getLayer(2).conf().getLayer();
        assertThat(out.getNOut()).isEqualTo(3);
        assertThat(out.getLossFn()).isEqualTo(new LossLabelSmoothedMCXENT(0.2));
        assertThat(((BaseLayer) out).getIUpdater()).isEqualTo(new Nesterovs(0.05, 0.8));
        assertThat(NetworkInfo.inputSize(net)).hasValue(20);
        assertThat(NetworkInfo.outputSize(net)).hasValue(3);
        assertThat(net.numParams()).isEqualTo(20 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
    }

    @Test
    void weightDecayIsL2ExceptForAdamW() {
        MultiLayerNetwork adam = ModelFactory.builder().updater(UpdaterKind.ADAM).weightDecay(1e-4).labelSmoothing(0)
                .build().create(NetworkSpec.parse("mlp:4-2"));
        BaseLayer layer = (BaseLayer) adam.getLayer(0).conf().getLayer();
        assertThat(layer.getIUpdater()).isEqualTo(new Adam(1e-3));
        assertThat(layer.getRegularization()).singleElement().isInstanceOf(L2Regularization.class);
        assertThat(((OutputLayer) layer).getLossFn()).isInstanceOf(LossMCXENT.class)
                .isNotInstanceOf(LossLabelSmoothedMCXENT.class);

        // Exactly one decay term per layer (DL4J M2.1 would duplicate a network-wide weightDecay).
        MultiLayerNetwork adamw = ModelFactory.builder().updater(UpdaterKind.ADAMW).weightDecay(1e-4).build()
                .create(NetworkSpec.parse("mlp:4-3-2"));
        for (int i = 0; i < 2; i++) {
            BaseLayer l = (BaseLayer) adamw.getLayer(i).conf().getLayer();
            assertThat(l.getRegularization()).singleElement().isEqualTo(new WeightDecay(1e-4, true));
            assertThat(l.getRegularizationBias()).isEmpty();
        }
    }

    @Test
    void cnnTakesFlatImagesAndGivesClassProbabilities() {
        MultiLayerNetwork net = ModelFactory.builder().build().create(NetworkSpec.parse("cnn:8x8x1-3"));

        assertThat(NetworkInfo.inputSize(net)).hasValue(64);
        assertThat(NetworkInfo.outputSize(net)).hasValue(3);
        var out = net.output(Nd4j.rand(DataType.FLOAT, 5, 64));
        assertThat(out.shape()).containsExactly(5, 3);
        assertThat(out.sumNumber().doubleValue()).isCloseTo(5.0, org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void jsonConfigurationRoundTripsAndBadJsonIsInvalidInput() throws Exception {
        ModelFactory factory = ModelFactory.builder().build();
        Path json = Files.writeString(dir.resolve("net.json"),
                factory.configuration(NetworkSpec.parse("mlp:6-5-2")).toJson());

        MultiLayerNetwork net = factory.create(NetworkSpec.parse(json.toString()));
        assertThat(NetworkInfo.inputSize(net)).hasValue(6);

        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"confs\": 12");
        assertThatThrownBy(() -> factory.create(NetworkSpec.parse(bad.toString())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(bad + ": not a DL4J MultiLayerConfiguration JSON (");
    }

    @Test
    void loadRejectsFilesThatAreNotSavedModels() throws Exception {
        Path text = Files.writeString(dir.resolve("model.zip"), "hello");
        assertThatThrownBy(() -> ModelFactory.load(text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(text + ": not a saved DL4J model (expected a ModelSerializer zip)");
        assertThatThrownBy(() -> ModelFactory.load(dir.resolve("none.zip")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(dir.resolve("none.zip") + ": no such file");
    }

    @Test
    void builderValidatesItsValues() {
        assertThatThrownBy(() -> ModelFactory.builder().learningRate(0))
                .hasMessage("learningRate must be a finite number > 0, got 0.0");
        assertThatThrownBy(() -> ModelFactory.builder().momentum(1))
                .hasMessage("momentum must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> ModelFactory.builder().labelSmoothing(-0.1))
                .hasMessage("labelSmoothing must be in [0, 1), got -0.1");
        assertThatThrownBy(() -> ModelFactory.builder().weightDecay(Double.NaN))
                .hasMessage("weightDecay must be a finite number >= 0, got NaN");
    }
}
