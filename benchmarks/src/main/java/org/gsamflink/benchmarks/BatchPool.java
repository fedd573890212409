package org.gsamflink.benchmarks;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * A small fixed pool of random minibatches, cycled by the steppers: standard-normal features (like standardised
 * pixels), one-hot labels of uniformly drawn classes, float32. The same seed gives the same batches; the batches
 * are only read, so one pool can feed several networks.
 *
 * <p>Why zero-mean features: with all-positive inputs (uniform in [0, 1)) every hidden ReLU unit is on or off for
 * nearly all examples at once, many units die, their gradients become exactly 0 and Adam's first moment then decays
 * geometrically (×0.9 per step) into float32 subnormals. After ~700 steps a quarter of the updater state was
 * subnormal here and every step of every variant took about twice as long — a benchmark artefact, not a cost of
 * the optimizer.
 */
public final class BatchPool {

    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final int DEFAULT_POOL_SIZE = 8;

    private final DataSet[] batches;

    private BatchPool(DataSet[] batches) {
        this.batches = batches;
    }

    public static BatchPool random(int poolSize, int batchSize, long seed) {
        if (poolSize < 1 || batchSize < 1) {
            throw new IllegalArgumentException("poolSize and batchSize must be >= 1, got " + poolSize + ", " + batchSize);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        DataSet[] batches = new DataSet[poolSize];
        for (int b = 0; b < poolSize; b++) {
            float[] x = new float[batchSize * BenchModel.INPUTS];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] y = new float[batchSize * BenchModel.CLASSES];
            for (int i = 0; i < batchSize; i++) {
                y[i * BenchModel.CLASSES + rnd.nextInt(BenchModel.CLASSES)] = 1f;
            }
            batches[b] = new DataSet(
                    Nd4j.create(x, new long[] {batchSize, BenchModel.INPUTS}, DataType.FLOAT),
                    Nd4j.create(y, new long[] {batchSize, BenchModel.CLASSES}, DataType.FLOAT));
        }
        return new BatchPool(batches);
    }

    /** A pool of the given minibatches (e.g. read from a file another benchmark process wrote). */
    public static BatchPool of(DataSet... batches) {
        if (batches.length < 1) {
            throw new IllegalArgumentException("a pool needs at least one batch");
        }
        return new BatchPool(batches.clone());
    }

    public static BatchPool standard(long seed) {
        return random(DEFAULT_POOL_SIZE, DEFAULT_BATCH_SIZE, seed);
    }

    public int size() {
        return batches.length;
    }

    public DataSet get(int i) {
        return batches[Math.floorMod(i, batches.length)];
    }
}
