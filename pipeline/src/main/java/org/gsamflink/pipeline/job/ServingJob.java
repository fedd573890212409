package org.gsamflink.pipeline.job;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.operators.serve.RejectedRequest;
import org.gsamflink.operators.serve.Serving;
import org.gsamflink.operators.serve.ServingOptions;
import org.gsamflink.operators.serve.VersionGate;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;

import java.util.HashSet;

/**
 * Assembles the prediction job from a {@link JobConfig} ({@code job.mode: serve}), or adds it to a training job
 * ({@code serve.enabled}):
 * <pre>
 *   KafkaSource (serve.topics) → decode + validate ─┬→ predict (keyed by model id; newest committed version) ─┬→ predictions topic
 *                                                  └→ dead-letter topic ◄── no-model, wrong-dimension ──────────┤
 *                                                                                    refused versions → alerts ─┘
 * </pre>
 * The versions come from {@code model-store.root}, where only committed snapshots exist; the operator loads them
 * off the record path and swaps between two records ({@code ServingFunction}).
 */
public final class ServingJob {

    private ServingJob() {}

    /** A serving job on its own. */
    public static Serving.Streams build(StreamExecutionEnvironment env, JobConfig c) {
        GsamJob.configure(env, c);
        return addTo(env, c);
    }

    /** Adds the request source, decoding, the prediction operator and its sinks to {@code env}. */
    static Serving.Streams addTo(StreamExecutionEnvironment env, JobConfig c) {
        SingleOutputStreamOperator<PredictionRequest> requests = env
                .fromSource(GsamJob.source(c, c.get(JobOptions.SERVE_GROUP_ID), c.get(JobOptions.SERVE_STARTING_OFFSETS),
                        b -> b.setTopics(c.get(JobOptions.SERVE_TOPICS))), WatermarkStrategy.noWatermarks(),
                        "Kafka prediction requests")
                .uid("serve-kafka-source")
                .process(DecodeFunction.requests(requestFormat(c),
                        c.isSet(JobOptions.SERVE_MODELS) ? new HashSet<>(c.get(JobOptions.SERVE_MODELS)) : null))
                .returns(PredictionRequest.class)
                .uid("serve-decode")
                .name("Decode and validate requests");
        Serving.Streams served = Serving.serve(requests, servingOptions(c));

        String prefix = KafkaRules.transactionalIdPrefix(c.options());
        DataStream<DeadLetter> deadLetters = requests.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .union(served.rejected().map(ServingJob::deadLetter).returns(DeadLetter.class)
                        .uid("serve-rejected-dead-letters").name("Unanswered requests"));
        deadLetters.sinkTo(GsamJob.deadLetterSink(c, prefix + "-serve-dlq")).uid("serve-dead-letter-sink")
                .name("Request dead letters");
        served.predictions().sinkTo(GsamJob.sink(c,
                        new ServingCodecs.PredictionsJson(c.get(JobOptions.PREDICTIONS_TOPIC)), prefix + "-predictions",
                        java.util.Map.of(), c.get(JobOptions.SERVE_DELIVERY)))
                .uid("predictions-sink").name("Predictions topic");
        if (c.isSet(JobOptions.ALERTS_TOPIC)) {
            served.alerts().sinkTo(GsamJob.sink(c, new KafkaCodecs.AlertsJson(c.get(JobOptions.ALERTS_TOPIC)),
                    prefix + "-serve-alerts")).uid("serve-alerts-sink").name("Serving alerts topic");
        }
        return served;
    }

    /** The operator's settings from the serve.* keys. */
    public static ServingOptions servingOptions(JobConfig c) {
        return ServingOptions.builder()
                .storeRoot(c.get(JobOptions.STORE_ROOT))
                .pollInterval(c.get(JobOptions.SERVE_POLL_INTERVAL))
                .modelIds(c.isSet(JobOptions.SERVE_MODELS) ? new HashSet<>(c.get(JobOptions.SERVE_MODELS)) : null)
                .gate(c.isSet(JobOptions.SERVE_GATE_MAX_DROP)
                        ? VersionGate.maxAccuracyDrop(c.get(JobOptions.SERVE_GATE_MAX_DROP)) : VersionGate.none())
                .build();
    }

    /** The request format (serve.format, else format.type), of any width (the served model checks its own). */
    static RecordFormat requestFormat(JobConfig c) {
        RecordLimits limits = RecordLimits.builder().anyWidth()
                .maxRecordBytes(c.get(JobOptions.MAX_RECORD_BYTES))
                .maxAbsFeature(GsamJob.maxAbsFeature(c))
                .maxRowsPerRecord(c.get(JobOptions.SERVE_MAX_ROWS))
                .build();
        JobOptions.RecordFormatType type = c.isSet(JobOptions.SERVE_FORMAT) ? c.get(JobOptions.SERVE_FORMAT)
                : c.get(JobOptions.FORMAT);
        return RecordFormat.create(type.name(), c.get(JobOptions.DEFAULT_MODEL_ID), limits,
                c.get(JobOptions.CSV_DELIMITER).charAt(0), c.get(JobOptions.CSV_LABEL_COLUMN));
    }

    /** An unanswered request as a dead letter: its reason, its source coordinates, the request as JSON. */
    static DeadLetter deadLetter(RejectedRequest r) {
        DeadLetter d = new DeadLetter();
        d.reason = r.reason;   // RejectedRequest's codes are RejectReason codes
        d.detail = org.gsamflink.pipeline.format.Details.oneLine(r.detail);
        d.sourceTopic = r.request.sourceTopic;
        d.sourcePartition = r.request.sourcePartition;
        d.sourceOffset = r.request.sourceOffset;
        d.value = ServingCodecs.requestJson(r.request);
        return d;
    }
}
