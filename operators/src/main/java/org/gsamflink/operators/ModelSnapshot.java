package org.gsamflink.operators;

/**
 * A trained model at one step, emitted on the operator's snapshot side output: the DL4J model in
 * {@code ModelSerializer} format (loadable with {@code ModelSerializer.restoreMultiLayerNetwork} or {@code
 * restoreComputationGraph}) with its parameters and updater state, the rest of the optimizer state (the counters:
 * {@code GsamState} version 2, without the parameters, which are stored once, in the model) and a metrics summary.
 * The full optimizer state is {@code GsamState.decode(optimizerState).withParametersFrom(modelBytes)}. A Flink
 * POJO.
 */
public class ModelSnapshot {

    public String modelId;
    /** The step counter at the snapshot; the version in a model store. */
    public long version;
    public long timestampMs;
    public long examplesSeen;
    public byte[] modelBytes;
    /** {@code GsamState} bytes without parameters (version 2); see the class comment. */
    public byte[] optimizerState;
    /** The network configuration JSON the model was built from. */
    public String networkConfigJson;
    /** A one-line JSON object of the metrics since the previous snapshot (loss, accuracy, gap, ρ, lr, steps). */
    public String metricsJson;

    public ModelSnapshot() {}

    @Override
    public String toString() {
        return "ModelSnapshot{model=" + modelId + ", version=" + version + ", modelBytes="
                + (modelBytes == null ? 0 : modelBytes.length) + ", metrics=" + metricsJson + '}';
    }
}
