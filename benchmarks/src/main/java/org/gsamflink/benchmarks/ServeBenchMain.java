package org.gsamflink.benchmarks;

import org.apache.flink.core.execution.JobClient;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.serve.ServingOptions;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.gsamflink.benchmarks.ServeJob.MODEL_ID;

/**
 * The serving job ({@code job.mode: serve}) on a local MiniCluster, reading requests from the embedded broker and
 * answering with an MLP 784-256-10 from a model store, against the bare in-JVM loop {@code network.output(x, false)}
 * on the same network and inputs:
 * <ol>
 *   <li>for single-example JSON requests and 64-row binary minibatch requests: predictions/s at max throughput (a
 *   backlog written before the job starts) and the request → prediction latency at a sustained rate (a fraction of
 *   that max), from the request record's timestamp to the prediction record's;</li>
 *   <li>the bare loop's predictions/s and per-call latency, run right before and right after the max-throughput
 *   run, and the ratio of the serving job to their mean;</li>
 *   <li>commit → first use: while requests flow, new versions are published into the store and each one's delay
 *   from its {@code _COMPLETE} marker's mtime to the first prediction naming it is recorded, per poll interval.</li>
 * </ol>
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.gsamflink.benchmarks.ServeBenchMain [--backlog-single 20000]
 *     [--backlog-minibatch 1000] [--minibatch 64] [--sustained-fraction 0.25] [--sustained-seconds 15]
 *     [--skip-seconds 3] [--bare-seconds 5] [--swaps 10] [--poll-ms 1000,100] [--swap-rate 200]
 *     [--no-low-latency] [--quiet-wait 30] [--job-conf 'key=value;…'] [--out FILE]
 * </pre>
 * {@code --job-conf} sets job keys in every serving job, over the benchmark's own ({@code flink.*} keys reach the
 * MiniCluster, e.g. {@code flink.execution.buffer-timeout.interval=0ms}). {@code --no-low-latency} leaves out the sustained runs with Flink's
 * buffer timeout at 0. {@code --quiet-wait S}: before each measurement, wait up to S seconds until other processes
 * use under a quarter of a core. About 4 minutes on a quiet 2-core machine.
 */
public final class ServeBenchMain {

    private static final long DEFAULT_POLL_MS = ServingOptions.DEFAULT_POLL_INTERVAL.toMillis();
    private static final Map<String, String> NO_BUFFER_TIMEOUT = Map.of("flink.execution.buffer-timeout.interval",
            "0 ms");
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("backlog-single", "20000");
        DEFAULTS.put("backlog-minibatch", "1000");
        DEFAULTS.put("minibatch", "64");
        DEFAULTS.put("sustained-fraction", "0.25");
        DEFAULTS.put("sustained-seconds", "15");
        DEFAULTS.put("skip-seconds", "3");
        DEFAULTS.put("bare-seconds", "5");
        DEFAULTS.put("swaps", "10");
        DEFAULTS.put("poll-ms", "1000,100");
        DEFAULTS.put("swap-rate", "200");
        DEFAULTS.put("low-latency", "true");
        DEFAULTS.put("quiet-wait", "30");
        DEFAULTS.put("job-conf", "");
        DEFAULTS.put("out", "");
    }

    private static final String USAGE = "usage: java -cp benchmarks.jar " + ServeBenchMain.class.getName()
            + " [--option value ...]; flags: --no-low-latency; options and defaults: " + DEFAULTS;

    private static Map<String, String> jobConf = Map.of();
    private static int quietWait;

    private ServeBenchMain() {}

    /** MLP 784-256-10: ReLU hidden layer, softmax output, float32, Xavier init (not trained: cost, not accuracy). */
    static MultiLayerConfiguration mlp(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(BenchModel.INPUTS).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(BenchModel.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parseOrExit(args, DEFAULTS, USAGE, "low-latency"::equals, "low-latency");
        jobConf = OperatorThroughputMain.flinkConf(o.get("job-conf"));
        quietWait = Integer.parseInt(o.get("quiet-wait"));
        int minibatch = Integer.parseInt(o.get("minibatch"));
        double fraction = Double.parseDouble(o.get("sustained-fraction"));
        long sustainedMs = Math.round(Double.parseDouble(o.get("sustained-seconds")) * 1000);
        long skipMs = Math.round(Double.parseDouble(o.get("skip-seconds")) * 1000);
        double bareSeconds = Double.parseDouble(o.get("bare-seconds"));
        boolean lowLatency = Boolean.parseBoolean(o.get("low-latency"));
        String machine = Machine.describe();
        System.err.println("== " + machine);

        MultiLayerNetwork net = new MultiLayerNetwork(mlp(StepCostBenchmark.NET_SEED));
        net.init();
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, zip, false);
        byte[] model = zip.toByteArray();
        // The bare loop runs what the job runs: the stored version restored without its updater, as the watcher does.
        MultiLayerNetwork served = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);

        List<ServeReport.Row> rows = new ArrayList<>();
        for (int batch : new int[] {1, minibatch}) {
            List<INDArray> inputs = inputs(batch);
            List<byte[]> payloads = ServeTraffic.encode(inputs, MODEL_ID);
            int backlog = Integer.parseInt(o.get(batch == 1 ? "backlog-single" : "backlog-minibatch"));
            say("batch %d: bare loop", batch);
            ServeReport.Bare before = bare(served, inputs, bareSeconds);
            say("batch %d: serving job, backlog of %d requests", batch, backlog);
            ServeReport.Max max = maxThroughput(batch, payloads, backlog, model);
            say("batch %d: bare loop", batch);
            ServeReport.Bare after = bare(served, inputs, bareSeconds);
            double rate = Math.max(1, Math.round(fraction * max.predictionsPerSecond() / batch));
            say("batch %d: serving job at %.0f requests/s", batch, rate);
            ServeReport.Sustained s = sustained(batch, payloads, rate, sustainedMs, skipMs, model, Map.of());
            ServeReport.Sustained fast = null;
            if (lowLatency) {
                say("batch %d: serving job at %.0f requests/s, buffer timeout 0", batch, rate);
                fast = sustained(batch, payloads, rate, sustainedMs, skipMs, model, NO_BUFFER_TIMEOUT);
            }
            rows.add(new ServeReport.Row(batch, before, max, after, s, fast));
        }
        int swaps = Integer.parseInt(o.get("swaps"));
        double swapRate = Double.parseDouble(o.get("swap-rate"));
        List<byte[]> single = ServeTraffic.encode(inputs(1), MODEL_ID);
        List<ServeReport.Swaps> swapRuns = new ArrayList<>();
        for (String p : o.get("poll-ms").split(",")) {
            long pollMs = Long.parseLong(p.strip());
            say("hot swap, poll every %d ms: %d versions", pollMs, swaps);
            swapRuns.add(swapDelays(pollMs, swaps, swapRate, single, model));
        }
        String md = ServeReport.markdown(new ServeReport.Plan(machine, net.numParams(), fraction, sustainedMs, skipMs,
                swapRate, o.get("job-conf")), rows, swapRuns);
        System.out.println(md);
        BenchOptions.writeReport(o.get("out"), md);
        System.exit(0);
    }

    /** Logs the next measurement, after waiting (up to --quiet-wait s) for the other processes to calm down. */
    private static void say(String format, Object... args) throws InterruptedException {
        long t0 = System.nanoTime();
        double load = CpuLoad.awaitQuiet(quietWait);
        double waited = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, format + " ...%s%n", append(args, waited > 1
                ? String.format(Locale.ROOT, " (waited %.0f s for other processes; now %.2f cores)", waited, load)
                : ""));
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] out = Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    /** The request inputs: 512 single examples or 8 minibatches, standard-normal features ({@link BatchPool}). */
    static List<INDArray> inputs(int batch) {
        BatchPool pool = BatchPool.random(batch == 1 ? 512 : 8, batch, StepCostBenchmark.DATA_SEED);
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            out.add(pool.get(i).getFeatures());
        }
        return out;
    }

    /** {@code network.output(x, false)} over the inputs for {@code seconds}, each call timed, after a warm-up. */
    static ServeReport.Bare bare(MultiLayerNetwork net, List<INDArray> inputs, double seconds) {
        int batch = (int) inputs.get(0).size(0);
        for (int i = 0; i < 500; i++) {
            net.output(inputs.get(i % inputs.size()), false);
        }
        long[] calls = new long[1 << 16];
        int n = 0;
        CpuLoad load = CpuLoad.sample();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now = start;
        while (now < end) {
            long t0 = System.nanoTime();
            net.output(inputs.get(n % inputs.size()), false);
            now = System.nanoTime();
            if (n == calls.length) {
                calls = Arrays.copyOf(calls, 2 * n);
            }
            calls[n++] = now - t0;
        }
        return new ServeReport.Bare((double) n * batch * 1e9 / (now - start), new Samples(Arrays.copyOf(calls, n)),
                CpuLoad.sample().foreignCoresSince(load));
    }

    /**
     * Predictions/s at max throughput: {@code requests} requests written before the job starts, answered from the
     * earliest offset; the rate over the prediction record timestamps after the first fifth (start-up, JIT), and
     * the process's CPU by thread group over about the same window (from when a fifth was answered).
     */
    static ServeReport.Max maxThroughput(int batch, List<byte[]> payloads, int requests, byte[] model)
            throws Exception {
        ServeJob.Topics t = ServeJob.Topics.create("serve-max-" + batch);
        Path store = ServeJob.store(model);
        try (ServeTraffic traffic = new ServeTraffic(t.requests(), MODEL_ID, payloads, 5)) {
            traffic.burst(requests);
        }
        JobClient job = ServeJob.start(t, store, batch, DEFAULT_POLL_MS, jobConf);
        try (ServeTraffic.Answers answers = new ServeTraffic.Answers(t.predictions())) {
            long all = (long) requests * batch;
            answers.awaitCount(all / 5, 600_000, "a fifth of the backlog answered");
            ThreadCpu cpuFrom = ThreadCpu.sample();
            CpuLoad loadFrom = CpuLoad.sample();
            long countFrom = answers.count();
            answers.awaitCount(all, 600_000, "the backlog answered");
            Map<String, Double> cpu = ThreadCpu.sample().msPerStepSince(cpuFrom, 1);
            double foreign = CpuLoad.sample().foreignCoresSince(loadFrom);
            double perRequest = (double) batch / (answers.count() - countFrom);
            cpu.replaceAll((group, ms) -> ms * perRequest);
            long[] ts = answers.readToEnd().stream().mapToLong(ServeTraffic.Answer::timestampMs).sorted().toArray();
            int from = ts.length / 5;
            double pps = (ts.length - 1 - from) * 1000.0 / Math.max(1, ts[ts.length - 1] - ts[from]);
            return new ServeReport.Max(requests, pps, cpu, foreign);
        } finally {
            ServeJob.stop(job);
            t.delete();
            OperatorJob.deleteRecursively(store);
        }
    }

    /**
     * Latency at a sustained rate: once the job answers a probe, requests at {@code rate} for {@code durationMs};
     * a request's latency is from its record timestamp to the latest of its rows' prediction record timestamps
     * (all rows of a minibatch are answered at once), over the requests after the first {@code skipMs}.
     */
    static ServeReport.Sustained sustained(int batch, List<byte[]> payloads, double rate, long durationMs, long skipMs,
                                           byte[] model, Map<String, String> extra) throws Exception {
        ServeJob.Topics t = ServeJob.Topics.create("serve-sustained-" + batch);
        Path store = ServeJob.store(model);
        Map<String, String> conf = new HashMap<>(jobConf);
        conf.putAll(extra);
        JobClient job = ServeJob.start(t, store, batch, DEFAULT_POLL_MS, conf);
        try (ServeTraffic traffic = new ServeTraffic(t.requests(), MODEL_ID, payloads, 0);
             ServeTraffic.Answers answers = new ServeTraffic.Answers(t.predictions())) {
            long deadline = System.currentTimeMillis() + 120_000;
            while (answers.count() == 0) {   // until the job is up and serving
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the serving job answered no probe request in 120 s");
                }
                traffic.send();
                traffic.flush();
                Thread.sleep(100);
            }
            // One partition, a fresh topic: offsets count the requests, the probes first.
            long firstMeasured = traffic.sent() + Math.round(rate * skipMs / 1000.0);
            CpuLoad load = CpuLoad.sample();
            traffic.paced(rate, durationMs, new AtomicBoolean(true));
            double foreign = CpuLoad.sample().foreignCoresSince(load);
            answers.awaitCount(traffic.sent() * batch, 120_000, "every paced request answered");
            Map<Long, Long> answeredAt = new HashMap<>();
            for (ServeTraffic.Answer a : answers.readToEnd()) {
                answeredAt.merge(a.requestOffset(), a.timestampMs(), Math::max);
            }
            List<Double> latencies = new ArrayList<>();
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (long offset = firstMeasured; offset < traffic.sent(); offset++) {
                Long at = answeredAt.get(offset);
                Long sentAt = traffic.sentAt(offset);
                if (at != null && sentAt != null) {
                    latencies.add((double) (at - sentAt));
                    first = Math.min(first, at);
                    last = Math.max(last, at);
                }
            }
            double pps = (latencies.size() - 1.0) * batch * 1000.0 / Math.max(1, last - first);
            return new ServeReport.Sustained(rate, pps,
                    new Samples(latencies.stream().mapToDouble(Double::doubleValue).toArray()), foreign);
        } finally {
            ServeJob.stop(job);
            t.delete();
            OperatorJob.deleteRecursively(store);
        }
    }

    /**
     * Commit → first use of {@code swaps} new versions, published while single-example requests flow at
     * {@code rate}: each one after the previous one was first used, plus a random part of a poll interval, so that
     * commits fall at every phase of the watcher's polls.
     */
    static ServeReport.Swaps swapDelays(long pollMs, int swaps, double rate, List<byte[]> payloads, byte[] model)
            throws Exception {
        ServeJob.Topics t = ServeJob.Topics.create("serve-swap-" + pollMs);
        Path root = ServeJob.store(model);
        ModelStore store = ServeJob.open(root, swaps + 2);
        Map<Long, Long> firstUse = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        JobClient job = ServeJob.start(t, root, 1, pollMs, jobConf);
        Thread reader = new Thread(() -> {
            try (ServeTraffic.Answers answers = new ServeTraffic.Answers(t.predictions())) {
                while (running.get()) {
                    answers.poll(Duration.ofMillis(50), a -> firstUse.merge(a.version(), a.timestampMs(), Math::min));
                }
            }
        }, "serve-bench-predictions");
        ServeTraffic traffic = new ServeTraffic(t.requests(), MODEL_ID, payloads, 0);
        Thread sender = new Thread(() -> traffic.paced(rate, TimeUnit.HOURS.toMillis(1), running),
                "serve-bench-requests");
        reader.start();
        sender.start();
        List<Long> delays = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        SplittableRandom phase = new SplittableRandom(StepCostBenchmark.DATA_SEED + pollMs);
        try {
            awaitVersion(firstUse, 1, 120_000);
            for (long v = 2; v <= swaps + 1; v++) {
                Thread.sleep(50 + phase.nextLong(pollMs));
                ServeJob.publish(store, v, model);
                long committed = ServeJob.committedAtMs(root, v);
                awaitVersion(firstUse, v, 30_000 + 5 * pollMs);
                delays.add(firstUse.get(v) - committed);
                loads.add(ServeJob.loadMs(root, v));
            }
        } finally {
            running.set(false);
            sender.join();
            reader.join();
            traffic.close();
            ServeJob.stop(job);
            t.delete();
            OperatorJob.deleteRecursively(root);
        }
        return new ServeReport.Swaps(pollMs, pollMs == DEFAULT_POLL_MS, delays, loads);
    }

    private static void awaitVersion(Map<Long, Long> firstUse, long version, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!firstUse.containsKey(version)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("no prediction of version " + version + " within " + timeoutMs + " ms");
            }
            Thread.sleep(5);
        }
    }
}
