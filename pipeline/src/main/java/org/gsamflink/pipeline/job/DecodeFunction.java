package org.gsamflink.pipeline.job;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordRejectedException;
import org.gsamflink.pipeline.format.RejectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Decodes and validates raw Kafka records. Good records go on as {@link TrainingRecord}s ({@link #training}) or
 * {@link PredictionRequest}s ({@link #requests}); anything else goes to {@link #DEAD_LETTERS} with its reason, and
 * counts in {@code deadLetters.<reason>}. Bad input never fails the job and never logs a stack trace; what it logs
 * is the short detail (one line, at most 256 characters). Callers give the output type ({@code .returns}): Flink
 * cannot read it off a generic function.
 */
public final class DecodeFunction<T> extends ProcessFunction<RawRecord, T> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeFunction.class);

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("gsam-dead-letters") {};

    /** How one record's bytes become a T (the format's decode or decodeRequest). */
    @FunctionalInterface
    interface Decoder<T> extends Serializable {
        T decode(RecordFormat format, RawRecord raw) throws RecordRejectedException;
    }

    private final RecordFormat format;
    private final Decoder<T> decoder;
    private final SerializableFunction<T, String> modelIdOf;
    /** Model ids the job may train or serve; null: any valid id. */
    private final Set<String> allowedModelIds;

    private transient Map<RejectReason, Counter> counters;
    private transient Counter decoded;
    private transient long rejected;

    private DecodeFunction(RecordFormat format, Decoder<T> decoder, SerializableFunction<T, String> modelIdOf,
                           Set<String> allowedModelIds) {
        this.format = format;
        this.decoder = decoder;
        this.modelIdOf = modelIdOf;
        this.allowedModelIds = allowedModelIds == null ? null : Set.copyOf(allowedModelIds);
    }

    /** Training records, of {@code allowedModelIds} only (null: any). */
    public static DecodeFunction<TrainingRecord> training(RecordFormat format, Set<String> allowedModelIds) {
        return new DecodeFunction<>(format, (f, raw) -> f.decode(raw.value), r -> r.modelId, allowedModelIds);
    }

    /** Prediction requests with their Kafka coordinates, of {@code allowedModelIds} only (null: any). */
    public static DecodeFunction<PredictionRequest> requests(RecordFormat format, Set<String> allowedModelIds) {
        return new DecodeFunction<>(format,
                (f, raw) -> f.decodeRequest(raw.value).from(raw.topic, raw.partition, raw.offset, raw.timestamp),
                r -> r.modelId, allowedModelIds);
    }

    @Override
    public void open(OpenContext ctx) {
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("deadLetters");
        counters = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            counters.put(r, group.counter(r.code()));
        }
        decoded = getRuntimeContext().getMetricGroup().counter("decodedRecords");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<T> out) {
        T r;
        try {
            r = decode(raw);
        } catch (RecordRejectedException e) {
            reject(raw, ctx, e);
            return;
        }
        decoded.inc();
        out.collect(r);
    }

    /**
     * Decodes and validates one record. Every failure is a {@link RecordRejectedException}: a decoder bug
     * ({@code malformed-record}) and running out of memory on one record ({@code oversized}) too, so that one
     * record never turns into an endless restart loop.
     */
    T decode(RawRecord raw) throws RecordRejectedException {
        try {
            T r = decoder.decode(format, raw);
            if (allowedModelIds != null && !allowedModelIds.contains(modelIdOf.apply(r))) {
                throw new RecordRejectedException(RejectReason.UNKNOWN_MODEL,
                        "model id '" + modelIdOf.apply(r) + "' is not configured");
            }
            return r;
        } catch (RuntimeException e) {
            throw new RecordRejectedException(RejectReason.MALFORMED_RECORD,
                    "could not decode: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (OutOfMemoryError e) {
            // What failed to allocate belonged to this record alone (its arrays are garbage now); the job goes on.
            throw new RecordRejectedException(RejectReason.OVERSIZED, "ran out of memory decoding a record of "
                    + (raw.value == null ? 0 : raw.value.length) + " bytes (" + e.getMessage() + "); lower "
                    + JobOptions.MAX_RECORD_BYTES.key() + " or " + JobOptions.MAX_ROWS_PER_RECORD.key()
                    + ", or give the task managers more memory");
        }
    }

    private void reject(RawRecord raw, Context ctx, RecordRejectedException e) {
        counters.get(e.reason()).inc();
        rejected++;
        if (rejected <= 10 || rejected % 1000 == 0) {
            LOG.warn("Dead letter from {}/{}@{}: {} ({} so far)", raw.topic, raw.partition, raw.offset,
                    e.describe(), rejected);
        }
        ctx.output(DEAD_LETTERS, new DeadLetter(e.reason().code(), e.getMessage(), raw));
    }
}
