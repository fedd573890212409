package org.gsamflink.pipeline.model;

/**
 * The base optimizer (DL4J updater) under GSAM, with how {@code --weight-decay} enters it.
 */
public enum UpdaterKind {
    /** Plain SGD; weight decay as L2 added to the gradient (PyTorch SGD's {@code weight_decay}). */
    SGD(0.1),
    /** SGD with Nesterov momentum; weight decay as L2 added to the gradient. */
    NESTEROVS(0.1),
    /** Adam; weight decay as L2 added to the gradient (PyTorch Adam's {@code weight_decay}). */
    ADAM(1e-3),
    /** Adam with decoupled weight decay w ← w − lr·wd·w (Loshchilov &amp; Hutter; PyTorch AdamW). */
    ADAMW(1e-3);

    private final double defaultLearningRate;

    UpdaterKind(double defaultLearningRate) {
        this.defaultLearningRate = defaultLearningRate;
    }

    /** A sensible peak learning rate for this updater when none is given. */
    public double defaultLearningRate() {
        return defaultLearningRate;
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
