package org.gsamflink.pipeline.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.OptionalInt;

/** Input and output sizes of a {@link MultiLayerNetwork} fed with flat feature vectors. */
public final class NetworkInfo {

    private NetworkInfo() {}

    /** {@link org.gsamflink.operators.NetworkShape#inputSize}: the number of flat features the network takes. */
    public static OptionalInt inputSize(MultiLayerNetwork net) {
        return org.gsamflink.operators.NetworkShape.inputSize(net);
    }

    /** {@link org.gsamflink.operators.NetworkShape#outputSize}: the number of classes. */
    public static OptionalInt outputSize(MultiLayerNetwork net) {
        return org.gsamflink.operators.NetworkShape.outputSize(net);
    }

    /**
     * Bytes one example (one row of a minibatch) takes while it is decoded and trained, an estimate for bounding
     * the rows of a record: its features as decoded ({@code float[]}, 4 bytes each) and as the network's input
     * array, plus every layer's activations and the gradients of those activations (backpropagation keeps both),
     * in the network's data type. Activation sizes come from DL4J's own shape inference
     * ({@link MultiLayerConfiguration#getLayerActivationTypes}, convolutions included); where it cannot tell, each
     * feed-forward layer's nOut counts. Parameters, their gradients and the updater state do not grow with the rows
     * and are left out.
     */
    public static long trainingBytesPerExample(MultiLayerConfiguration conf, int numFeatures) {
        long activations;
        try {
            activations = 0;
            for (InputType t : conf.getLayerActivationTypes(InputType.feedForward(numFeatures))) {
                activations += t.arrayElementsPerExample();
            }
        } catch (RuntimeException unknownShapes) {
            activations = 0;
            for (int i = 0; i < conf.getConfs().size(); i++) {
                if (conf.getConf(i).getLayer() instanceof FeedForwardLayer ff) {
                    activations += Math.max(0, ff.getNOut());
                }
            }
        }
        long elementBytes = conf.getDataType().width();
        return 4L * numFeatures + elementBytes * (numFeatures + 2 * activations);
    }

    /** A one-line description: layer types and sizes, and the parameter count. */
    public static String describe(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer l = conf.getConf(i).getLayer();
            sb.append(i == 0 ? "" : " -> ").append(l.getClass().getSimpleName().replace("Layer", ""));
            if (l instanceof FeedForwardLayer ff && !(l instanceof ConvolutionLayer)) {
                sb.append('(').append(ff.getNOut()).append(')');
            } else if (l instanceof ConvolutionLayer c) {
                sb.append('(').append(c.getNOut()).append(')');
            }
        }
        return sb.append(", ").append(String.format("%,d", net.numParams())).append(" parameters").toString();
    }
}
