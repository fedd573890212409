package org.gsamflink.optimizer;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LossLabelSmoothedMCXENTTest {

    @Test
    void uniformLogitsGiveLogKAndGradientPMinusSmoothedTargets() {
        // K = 4, equal logits: p = 1/4 everywhere. Targets: 0.9 on the true class, 0.1/3 elsewhere (sum 1),
        // so the loss is −Σ y' log(1/4) = log 4 and the gradient p − y'.
        INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0, 0, 0}});
        INDArray logits = Nd4j.zeros(1, 4).castTo(labels.dataType());
        LossLabelSmoothedMCXENT loss = new LossLabelSmoothedMCXENT(0.1);
        double score = loss.computeScore(labels, logits, new ActivationSoftmax(), null, true);
        assertThat(score).isCloseTo(Math.log(4), within(1e-9));
        double[] grad = loss.computeGradient(labels, logits, new ActivationSoftmax(), null).toDoubleVector();
        assertThat(grad[0]).isCloseTo(0.25 - 0.9, within(1e-9));
        assertThat(grad[1]).isCloseTo(0.25 - 0.1 / 3, within(1e-9));
    }

    @Test
    void zeroSmoothingIsPlainCrossEntropy() {
        INDArray labels = Nd4j.createFromArray(new double[][] {{0, 1, 0}, {1, 0, 0}});
        INDArray logits = Nd4j.createFromArray(new double[][] {{0.3, -1, 2}, {1, 0.5, -0.5}});
        double plain = new LossMCXENT().computeScore(labels, logits, new ActivationSoftmax(), null, true);
        double smoothed = new LossLabelSmoothedMCXENT(0).computeScore(labels, logits, new ActivationSoftmax(), null, true);
        assertThat(smoothed).isEqualTo(plain);
    }

    @Test
    void survivesTheNetworkConfigurationJson() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(new LossLabelSmoothedMCXENT(0.2)).nIn(3).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        OutputLayer layer = (OutputLayer) back.getConf(0).getLayer();
        assertThat(layer.getLossFn()).isEqualTo(new LossLabelSmoothedMCXENT(0.2));
    }

    @Test
    void rejectsSmoothingOutsideZeroToOne() {
        assertThatThrownBy(() -> new LossLabelSmoothedMCXENT(1.0)).hasMessageContaining("label smoothing must be in [0, 1)");
        assertThatThrownBy(() -> new LossLabelSmoothedMCXENT(-0.1)).hasMessageContaining("label smoothing");
    }
}
