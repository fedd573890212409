package org.gsamflink.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of one training step (minibatch 128, CPU, float32): DL4J {@code fit} vs a SAM and a GSAM step of the
 * {@link org.gsamflink.optimizer.Gsam} optimizer on the same architecture and base updater (Adam).
 *
 * <p>Every (model, variant) pair gets its own freshly initialised network in its own trial, so updater state never
 * crosses variants. JMH runs the pairs one after the other; on a noisy machine compare them with the interleaved
 * figures of {@link InterleavedStepTimer} as well ({@link StepCostMain} prints both).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StepCostBenchmark {

    /** Seed of the initial parameters (the same for every variant). */
    public static final long NET_SEED = 12345L;
    /** Seed of the minibatch pool. */
    public static final long DATA_SEED = 2024L;

    @Param({"mlp", "cnn"})
    public String model;

    @Param({"fit", "sam", "gsam", "gsam_k5"})
    public String variant;

    private Stepper stepper;

    @Setup(Level.Trial)
    public void setUp() {
        stepper = Stepper.create(BenchModel.of(model), StepVariant.of(variant), BatchPool.standard(DATA_SEED), NET_SEED);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stepper.close();
    }

    /** One training step on the next minibatch of the pool. */
    @Benchmark
    public double step() {
        return stepper.step();
    }
}
