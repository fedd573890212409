package org.gsamflink.benchmarks;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.Gsam;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One network instance trained by one {@link StepVariant}, stepping through a {@link BatchPool} round-robin. Each
 * stepper owns its network (and updater state), so variants never share state.
 */
public final class Stepper implements AutoCloseable {

    private final BenchModel model;
    private final StepVariant variant;
    private final MultiLayerNetwork net;
    private final Gsam gsam;
    private final BatchPool pool;
    private int next;

    private Stepper(BenchModel model, StepVariant variant, MultiLayerNetwork net, BatchPool pool) {
        this.model = model;
        this.variant = variant;
        this.net = net;
        this.pool = pool;
        this.gsam = variant.config() == null ? null : new Gsam(net, variant.config());
    }

    /** A fresh network of {@code model}, initialised from {@code seed}, trained by {@code variant}. */
    public static Stepper create(BenchModel model, StepVariant variant, BatchPool pool, long seed) {
        return new Stepper(model, variant, model.build(seed), pool);
    }

    /** One training step on the next minibatch; returns the step's loss (so nothing can be optimised away). */
    public double step() {
        DataSet batch = pool.get(next++);
        if (gsam == null) {
            net.fit(batch);
            return net.score();
        }
        return gsam.step(batch).cleanLoss();
    }

    public BenchModel model() {
        return model;
    }

    public StepVariant variant() {
        return variant;
    }

    public MultiLayerNetwork network() {
        return net;
    }

    @Override
    public void close() {
        if (gsam != null) {
            gsam.close();
        }
    }
}
