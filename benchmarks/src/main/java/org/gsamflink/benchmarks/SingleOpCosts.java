package org.gsamflink.benchmarks;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelState;
import org.gsamflink.operators.ModelStateSerializer;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.Gsam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the operator does per step besides {@code Gsam.step}, one operation at a time, next to the step itself and
 * to what a checkpoint costs: the diagnostic of {@link OperatorThroughputMain}.
 */
final class SingleOpCosts {

    /** The row of the reference step, to which the report relates the others. */
    static final String STEP = "reference: Gsam.step on a pre-built DataSet";

    private SingleOpCosts() {}

    /**
     * Times each operation (median of 200 after 50 warm-up; the checkpoint rows 50 after 10), the reference
     * {@code Gsam.step} on the pre-built DataSets included, in the order of the report's rows.
     */
    static Map<String, Samples> measure(ModelSpec spec, int batch, DataSet[] prebuilt) throws IOException {
        float[] f = OperatorJob.features[0];
        int[] l = OperatorJob.labels[0];
        TrainingRecord rec = TrainingRecord.minibatch(OperatorJob.MODEL_ID, BenchModel.INPUTS, f, l);
        TypeSerializer<TrainingRecord> pojo = TypeInformation.of(TrainingRecord.class)
                .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(f.length * 4 + l.length * 4 + 1024);
        pojo.serialize(rec, out);
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer();
        ByteBuffer bulk = ByteBuffer.allocate(f.length * 4).order(ByteOrder.BIG_ENDIAN);
        INDArray predictions = Nd4j.rand(DataType.FLOAT, batch, BenchModel.CLASSES);

        Map<String, Supplier<Object>> ops = new LinkedHashMap<>();
        ops.put("Flink PojoSerializer: serialize one TrainingRecord (" + bytes.length / 1024 + " KiB; keyBy, source"
                + " thread)", () -> {
            out.clear();
            try {
                pojo.serialize(rec, out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out;
        });
        ops.put("Flink PojoSerializer: deserialize it (keyBy, operator thread)", () -> {
            in.setBuffer(bytes);
            try {
                return pojo.deserialize(in);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ops.put("for comparison: bulk float[] → big-endian ByteBuffer copy", () -> {
            bulk.clear();
            bulk.asFloatBuffer().put(f);
            return bulk;
        });
        ops.put("for comparison: bulk ByteBuffer → new float[] copy", () -> {
            float[] copy = new float[f.length];
            bulk.rewind();
            bulk.asFloatBuffer().get(copy);
            return copy;
        });
        ops.put("TrainingRecord.problem(): validation incl. isFinite over all features", () -> rec.problem(
                BenchModel.INPUTS, BenchModel.CLASSES));
        ops.put("DataSet from arrays (Nd4j.create + zeros + putScalar per row)", () ->
                BareLoop.dataSetFromArrays(f, l, BenchModel.INPUTS, BenchModel.CLASSES));
        ops.put("for comparison: DataSet from arrays, one-hot built in Java", () -> {
            float[] y = new float[l.length * BenchModel.CLASSES];
            for (int i = 0; i < l.length; i++) {
                y[i * BenchModel.CLASSES + l[i]] = 1f;
            }
            return new DataSet(Nd4j.create(f, new long[] {l.length, BenchModel.INPUTS}, 'c'),
                    Nd4j.create(y, new long[] {l.length, BenchModel.CLASSES}, 'c'));
        });
        INDArray reusedX = Nd4j.create(DataType.FLOAT, l.length, BenchModel.INPUTS);
        INDArray reusedY = Nd4j.create(DataType.FLOAT, l.length, BenchModel.CLASSES);
        float[] oneHot = new float[l.length * BenchModel.CLASSES];
        ops.put("for comparison: copy into INDArrays reused across steps (DataBuffer.setData), one-hot in Java", () -> {
            reusedX.data().setData(f);
            java.util.Arrays.fill(oneHot, 0f);
            for (int i = 0; i < l.length; i++) {
                oneHot[i * BenchModel.CLASSES + l[i]] = 1f;
            }
            reusedY.data().setData(oneHot);
            return new DataSet(reusedX, reusedY);
        });
        ops.put("countCorrect: predictions.argMax(1).toLongVector()", () -> predictions.argMax(1).toLongVector());

        MultiLayerNetwork net = (MultiLayerNetwork) spec.newNetwork();
        Map<String, Samples> results = new LinkedHashMap<>();
        try (Gsam gsam = new Gsam(net, spec.gsamConfig())) {
            int[] next = {0};
            ops.put(STEP, () -> gsam.step(prebuilt[next[0]++ % prebuilt.length]));
            for (Map.Entry<String, Supplier<Object>> e : ops.entrySet()) {
                results.put(e.getKey(), time(e.getValue(), 50, 200));
            }
            // What a checkpoint costs the operator: writeBack (exportState + a copy of the state object) in the
            // training thread, then the state backend serialises the ModelState (asynchronously, same 2 cores).
            ModelState state = new ModelState();
            state.architectureFingerprint = spec.architectureFingerprint();
            state.optimizerState = gsam.exportState();
            DataOutputSerializer stateOut = new DataOutputSerializer(state.optimizerState.length + 4096);
            Map<String, Supplier<Object>> ckpt = new LinkedHashMap<>();
            ckpt.put("checkpoint, training thread: Gsam.exportState() (" + state.optimizerState.length / 1024
                    + " KiB)", gsam::exportState);
            ckpt.put("checkpoint, training thread: copy of the ModelState (byte[] clone)",
                    () -> state.optimizerState.clone());
            ckpt.put("checkpoint, async: ModelStateSerializer.serialize", () -> {
                stateOut.clear();
                try {
                    ModelStateSerializer.INSTANCE.serialize(state, stateOut);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return stateOut;
            });
            for (Map.Entry<String, Supplier<Object>> e : ckpt.entrySet()) {
                results.put(e.getKey(), time(e.getValue(), 10, 50));
            }
        }
        return results;
    }

    private static Object blackhole;

    private static Samples time(Supplier<Object> op, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            blackhole = op.get();
        }
        long[] nanos = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            blackhole = op.get();
            nanos[i] = System.nanoTime() - t;
        }
        return new Samples(nanos);
    }
}
