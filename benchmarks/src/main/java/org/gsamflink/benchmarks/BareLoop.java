package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.StepResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bare optimizer loop: {@code new Gsam(net, cfg)} on a fresh network built from the operator's {@link ModelSpec},
 * then {@code step(DataSet)} over minibatch i mod pool size, either building each DataSet from the float[]/int[]
 * arrays as the operator must, or taking pre-built DataSets. Runs all its steps at once ({@link #runAll}) or K at a
 * time ({@link #runBlock}) alternating with another run.
 */
final class BareLoop implements AutoCloseable {

    private final String variant;
    private final int round;
    private final ModelSpec spec;
    private final float[][] features;
    private final int[][] labels;
    private final DataSet[] prebuilt;
    private final int warmup;
    private final int block;
    private final long[] ends;
    private final double[] losses;
    private final long[] blockStarts;
    private final long[] stepOnly;
    private final long t0 = System.nanoTime();
    private final Gsam gsam;
    private CpuLoad windowStart;
    private int next;

    /** {@code prebuilt} null: DataSets from the arrays. {@code block} 0: continuous. */
    BareLoop(String variant, int round, ModelSpec spec, float[][] features, int[][] labels, DataSet[] prebuilt,
             int steps, int warmup, int block) {
        this.variant = variant;
        this.round = round;
        this.spec = spec;
        this.features = features;
        this.labels = labels;
        this.prebuilt = prebuilt;
        this.warmup = warmup;
        this.block = block;
        this.ends = new long[steps];
        this.losses = new double[steps];
        this.blockStarts = new long[block > 0 ? steps / block : 0];
        this.stepOnly = new long[steps];
        MultiLayerNetwork net = (MultiLayerNetwork) spec.newNetwork();
        this.gsam = new Gsam(net, spec.gsamConfig());
    }

    /**
     * The operator's DataSet construction for float32 and no weights, as in GsamTrainingOperator.toDataSet: features
     * copied into a new array, a zero label matrix with one putScalar per row.
     */
    static DataSet dataSetFromArrays(float[] features, int[] labels, int numFeatures, int numClasses) {
        int rows = labels.length;
        INDArray x = Nd4j.create(features, new long[] {rows, numFeatures}, 'c');
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows, numClasses);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, labels[i], 1f);
        }
        return new DataSet(x, y, null, null);
    }

    private void step() {
        int i = next++;
        int b = i % features.length;
        DataSet ds = prebuilt != null ? prebuilt[b]
                : dataSetFromArrays(features[b], labels[b], spec.numFeatures(), spec.numClasses());
        long t = System.nanoTime();
        StepResult r = gsam.step(ds);
        ends[i] = System.nanoTime();
        stepOnly[i] = ends[i] - t;
        losses[i] = r.cleanLoss();
        if (i == warmup - 1) {
            windowStart = CpuLoad.sample();
        }
    }

    /** Every step, one after the other. */
    ThroughputRun runAll() {
        while (next < ends.length) {
            step();
        }
        return result();
    }

    /** Block b: steps bK … bK+K−1. */
    void runBlock(int b) {
        if (next != b * block) {
            throw new IllegalStateException("block " + b + " out of order");
        }
        blockStarts[b] = System.nanoTime();
        for (int k = 0; k < block; k++) {
            step();
        }
    }

    boolean done() {
        return next >= ends.length;
    }

    ThroughputRun result() {
        CpuLoad end = CpuLoad.sample();
        double own = windowStart == null ? Double.NaN : end.ownCoresSince(windowStart);
        double foreign = windowStart == null ? Double.NaN : end.foreignCoresSince(windowStart);
        return new ThroughputRun(variant, round, labels[0].length, warmup, block, blockStarts, ends, losses,
                new long[0], new long[0], (System.nanoTime() - t0) / 1e9, own, foreign, stepOnly);
    }

    @Override
    public void close() {
        gsam.close();
    }
}
