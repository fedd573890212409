package org.gsamflink.pipeline.model;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.OptionalInt;

/** Input and output sizes of a {@link MultiLayerNetwork} fed with flat feature vectors. */
public final class NetworkInfo {

    private NetworkInfo() {}

    /**
     * The number of flat features the network takes: the first dense layer's nIn, or h·w·c of a flat-to-CNN
     * input preprocessor; empty if the first layer does not take flat input (e.g. a convolution without one).
     */
    public static OptionalInt inputSize(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        InputPreProcessor pre = conf.getInputPreProcess(0);
        if (pre instanceof FeedForwardToCnnPreProcessor f) {
            return OptionalInt.of(Math.toIntExact(f.getInputHeight() * f.getInputWidth() * f.getNumChannels()));
        }
        Layer first = conf.getConf(0).getLayer();
        if (pre == null && first instanceof FeedForwardLayer ff && !(first instanceof ConvolutionLayer)
                && ff.getNIn() > 0) {
            return OptionalInt.of(Math.toIntExact(ff.getNIn()));
        }
        return OptionalInt.empty();
    }

    /** The number of classes (outputs) of the network's output layer; empty if the last layer is not one. */
    public static OptionalInt outputSize(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Layer last = conf.getConf(conf.getConfs().size() - 1).getLayer();
        if (last instanceof BaseOutputLayer out && out.getNOut() > 0) {
            return OptionalInt.of(Math.toIntExact(out.getNOut()));
        }
        return OptionalInt.empty();
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
