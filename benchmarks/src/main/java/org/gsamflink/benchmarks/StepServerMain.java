package org.gsamflink.benchmarks;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The DL4J half of {@code benchmarks/run-pytorch-side-by-side.sh}: a process that takes training steps when told,
 * so that a PyTorch driver can interleave its own steps with these on the same machine, shapes and data, in one run.
 *
 * <p>Protocol, one line each way: the driver sends {@code step VARIANT N} ({@code fit}, {@code gsam} or {@code
 * gsam_k5}: DL4J's {@code fit}, or a {@link org.gsamflink.optimizer.Gsam} step with α = 0.1, ρ = 0.05, exact or
 * with {@code sharpness-every: 5}; all over Adam lr 1e-3 on the MLP 784-256-256-10 of {@link BenchModel#MLP}); this answers {@code ok} and the N step times in nanoseconds,
 * space-separated. {@code quit} ends it. The minibatches are read from the file the driver wrote:
 * <pre>
 *   int32 little-endian: batches B, batch size n, features F, classes C
 *   B·n·F float32 little-endian features (row-major), then B·n int32 labels
 * </pre>
 *
 * <pre>java -cp benchmarks.jar org.gsamflink.benchmarks.StepServerMain BATCHES_FILE</pre>
 */
public final class StepServerMain {

    private StepServerMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: StepServerMain BATCHES_FILE");
            System.exit(2);
        }
        BatchPool pool = read(Path.of(args[0]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<StepVariant, Stepper> steppers = new EnumMap<>(StepVariant.class);
        for (StepVariant v : new StepVariant[] {StepVariant.FIT, StepVariant.GSAM, StepVariant.GSAM_K5}) {
            steppers.put(v, Stepper.create(BenchModel.MLP, v, pool, StepCostBenchmark.NET_SEED));
        }
        out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            String[] w = line.trim().split("\\s+");
            if (w.length != 3 || !w[0].equals("step")) {
                out.println("error: expected 'step fit|gsam|gsam_k5 N', got '" + line + "'");
                continue;
            }
            Stepper s = steppers.get(StepVariant.of(w[1]));
            int n = Integer.parseInt(w[2]);
            StringBuilder reply = new StringBuilder("ok");
            double sink = 0;
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                sink += s.step();
                reply.append(' ').append(System.nanoTime() - t0);
            }
            if (!Double.isFinite(sink)) {
                reply.append(" # non-finite loss");
            }
            out.println(reply);
        }
        steppers.values().forEach(Stepper::close);
    }

    /** The driver's minibatches, as a {@link BatchPool}. */
    static BatchPool read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            ByteBuffer head = ByteBuffer.wrap(in.readNBytes(16)).order(ByteOrder.LITTLE_ENDIAN);
            int batches = head.getInt();
            int n = head.getInt();
            int features = head.getInt();
            int classes = head.getInt();
            if (features != BenchModel.INPUTS || classes != BenchModel.CLASSES || batches < 1 || n < 1) {
                throw new IOException(String.format(Locale.ROOT, "%s: %d batches of %d, %d features, %d classes; "
                        + "expected %d features and %d classes", file, batches, n, features, classes,
                        BenchModel.INPUTS, BenchModel.CLASSES));
            }
            ByteBuffer x = ByteBuffer.wrap(in.readNBytes(batches * n * features * 4)).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer y = ByteBuffer.wrap(in.readNBytes(batches * n * 4)).order(ByteOrder.LITTLE_ENDIAN);
            DataSet[] sets = new DataSet[batches];
            for (int b = 0; b < batches; b++) {
                float[] xs = new float[n * features];
                x.asFloatBuffer().position(b * n * features).get(xs);
                float[] ys = new float[n * classes];
                for (int i = 0; i < n; i++) {
                    ys[i * classes + y.getInt((b * n + i) * 4)] = 1f;
                }
                sets[b] = new DataSet(Nd4j.create(xs, new long[] {n, features}, DataType.FLOAT),
                        Nd4j.create(ys, new long[] {n, classes}, DataType.FLOAT));
            }
            return BatchPool.of(sets);
        }
    }
}
