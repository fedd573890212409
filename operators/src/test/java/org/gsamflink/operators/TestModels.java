package org.gsamflink.operators;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.gsamflink.optimizer.GsamState;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/** Tiny networks, specs and records shared by the operator tests: 4 features, 3 classes. */
final class TestModels {

    static final int FEATURES = 4;
    static final int CLASSES = 3;

    private TestModels() {}

    /** A 4 → hidden (relu) → 3 (softmax) MLP with Adam and a fixed seed. */
    static MultiLayerConfiguration mlp(int hidden) {
        return mlp(hidden, FEATURES);
    }

    /** The same MLP over {@code features} inputs. */
    static MultiLayerConfiguration mlp(int hidden, int features) {
        return new NeuralNetConfiguration.Builder()
                .seed(1234)
                .updater(new Adam(0.01))
                .list()
                .layer(new DenseLayer.Builder().nIn(features).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build();
    }

    /** The same architecture as {@link #mlp(int)} as a ComputationGraph. */
    static ComputationGraphConfiguration graph(int hidden) {
        return new NeuralNetConfiguration.Builder()
                .seed(1234)
                .updater(new Adam(0.01))
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(FEATURES).nOut(hidden)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(CLASSES).activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
    }

    /** A GSAM spec (ρ > 0, α > 0, Adam) over the 4-8-3 MLP. */
    static ModelSpec.Builder specBuilder() {
        return ModelSpec.builder()
                .network(mlp(8))
                .numFeatures(FEATURES)
                .numClasses(CLASSES)
                .alpha(0.2)
                .rho("constant:0.05")
                .seed(99)
                .batchSize(4);
    }

    static ModelSpec spec() {
        return specBuilder().build();
    }

    /**
     * A snapshot's whole optimizer state (parameters and updater state from its model zip, counters from its
     * optimizer state) in {@code GsamState}'s version-1 format: what snapshots of earlier releases carried.
     */
    static byte[] fullState(ModelSnapshot s) {
        return GsamState.decode(s.optimizerState).withParametersFrom(s.modelBytes).encode();
    }

    /** A deterministic, learnable stream of single examples: the label is the arg-max of the first 3 features. */
    static final class Examples {
        private final Random random;

        Examples(long seed) {
            this.random = new Random(seed);
        }

        float[] features() {
            float[] f = new float[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                f[i] = (float) random.nextGaussian();
            }
            return f;
        }

        static int label(float[] f) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (f[c] > f[best]) {
                    best = c;
                }
            }
            return best;
        }

        TrainingRecord example(String modelId) {
            float[] f = features();
            return TrainingRecord.example(modelId, f, label(f));
        }

        TrainingRecord minibatch(String modelId, int rows) {
            float[] all = new float[rows * FEATURES];
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) {
                float[] f = features();
                System.arraycopy(f, 0, all, r * FEATURES, FEATURES);
                labels[r] = label(f);
            }
            return TrainingRecord.minibatch(modelId, FEATURES, all, labels);
        }
    }
}
