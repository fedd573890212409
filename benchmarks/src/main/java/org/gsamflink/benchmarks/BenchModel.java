package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;

/**
 * The networks whose step cost is measured. Both take flat 28×28×1 inputs ([batch, 784], float32) and 10 classes,
 * use Adam (lr 1e-3) as the base updater, and are initialised from a fixed seed.
 */
public enum BenchModel {

    /** MLP 784-256-256-10: ReLU hidden layers, softmax + MCXENT output (≈ 269k parameters). */
    MLP {
        @Override
        MultiLayerConfiguration configuration(long seed) {
            return base(seed).list()
                    .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(256).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().nIn(256).nOut(256).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .nIn(256).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                    .build();
        }
    },

    /**
     * LeNet-style CNN for 28×28×1 images: conv 5×5×20 → max-pool 2×2 → conv 5×5×50 → max-pool 2×2 → dense 500
     * (ReLU) → softmax 10 with MCXENT (≈ 431k parameters). Convolutions use ReLU.
     */
    CNN {
        @Override
        MultiLayerConfiguration configuration(long seed) {
            return base(seed).list()
                    .layer(new ConvolutionLayer.Builder(5, 5).nIn(1).nOut(20).stride(1, 1)
                            .activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1)
                            .activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .nOut(CLASSES).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutionalFlat(28, 28, 1))
                    .build();
        }
    };

    /** Flattened 28×28×1 input. */
    public static final int INPUTS = 784;
    public static final int CLASSES = 10;
    public static final double ADAM_LR = 1e-3;

    abstract MultiLayerConfiguration configuration(long seed);

    /** A new, initialised network; the same seed gives the same initial parameters. */
    public MultiLayerNetwork build(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(seed));
        net.init();
        return net;
    }

    /** The lower-case name used in JMH parameters and the report. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BenchModel of(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT));
    }

    private static NeuralNetConfiguration.Builder base(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(ADAM_LR))
                .weightInit(WeightInit.XAVIER);
    }
}
