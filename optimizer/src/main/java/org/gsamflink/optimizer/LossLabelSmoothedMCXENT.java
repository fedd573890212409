package org.gsamflink.optimizer;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Multi-class cross-entropy with label smoothing, as in the GSAM authors' training code ({@code smooth_crossentropy},
 * smoothing 0.1 in their examples): the one-hot target becomes {@code 1 − s} on the true class and {@code s/(K − 1)}
 * on each of the other K − 1 classes, so targets still sum to one and softmax's gradient stays {@code p − y'}.
 *
 * <p>A DL4J {@code ILossFunction}: it serialises with the network configuration (JSON, {@code @class}) and is
 * used like {@code new OutputLayer.Builder(new LossLabelSmoothedMCXENT(0.1))}. Masks and per-class weights behave as
 * in {@link LossMCXENT}.
 */
public class LossLabelSmoothedMCXENT extends LossMCXENT {

    public static final double DEFAULT_SMOOTHING = 0.1;

    private final double smoothing;

    public LossLabelSmoothedMCXENT() {
        this(DEFAULT_SMOOTHING);
    }

    public LossLabelSmoothedMCXENT(@JsonProperty("smoothing") double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        }
        this.smoothing = smoothing;
    }

    public double getSmoothing() {
        return smoothing;
    }

    /** y' = y·(1 − s) + (1 − y)·s/(K − 1) = y·(1 − s − s/(K − 1)) + s/(K − 1). */
    INDArray smooth(INDArray labels) {
        if (smoothing == 0) {
            return labels;
        }
        long k = labels.size(1);
        if (k < 2) {
            throw new IllegalArgumentException("label smoothing needs at least 2 classes, got " + k);
        }
        double off = smoothing / (k - 1);
        return labels.mul(1 - smoothing - off).addi(off);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return super.computeScore(smooth(labels), preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeScoreArray(smooth(labels), preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeGradient(smooth(labels), preOutput, activationFn, mask);
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public String toString() {
        return "LossLabelSmoothedMCXENT(smoothing=" + smoothing + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossLabelSmoothedMCXENT other && other.smoothing == smoothing && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(smoothing);
    }
}
