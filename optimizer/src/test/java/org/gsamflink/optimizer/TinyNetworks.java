package org.gsamflink.optimizer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/** Small networks and data for the optimizer tests. */
final class TinyNetworks {

    private TinyNetworks() {}

    /**
     * Linear regression without bias, ŷ = w·x, with DL4J's MSE (for one output: L = mean (w·x − y)²), in double
     * precision: its gradient is closed-form, 2/N · Σ (w·x_i − y_i)·x_i.
     */
    static MultiLayerNetwork linearRegression(double lr, double... w) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .updater(new Sgd(lr))
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(w.length).nOut(1).hasBias(false)
                        .activation(Activation.IDENTITY).weightInit(WeightInit.ZERO).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(Nd4j.createFromArray(w).reshape(1, w.length));
        return net;
    }

    static DataSet regressionBatch(double[][] x, double[] y) {
        double[][] labels = new double[y.length][1];
        for (int i = 0; i < y.length; i++) {
            labels[i][0] = y[i];
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(labels));
    }

    /** A classifier MLP in{@literal ->}hidden{@literal ->}hidden{@literal ->}classes. */
    static MultiLayerConfiguration mlp(int in, int hidden, int classes, IUpdater updater, DataType type,
                                       double dropout, boolean batchNorm, long seed) {
        return mlp(in, hidden, classes, updater, type, dropout, batchNorm, seed, 0, 0);
    }

    /** As above with DL4J's decoupled weight decay and L2, both applied by the updater. */
    static MultiLayerConfiguration mlp(int in, int hidden, int classes, IUpdater updater, DataType type,
                                       double dropout, boolean batchNorm, long seed, double weightDecay, double l2) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(type).updater(updater).weightInit(WeightInit.XAVIER)
                .weightDecay(weightDecay).l2(l2)
                .list()
                .layer(dense(in, hidden, dropout));
        if (batchNorm) {
            b.layer(new BatchNormalization.Builder().nIn(hidden).nOut(hidden).build());
        }
        return b.layer(dense(hidden, hidden, dropout))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(classes).activation(Activation.SOFTMAX).build())
                .build();
    }

    private static DenseLayer dense(int in, int out, double dropout) {
        DenseLayer.Builder d = new DenseLayer.Builder().nIn(in).nOut(out).activation(Activation.TANH);
        if (dropout > 0) {
            d.dropOut(dropout);
        }
        return d.build();
    }

    /** The same architecture as {@link #mlp} without dropout or BatchNorm, as a ComputationGraph. */
    static ComputationGraphConfiguration mlpGraph(int in, int hidden, int classes, IUpdater updater, DataType type,
                                                  long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(type).updater(updater).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("0", dense(in, hidden, 0), "in")
                .addLayer("1", dense(hidden, hidden, 0), "0")
                .addLayer("2", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(classes).activation(Activation.SOFTMAX).build(), "1")
                .setOutputs("2")
                .build();
    }

    static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** A learnable classification batch: the class is the argmax of a fixed random projection. */
    static DataSet classificationBatch(int n, int in, int classes, DataType type, long seed) {
        Random r = new Random(seed);
        Random proj = new Random(7);
        double[][] p = new double[classes][in];
        for (double[] row : p) {
            for (int j = 0; j < in; j++) {
                row[j] = proj.nextGaussian();
            }
        }
        double[][] x = new double[n][in];
        double[][] y = new double[n][classes];
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < in; j++) {
                x[i][j] = r.nextGaussian();
            }
            for (int c = 0; c < classes; c++) {
                double v = 0;
                for (int j = 0; j < in; j++) {
                    v += p[c][j] * x[i][j];
                }
                if (v > bestV) {
                    bestV = v;
                    best = c;
                }
            }
            y[i][best] = 1;
        }
        INDArray fx = Nd4j.createFromArray(x).castTo(type);
        INDArray fy = Nd4j.createFromArray(y).castTo(type);
        return new DataSet(fx, fy);
    }
}
