package org.gsamflink.cli.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NpyArray;
import org.gsamflink.modelstore.NpyIndex;
import org.gsamflink.modelstore.NpyReader;
import org.gsamflink.operators.FeatureStandardizer;
import org.gsamflink.cli.GsamFlinkCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gsam-flink model list/show/export/predict} against a store holding two versions of a tiny MLP. */
class ModelCommandTest {

    static final String MODEL = "tiny-mlp";
    static final int N_IN = 4;
    static final int HIDDEN = 5;
    static final int CLASSES = 3;

    @TempDir
    static Path dir;

    static Path storeRoot;
    /** The networks published as version 1 and 2. */
    static MultiLayerNetwork v1;
    static MultiLayerNetwork v2;

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = GsamFlinkCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static MultiLayerNetwork network(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .list()
                .layer(new DenseLayer.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static void publish(ModelStore store, MultiLayerNetwork net, long version, Map<String, ?> metrics)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ModelMetadata meta = ModelMetadata.builder().modelId(MODEL).version(version)
                .timestampMs(1_700_000_000_000L + version).checkpointId(version / 10)
                .metrics(metrics).optimizerConfig("{\"alpha\":0.1}")
                .modelConfig(net.getLayerWiseConfigurations().toJson()).build();
        store.publish(ModelVersion.of(meta, bytes.toByteArray(), new byte[0]));
    }

    @BeforeAll
    static void createStore() throws IOException {
        storeRoot = dir.resolve("store");
        Files.createDirectories(storeRoot);
        ModelStore store = ModelStore.builder().root(storeRoot.toString()).build();
        v1 = network(1);
        v2 = network(2);
        publish(store, v1, 10, Map.of("accuracy", 0.5, "loss", 1.25));
        publish(store, v2, 20, Map.of("accuracy", 0.875, "loss", 0.5));
    }

    private static String store() {
        return storeRoot.toString();
    }

    @Test
    void listShowsTheModelWithTwoVersions() {
        Run r = run("model", "list", "--store", store());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("MODEL"), r.out());
        String[] cols = lines.get(1).trim().split("\\s+");
        assertEquals(MODEL, cols[0]);
        assertEquals("2", cols[1]);
        assertEquals("20", cols[2]);
        assertEquals("2023-11-14T22:13:20.020Z", cols[3]);
    }

    @Test
    void showPrintsMetricsAndParameterCount() {
        Run r = run("model", "show", "--store", store(), "--model", MODEL);
        assertEquals(0, r.exitCode(), r.err());
        String out = r.out();
        assertTrue(out.matches("(?s).*version:\\s+20\\n.*"), out);
        assertTrue(out.contains("0.875"), out);
        assertTrue(out.contains("loss"), out);
        long params = v2.numParams();
        assertTrue(out.contains(String.format(Locale.ROOT, "%,d", params)), out);
        assertTrue(out.contains("{\"alpha\":0.1}"), out);
        assertTrue(out.contains("DenseLayer") && out.contains("OutputLayer"), out);
        assertTrue(out.contains("W[" + N_IN + "," + HIDDEN + "]"), out);

        Run old = run("model", "show", "--store", store(), "--model", MODEL, "--version", "10");
        assertEquals(0, old.exitCode(), old.err());
        assertTrue(old.out().matches("(?s).*version:\\s+10\\n.*"), old.out());
        assertTrue(old.out().contains("1.25"), old.out());
    }

    @Test
    void exportZipLoadsWithTheSameParameters() throws IOException {
        Path zip = dir.resolve("model.zip");
        Run r = run("model", "export", "--store", store(), "--model", MODEL, "--version", "10", "--format", "zip",
                "--out", zip.toString());
        assertEquals(0, r.exitCode(), r.err());
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(zip.toFile());
        assertEquals(v1.params(), loaded.params());
    }

    @Test
    void exportNpyWritesFlatParametersAndIndex() throws IOException {
        Path npy = dir.resolve("model.npy");
        Run r = run("model", "export", "--store", store(), "--model", MODEL, "--format", "npy",
                "--out", npy.toString());
        assertEquals(0, r.exitCode(), r.err());
        byte[] bytes = Files.readAllBytes(npy);
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        NpyArray array = NpyReader.read(bytes);
        assertEquals("<f4", array.descr());
        assertFalse(array.fortranOrder());
        assertArrayEquals(new long[] {v2.numParams()}, array.shape());
        float[] flat = array.toFloatArray();
        assertArrayEquals(v2.params().toFloatVector(), flat);

        Path indexFile = dir.resolve("model.index.json");
        assertTrue(Files.exists(indexFile));
        NpyIndex index = NpyIndex.fromJson(Files.readAllBytes(indexFile));
        assertEquals("<f4", index.dtype());
        assertEquals(v2.numParams(), index.length());
        assertEquals(List.of("0_W", "0_b", "1_W", "1_b"), index.entries().stream().map(NpyIndex.Entry::name)
                .toList());
        for (NpyIndex.Entry e : index.entries()) {
            INDArray expected = v2.paramTable().get(e.name());
            assertArrayEquals(expected.shape(), e.shape(), e.name());
            // numpy: flat[o:o+n].reshape(shape, order=order)
            float[] segment = java.util.Arrays.copyOfRange(flat, (int) e.offset(), (int) (e.offset() + e.length()));
            INDArray rebuilt = Nd4j.create(segment, e.shape(), e.fortranOrder() ? 'f' : 'c');
            assertEquals(expected, rebuilt, e.name());
        }
        NpyIndex.Entry w = index.entries().get(0);
        assertTrue(w.fortranOrder(), "DL4J weight matrices are F-ordered");
        assertArrayEquals(new long[] {N_IN, HIDDEN}, w.shape());
        // element W[i][j] by hand, column-major: offset + i + j * rows
        INDArray weights = v2.getParam("0_W");
        for (int i = 0; i < N_IN; i++) {
            for (int j = 0; j < HIDDEN; j++) {
                assertEquals(weights.getFloat(i, j), flat[(int) w.offset() + i + j * N_IN], 0f);
            }
        }
    }

    @Test
    void exportCsvWritesOneLinePerTensor() throws IOException {
        Path csv = dir.resolve("params.csv");
        Run r = run("model", "export", "--store", store(), "--model", MODEL, "--format", "csv",
                "--out", csv.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(4, lines.size());
        String[] w = lines.get(0).split(",");
        assertEquals("0_W", w[0]);
        assertEquals(N_IN + "x" + HIDDEN, w[1]);
        assertEquals(2 + N_IN * HIDDEN, w.length);
        INDArray weights = v2.getParam("0_W");
        assertEquals(weights.getFloat(1, 2), Float.parseFloat(w[2 + HIDDEN + 2]), 0f); // row-major
    }

    @Test
    void predictMatchesNetworkOutputAndReportsAccuracy() throws IOException {
        Random random = new Random(7);
        int rows = 20;
        float[][] x = new float[rows][N_IN];
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,label\n");
        INDArray expected;
        for (float[] row : x) {
            for (int j = 0; j < N_IN; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        expected = v2.output(Nd4j.create(x));
        int correctLabels = 0;
        for (int i = 0; i < rows; i++) {
            int argmax = expected.getRow(i).argMax().getInt(0);
            int label = i % 2 == 0 ? argmax : (argmax + 1) % CLASSES; // half right
            correctLabels += label == argmax ? 1 : 0;
            StringBuilder line = new StringBuilder();
            for (float v : x[i]) {
                line.append(v).append(',');
            }
            csv.append(line).append(label).append('\n');
        }
        Path input = dir.resolve("input.csv");
        Files.writeString(input, csv);
        Path preds = dir.resolve("preds.csv");
        Run r = run("model", "predict", "--store", store(), "--model", MODEL, "--input", input.toString(),
                "--out", preds.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "accuracy: %.4f (%d/%d)",
                (double) correctLabels / rows, correctLabels, rows)), r.out());
        List<String> lines = Files.readAllLines(preds);
        assertEquals("row,predicted_class,prob_0,prob_1,prob_2", lines.get(0));
        assertEquals(rows + 1, lines.size());
        for (int i = 0; i < rows; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(String.valueOf(i), f[0]);
            assertEquals(expected.getRow(i).argMax().getInt(0), Integer.parseInt(f[1]), "row " + i);
            assertEquals(expected.getFloat(i, 0), Float.parseFloat(f[2]), 1e-5f);
        }

        // Without labels, to standard output.
        Run noLabels = run("model", "predict", "--store", store(), "--model", MODEL, "--input", input.toString(),
                "--label-column", "4");
        assertEquals(0, noLabels.exitCode(), noLabels.err());
        assertEquals(rows + 1, noLabels.out().lines().count());
        assertTrue(noLabels.err().contains("accuracy"), noLabels.err());
    }

    @Test
    void predictStandardizesByTheStatisticsStoredWithTheVersion() throws IOException {
        Path root = dir.resolve("standardized-store");
        Files.createDirectories(root);
        MultiLayerNetwork net = network(3);
        FeatureStandardizer stats = new FeatureStandardizer(N_IN, 5);
        Random random = new Random(8);
        float[] seen = new float[64 * N_IN];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = (float) (1_000 * (i % N_IN) + 40 * random.nextGaussian());
        }
        stats.accept(stats.prepare(seen, 64));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, zip, true);
        ModelStore.builder().root(root.toString()).build().publish(ModelVersion.of(ModelMetadata.builder()
                .modelId(MODEL).version(5).build(), stats.addTo(zip.toByteArray()), new byte[0]));

        int rows = 8;
        float[] x = java.util.Arrays.copyOf(seen, rows * N_IN);
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < N_IN; j++) {
                csv.append(x[i * N_IN + j]).append(j + 1 < N_IN ? "," : "\n");
            }
        }
        Path input = dir.resolve("standardized-input.csv");
        Files.writeString(input, csv);
        Run r = run("model", "predict", "--store", root.toString(), "--model", MODEL, "--input", input.toString());
        assertEquals(0, r.exitCode(), r.err());
        INDArray expected = net.output(Nd4j.create(stats.transform(x, rows), new long[] {rows, N_IN}, 'c'));
        INDArray raw = net.output(Nd4j.create(x, new long[] {rows, N_IN}, 'c'));
        List<String> lines = r.out().lines().toList();
        assertEquals(rows + 1, lines.size(), r.out());
        for (int i = 0; i < rows; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(expected.getRow(i).argMax().getInt(0), Integer.parseInt(f[1]), "row " + i);
            for (int c = 0; c < CLASSES; c++) {
                assertEquals(expected.getFloat(i, c), Float.parseFloat(f[2 + c]), 1e-5f, "row " + i);
            }
        }
        assertTrue(expected.sub(raw).amaxNumber().doubleValue() > 1e-3, "the raw features give other answers");

        Path npy = dir.resolve("standardized.npy");
        Run export = run("model", "export", "--store", root.toString(), "--model", MODEL, "--format", "npy",
                "--out", npy.toString());
        assertEquals(0, export.exitCode(), export.err());
        List<String> statsCsv = Files.readAllLines(dir.resolve("standardized.standardizer.csv"));
        assertEquals("feature,mean,std,clip", statsCsv.get(0));
        assertEquals(N_IN + 1, statsCsv.size());
        assertEquals("3," + stats.mean(3) + "," + stats.std(3) + ",5.0", statsCsv.get(4));
        assertTrue(export.out().contains("standardizes its input"), export.out());
    }

    @Test
    void predictRejectsBadRowsWithFileAndLine() throws IOException {
        Path input = dir.resolve("bad.csv");
        Files.writeString(input, "1,2,3,4\n1,2,x,4\n");
        Run r = run("model", "predict", "--store", store(), "--model", MODEL, "--input", input.toString(),
                "--label-column", "none");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains(input + ":2:"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void unknownModelIsInvalidInput() {
        Run r = run("model", "show", "--store", store(), "--model", "nope");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("'nope'"), r.err());
        assertTrue(r.err().contains(MODEL), r.err());
    }

    @Test
    void unknownVersionIsInvalidInput() {
        Run r = run("model", "export", "--store", store(), "--model", MODEL, "--version", "15", "--format", "zip",
                "--out", dir.resolve("x.zip").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("no version 15"), r.err());
    }

    @Test
    void invalidModelIdIsInvalidInput() {
        Run r = run("model", "show", "--store", store(), "--model", "../x");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("invalid model id"), r.err());
    }

    @Test
    void missingStoreIsInvalidInput() {
        Run r = run("model", "list", "--store", dir.resolve("no-such-store").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("does not exist"), r.err());
    }

    @Test
    void modelWithoutSubcommandPrintsUsage() {
        Run r = run("model");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("list") && r.err().contains("predict"), r.err());
        Run help = run("model", "export", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--format"), help.out());
    }
}
