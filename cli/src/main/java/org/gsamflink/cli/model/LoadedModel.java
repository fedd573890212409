package org.gsamflink.cli.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.FeatureStandardizer;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.model.NetworkInfo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A stored model restored with DL4J's {@link ModelSerializer}: a {@link MultiLayerNetwork}, or a {@link
 * ComputationGraph} when the zip's {@code configuration.json} has {@code "vertices"}.
 */
final class LoadedModel {

    /** One row of the layer table. */
    record LayerRow(String name, String type, String nIn, String nOut, String activation, long params,
                    String shapes) {}

    private final Model model;
    /** The input statistics stored with the version; null when it was trained on raw features. */
    private final FeatureStandardizer standardizer;

    private LoadedModel(Model model, FeatureStandardizer standardizer) {
        this.model = model;
        this.standardizer = standardizer;
    }

    /** Restores the model of a stored version (without its updater state). */
    static LoadedModel restore(ModelVersion version) {
        byte[] bytes = version.modelBytes();
        String what = "model '" + version.modelId() + "' version " + version.version();
        try {
            FeatureStandardizer standardizer = FeatureStandardizer.from(bytes).orElse(null);
            if (isGraph(bytes)) {
                return new LoadedModel(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes),
                        false), standardizer);
            }
            return new LoadedModel(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false),
                    standardizer);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(what + ": not a DL4J model (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ")", e);
        }
    }

    /** Whether the ModelSerializer zip holds a ComputationGraph configuration. */
    static boolean isGraph(byte[] zip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals("configuration.json")) {
                    String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    return json.contains("\"vertices\"");
                }
            }
        }
        throw new IOException("the zip has no configuration.json");
    }

    Model model() {
        return model;
    }

    boolean isGraph() {
        return model instanceof ComputationGraph;
    }

    String kind() {
        return isGraph() ? "ComputationGraph" : "MultiLayerNetwork";
    }

    /** The flat parameter vector (a row vector). */
    INDArray params() {
        return model.params();
    }

    long numParams() {
        return model.numParams();
    }

    /** Parameter views by name ("0_W", "0_b", ... for a MultiLayerNetwork; "vertex_W" for a graph), in order. */
    Map<String, INDArray> paramTable() {
        return model.paramTable();
    }

    Layer[] layers() {
        return isGraph() ? ((ComputationGraph) model).getLayers() : ((MultiLayerNetwork) model).getLayers();
    }

    /** The number of input features, when known. */
    OptionalInt inputSize() {
        if (isGraph()) {
            ComputationGraph g = (ComputationGraph) model;
            if (g.getNumInputArrays() == 1 && g.getLayers().length > 0) {
                for (Layer l : g.getLayers()) {
                    if (l.conf().getLayer() instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
                        return OptionalInt.of(Math.toIntExact(ff.getNIn()));
                    }
                    break;
                }
            }
            return OptionalInt.empty();
        }
        return NetworkInfo.inputSize((MultiLayerNetwork) model);
    }

    /** The stored input statistics, when the version standardizes its input. */
    Optional<FeatureStandardizer> standardizer() {
        return Optional.ofNullable(standardizer);
    }

    /**
     * The network's output (inference mode) for a batch of flat features, standardized first by the stored
     * statistics when the version has them (the same transform as in training and serving).
     */
    INDArray output(INDArray features) {
        INDArray x = features;
        if (standardizer != null) {
            int rows = Math.toIntExact(features.rows());
            x = Nd4j.create(standardizer.transform(Nd4j.toFlattened('c', features.castTo(DataType.FLOAT))
                    .toFloatVector(), rows), new long[] {rows, standardizer.features()}, 'c');
        }
        INDArray in = x.castTo(params().dataType());
        if (isGraph()) {
            return ((ComputationGraph) model).outputSingle(false, in);
        }
        return ((MultiLayerNetwork) model).output(in, false);
    }

    /** The layer table. */
    List<LayerRow> layerRows() {
        List<LayerRow> rows = new ArrayList<>();
        Layer[] layers = layers();
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            String name = isGraph() && conf.getLayerName() != null ? conf.getLayerName() : String.valueOf(i);
            String nIn = "-";
            String nOut = "-";
            if (conf instanceof FeedForwardLayer ff) {
                nIn = String.valueOf(ff.getNIn());
                nOut = String.valueOf(ff.getNOut());
            }
            String activation = conf instanceof BaseLayer bl && bl.getActivationFn() != null
                    ? bl.getActivationFn().toString() : "-";
            StringBuilder shapes = new StringBuilder();
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                if (shapes.length() > 0) {
                    shapes.append(' ');
                }
                shapes.append(p.getKey()).append(Arrays.toString(p.getValue().shape()).replace(" ", ""));
            }
            rows.add(new LayerRow(name, conf.getClass().getSimpleName(), nIn, nOut, activation, l.numParams(),
                    shapes.length() == 0 ? "-" : shapes.toString()));
        }
        return rows;
    }
}
