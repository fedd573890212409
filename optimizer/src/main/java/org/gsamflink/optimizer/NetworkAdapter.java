package org.gsamflink.optimizer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The few operations GSAM needs from a DL4J network, for {@link MultiLayerNetwork} and {@link ComputationGraph}
 * alike. Everything here mirrors what DL4J's own {@code fit()} does in {@code StochasticGradientDescent.optimize},
 * so that a step with ρ = 0 is the plain updater step bit for bit.
 */
abstract class NetworkAdapter {

    /** Flat index ranges [start, end) of "parameters" whose gradient slot carries an update, not a gradient. */
    record Range(long start, long end) {}

    private final Model model;
    private final PredictionCapture capture = new PredictionCapture();
    private List<Range> nonGradientRanges;
    private List<IUpdater> updaterConfigs;

    NetworkAdapter(Model model) {
        this.model = model;
    }

    static NetworkAdapter of(Model model) {
        if (model instanceof MultiLayerNetwork mln) {
            return new ForMultiLayerNetwork(mln);
        }
        if (model instanceof ComputationGraph cg) {
            return new ForComputationGraph(cg);
        }
        throw new IllegalArgumentException("GSAM supports MultiLayerNetwork and ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    Model model() {
        return model;
    }

    /** The flat parameter vector (a view the network trains in place), shape [n]. */
    INDArray params() {
        INDArray p = model.params();
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /** The flat gradient view the backward pass writes into and the updater reads from, shape [n]. */
    INDArray gradientView() {
        INDArray g = updater().getFlattenedGradientsView();
        return g.rank() == 1 ? g : g.reshape(g.length());
    }

    abstract BaseMultiLayerUpdater<?> updater();

    abstract Layer[] layers();

    abstract void setBatch(MultiDataSet batch);

    abstract void clearBatch(MultiDataSet batch);

    abstract INDArray[] outputsOfOutputLayers();

    abstract double regularizationScore();

    abstract int iterationCount();

    abstract int epochCount();

    abstract void setIterationCount(int iterationCount);

    abstract void setEpochCount(int epochCount);

    abstract void applyConstraints();

    abstract void ensureListener(TrainingListener listener);

    /**
     * Forward and backward pass: fills {@link #gradientView()} with the gradient summed over the minibatch (DL4J's
     * updater divides by the batch size) and returns the mean loss without the regularization term.
     */
    double computeGradientAndLoss(boolean capturePredictions) {
        ensureListener(capture);
        capture.armed = capturePredictions;
        capture.outputs = null;
        try {
            model.computeGradientAndScore(LayerWorkspaceMgr.noWorkspaces());
        } finally {
            capture.armed = false;
        }
        return model.score() - regularizationScore();
    }

    /** The clean pass's outputs captured by the last {@code computeGradientAndLoss(true)}. */
    INDArray[] capturedPredictions() {
        return capture.outputs;
    }

    /** Lets the network's updater turn the gradient view into the update in place, then applies it. */
    void applyUpdate(int batchSize) {
        Gradient gradient = model.gradient();
        updater().update(gradient, iterationCount(), epochCount(), batchSize, LayerWorkspaceMgr.noWorkspaces());
        params().subi(gradientView());
        BaseOptimizer.incrementIterationCount(model, 1);
        applyConstraints();
    }

    /** Ranges of the flat vector whose gradient slot is an update (BatchNorm running mean/variance). */
    List<Range> nonGradientRanges() {
        if (nonGradientRanges == null) {
            List<Range> ranges = new ArrayList<>();
            INDArray flat = params();
            for (Layer layer : layers()) {
                for (Map.Entry<String, INDArray> e : layer.paramTable(false).entrySet()) {
                    if (!((Trainable) layer).updaterDivideByMinibatch(e.getKey())) {
                        long start = e.getValue().offset() - flat.offset();
                        ranges.add(new Range(start, start + e.getValue().length()));
                    }
                }
            }
            nonGradientRanges = Collections.unmodifiableList(ranges);
        }
        return nonGradientRanges;
    }

    /** The distinct updater configurations with a learning rate, which an lr scheduler drives. */
    List<IUpdater> updaterConfigs() {
        if (updaterConfigs == null) {
            Set<IUpdater> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            List<IUpdater> out = new ArrayList<>();
            for (Layer layer : layers()) {
                for (String param : layer.paramTable(false).keySet()) {
                    IUpdater u = layer.getConfig().getUpdaterByParam(param);
                    if (u != null && u.hasLearningRate() && seen.add(u)) {
                        out.add(u);
                    }
                }
            }
            updaterConfigs = Collections.unmodifiableList(out);
        }
        return updaterConfigs;
    }

    /** True if any layer draws random numbers in training (dropout, weight noise). */
    boolean hasStochasticLayers() {
        for (Layer layer : layers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf.getIDropout() != null) {
                return true;
            }
            if (conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl && bl.getWeightNoise() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Captures the output layers' activations at the end of the backward pass, while the layers' inputs are still
     * valid in DL4J's workspace: the prequential predictions at the price of one output-layer forward, not a whole
     * extra forward pass.
     */
    private final class PredictionCapture extends BaseTrainingListener {
        boolean armed;
        INDArray[] outputs;

        @Override
        public void onBackwardPass(Model m) {
            if (armed) {
                outputs = outputsOfOutputLayers();
            }
        }
    }

    private static final class ForMultiLayerNetwork extends NetworkAdapter {
        private final MultiLayerNetwork net;

        ForMultiLayerNetwork(MultiLayerNetwork net) {
            super(net);
            this.net = net;
        }

        @Override
        BaseMultiLayerUpdater<?> updater() {
            return (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        }

        @Override
        Layer[] layers() {
            return net.getLayers();
        }

        @Override
        void setBatch(MultiDataSet batch) {
            if (batch.numFeatureArrays() != 1 || batch.numLabelsArrays() != 1) {
                throw new IllegalArgumentException("a MultiLayerNetwork takes one features and one labels array, got "
                        + batch.numFeatureArrays() + " and " + batch.numLabelsArrays());
            }
            INDArray fMask = batch.getFeaturesMaskArray(0);
            INDArray lMask = batch.getLabelsMaskArray(0);
            if (fMask != null || lMask != null) {
                net.setLayerMaskArrays(fMask, lMask);
            }
            net.setInput(batch.getFeatures(0));
            net.setLabels(batch.getLabels(0));
        }

        @Override
        void clearBatch(MultiDataSet batch) {
            if (batch.hasMaskArrays()) {
                net.clearLayerMaskArrays();
            }
        }

        @Override
        INDArray[] outputsOfOutputLayers() {
            return new INDArray[] {net.getOutputLayer().activate(false, LayerWorkspaceMgr.noWorkspaces())};
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        int iterationCount() {
            return net.getIterationCount();
        }

        @Override
        int epochCount() {
            return net.getEpochCount();
        }

        @Override
        void setIterationCount(int iterationCount) {
            net.setIterationCount(iterationCount);
        }

        @Override
        void setEpochCount(int epochCount) {
            net.setEpochCount(epochCount);
        }

        @Override
        void applyConstraints() {
            net.applyConstraints(net.getIterationCount(), net.getEpochCount());
        }

        @Override
        void ensureListener(TrainingListener listener) {
            if (!net.getListeners().contains(listener)) {
                net.addListeners(listener);
            }
        }
    }

    private static final class ForComputationGraph extends NetworkAdapter {
        private final ComputationGraph graph;

        ForComputationGraph(ComputationGraph graph) {
            super(graph);
            this.graph = graph;
        }

        @Override
        BaseMultiLayerUpdater<?> updater() {
            return graph.getUpdater(true);
        }

        @Override
        Layer[] layers() {
            return graph.getLayers();
        }

        @Override
        void setBatch(MultiDataSet batch) {
            graph.setInputs(batch.getFeatures());
            graph.setLabels(batch.getLabels());
            if (batch.hasMaskArrays()) {
                graph.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
            }
        }

        @Override
        void clearBatch(MultiDataSet batch) {
            if (batch.hasMaskArrays()) {
                graph.clearLayerMaskArrays();
            }
        }

        @Override
        INDArray[] outputsOfOutputLayers() {
            INDArray[] out = new INDArray[graph.getNumOutputArrays()];
            for (int i = 0; i < out.length; i++) {
                out[i] = graph.getOutputLayer(i).activate(false, LayerWorkspaceMgr.noWorkspaces());
            }
            return out;
        }

        @Override
        double regularizationScore() {
            return graph.calcRegularizationScore(true);
        }

        @Override
        int iterationCount() {
            return graph.getIterationCount();
        }

        @Override
        int epochCount() {
            return graph.getEpochCount();
        }

        @Override
        void setIterationCount(int iterationCount) {
            graph.getConfiguration().setIterationCount(iterationCount);
        }

        @Override
        void setEpochCount(int epochCount) {
            graph.getConfiguration().setEpochCount(epochCount);
        }

        @Override
        void applyConstraints() {
            graph.applyConstraints(graph.getIterationCount(), graph.getEpochCount());
        }

        @Override
        void ensureListener(TrainingListener listener) {
            if (!graph.getListeners().contains(listener)) {
                graph.addListeners(listener);
            }
        }
    }
}
