package org.gsamflink.operators;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.OptionalInt;

/**
 * Input and output sizes of a {@link MultiLayerNetwork} fed with flat feature vectors: what the job checks records
 * against when it builds a model, and what serving checks requests against when it loads a stored one.
 */
public final class NetworkShape {

    private NetworkShape() {}

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
}
