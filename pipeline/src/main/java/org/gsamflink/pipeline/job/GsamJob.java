package org.gsamflink.pipeline.job;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.RejectedRecord;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.model.ModelDataType;
import org.gsamflink.pipeline.model.ModelFactory;
import org.gsamflink.pipeline.model.NetworkInfo;
import org.gsamflink.pipeline.model.UpdaterKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Assembles the Kafka training job from a {@link JobConfig}:
 * <pre>
 *   KafkaSource (raw bytes + coordinates) → decode + validate ─┬→ GSAM training (keyed by model id) ─┬→ metrics topic
 *                                                             └→ dead-letter topic ◄── too-many-models ─┼→ snapshots
 *                                                                                                   └→ alerts topic
 * </pre>
 * The sinks are transactional and commit on checkpoints by default (sink.delivery).
 */
public final class GsamJob {

    private static final Logger LOG = LoggerFactory.getLogger(GsamJob.class);

    /** The parts of the assembled job, for callers that add sinks (the model store, tests). */
    public record Streams(DataStream<StepMetrics> metrics, DataStream<ModelSnapshot> snapshots,
                          DataStream<DeadLetter> deadLetters) {}

    private GsamJob() {}

    /** The operator's model spec (network, sizes, GSAM settings, batching) from the configuration. */
    public static ModelSpec modelSpec(JobConfig c) {
        org.gsamflink.pipeline.model.NetworkSpec architecture =
                org.gsamflink.pipeline.model.NetworkSpec.parse(c.get(JobOptions.ARCHITECTURE));
        ModelFactory factory = ModelFactory.builder()
                .updater(UpdaterKind.valueOf(c.get(JobOptions.UPDATER).toUpperCase(Locale.ROOT)))
                .learningRate(c.get(JobOptions.LEARNING_RATE))
                .momentum(c.get(JobOptions.MOMENTUM))
                .weightDecay(c.get(JobOptions.WEIGHT_DECAY))
                .labelSmoothing(c.get(JobOptions.LABEL_SMOOTHING))
                .seed(c.get(JobOptions.MODEL_SEED))
                .dataType(c.get(JobOptions.MODEL_DTYPE))
                .build();
        MultiLayerConfiguration conf = factory.configuration(architecture);
        MultiLayerNetwork probe = new MultiLayerNetwork(conf.clone());
        probe.init();
        int in = NetworkInfo.inputSize(probe).orElseThrow(() -> new JobConfigException(java.util.List.of(
                "config key 'model.architecture': cannot tell the network's input size")));
        int out = NetworkInfo.outputSize(probe).orElseThrow(() -> new JobConfigException(java.util.List.of(
                "config key 'model.architecture': cannot tell the network's number of classes")));
        return ModelSpec.builder()
                .network(conf).numFeatures(in).numClasses(out)
                .optimizer(c.optimizerSettings())
                .batchSize(c.get(JobOptions.BATCH_SIZE))
                .batchTimeoutMs(c.get(JobOptions.BATCH_TIMEOUT).toMillis())
                .standardize(c.get(JobOptions.STANDARDIZE))
                .standardizeClip(c.get(JobOptions.STANDARDIZE_CLIP))
                .build();
    }

    public static TrainingOptions trainingOptions(JobConfig c) {
        TrainingOptions.Builder b = TrainingOptions.builder();
        if (c.get(JobOptions.STORE_WARM_START)) {
            b.warmStart(org.gsamflink.operators.WarmStart.latest(c.get(JobOptions.STORE_ROOT)));
        }
        if (c.isSet(JobOptions.STORE_ROOT)) {
            b.snapshotStoreRoot(c.get(JobOptions.STORE_ROOT));
        }
        return b
                .metricsEverySteps(c.get(JobOptions.METRICS_EVERY))
                .snapshotEverySteps(c.get(JobOptions.SNAPSHOT_EVERY))
                .snapshotIntervalMs(c.get(JobOptions.SNAPSHOT_INTERVAL).toMillis())
                .maxLiveModels(c.get(JobOptions.MAX_LIVE_MODELS))
                .maxModels(c.get(JobOptions.MAX_MODELS))
                .maxModelMetricGroups(c.get(JobOptions.MAX_MODEL_METRIC_GROUPS))
                .fadingFactor(c.get(JobOptions.FADING_FACTOR))
                .onDrift(c.get(JobOptions.ON_DRIFT))
                .devicePlacement(org.gsamflink.operators.DevicePlacement.parse(c.get(JobOptions.DEVICES)))
                .build();
    }

    public static RecordFormat recordFormat(JobConfig c, ModelSpec spec) {
        RecordLimits limits = RecordLimits.builder()
                .numFeatures(spec.numFeatures()).numClasses(spec.numClasses())
                .maxRecordBytes(c.get(JobOptions.MAX_RECORD_BYTES))
                .maxAbsFeature(maxAbsFeature(c))
                .maxWeight(c.get(JobOptions.MAX_WEIGHT))
                .maxRowsPerRecord(maxRowsPerRecord(c, spec))
                .build();
        return RecordFormat.create(c.get(JobOptions.FORMAT).name(), c.get(JobOptions.DEFAULT_MODEL_ID), limits,
                c.get(JobOptions.CSV_DELIMITER).charAt(0), c.get(JobOptions.CSV_LABEL_COLUMN));
    }

    /**
     * {@code format.max-abs-feature}; unset: any finite float32 when the model standardizes its input (the network
     * then sees at most √n or the clip, and the statistics are kept in double), float16's largest value with
     * float16 parameters.
     */
    static double maxAbsFeature(JobConfig c) {
        if (!c.isSet(JobOptions.MAX_ABS_FEATURE) && c.get(JobOptions.STANDARDIZE)) {
            return Float.MAX_VALUE;
        }
        if (!c.isSet(JobOptions.MAX_ABS_FEATURE) && c.get(JobOptions.MODEL_DTYPE) == ModelDataType.FLOAT16) {
            return Math.min(JobOptions.MAX_ABS_FEATURE.defaultValue(), JobConfig.FLOAT16_MAX);
        }
        return c.get(JobOptions.MAX_ABS_FEATURE);
    }

    /**
     * {@code format.max-rows-per-record}, or by default {@code format.max-batch-memory} over the bytes of one row
     * ({@link NetworkInfo#trainingBytesPerExample}).
     *
     * @throws JobConfigException if the memory budget does not hold a single row
     */
    static int maxRowsPerRecord(JobConfig c, ModelSpec spec) {
        if (c.isSet(JobOptions.MAX_ROWS_PER_RECORD)) {
            return c.get(JobOptions.MAX_ROWS_PER_RECORD);
        }
        long budget = c.get(JobOptions.MAX_BATCH_MEMORY).getBytes();
        long perRow = NetworkInfo.trainingBytesPerExample(
                MultiLayerConfiguration.fromJson(spec.networkConfigJson()), spec.numFeatures());
        long rows = budget / perRow;
        if (rows < 1) {
            throw new JobConfigException(java.util.List.of("config keys '" + JobOptions.MAX_BATCH_MEMORY.key()
                    + "' and '" + JobOptions.ARCHITECTURE.key() + "': one example of this network needs about "
                    + perRow + " bytes, more than the budget of " + budget + " bytes"));
        }
        LOG.info("At most {} rows per record: {} bytes each within {} of {}", Math.min(rows, Integer.MAX_VALUE),
                perRow, JobOptions.MAX_BATCH_MEMORY.key(), c.get(JobOptions.MAX_BATCH_MEMORY));
        return (int) Math.min(rows, Integer.MAX_VALUE);
    }

    /** Builds the whole job into {@code env}: source, decoding, training and the Kafka sinks. */
    public static Streams build(StreamExecutionEnvironment env, JobConfig c) {
        return build(env, c, UnaryOperator.identity());
    }

    /**
     * As {@link #build(StreamExecutionEnvironment, JobConfig)}, with {@code afterDecode} applied to the validated
     * records before training: a seam for extra operators (tests inject failures there).
     */
    public static Streams build(StreamExecutionEnvironment env, JobConfig c,
                                UnaryOperator<DataStream<TrainingRecord>> afterDecode) {
        ModelSpec spec = modelSpec(c);
        LOG.info("Model: {}", spec);
        configure(env, c);
        SingleOutputStreamOperator<TrainingRecord> records = env
                .fromSource(source(c), WatermarkStrategy.noWatermarks(), "Kafka training records")
                .uid("kafka-source")
                .process(DecodeFunction.training(recordFormat(c, spec),
                        c.isSet(JobOptions.MODEL_IDS) ? new HashSet<>(c.get(JobOptions.MODEL_IDS)) : null))
                .returns(TrainingRecord.class)
                .uid("decode")
                .name("Decode and validate");
        GsamTraining.Streams trained = GsamTraining.train(afterDecode.apply(records), ModelSpecResolver.single(spec),
                trainingOptions(c));
        // Records of model ids beyond training.max-models are dead letters too (too-many-models).
        DataStream<DeadLetter> deadLetters = records.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .union(trained.rejected().map(GsamJob::deadLetter).returns(DeadLetter.class)
                        .uid("rejected-dead-letters").name("Rejected records"));

        String prefix = KafkaRules.transactionalIdPrefix(c.options());
        deadLetters.sinkTo(deadLetterSink(c, prefix + "-dlq")).uid("dead-letter-sink").name("Dead letters");
        if (c.isSet(JobOptions.METRICS_TOPIC)) {
            trained.metrics().sinkTo(sink(c, new KafkaCodecs.MetricsJson(c.get(JobOptions.METRICS_TOPIC)), prefix + "-metrics"))
                    .uid("metrics-sink").name("Metrics topic");
        }
        if (c.isSet(JobOptions.ALERTS_TOPIC)) {
            // The operator logs every alert already (rate-limited); the topic is for consumers.
            trained.alerts().sinkTo(sink(c, new KafkaCodecs.AlertsJson(c.get(JobOptions.ALERTS_TOPIC)), prefix + "-alerts"))
                    .uid("alerts-sink").name("Alerts topic");
        }
        if (c.get(JobOptions.METRICS_LOG)) {
            trained.metrics().map(KafkaCodecs::toJson).uid("metrics-json").name("Metrics JSON")
                    .print().uid("metrics-log").name("Metrics log");
        }
        if (c.isSet(JobOptions.STORE_ROOT)) {
            org.gsamflink.modelstore.ModelStore store = org.gsamflink.modelstore.ModelStore.builder()
                    .root(c.get(JobOptions.STORE_ROOT))
                    .keepLast(c.get(JobOptions.STORE_KEEP_LAST))
                    .keepEvery(c.get(JobOptions.STORE_KEEP_EVERY))
                    .build();
            trained.snapshots().sinkTo(org.gsamflink.operators.store.ModelStoreSink.builder().store(store)
                            .owner(c.get(JobOptions.STORE_OWNER) == null ? c.get(JobOptions.JOB_NAME)
                                    : c.get(JobOptions.STORE_OWNER))
                            .takeOver(c.get(JobOptions.STORE_TAKE_OVER))
                            .commitRetries(c.get(JobOptions.STORE_COMMIT_RETRIES)).build())
                    .uid("model-store-sink").name("Model store");
        }
        if (c.isSet(JobOptions.SNAPSHOTS_TOPIC)) {
            trained.snapshots().sinkTo(sink(c, new KafkaCodecs.SnapshotNotices(c.get(JobOptions.SNAPSHOTS_TOPIC)),
                            prefix + "-snapshots"))
                    .uid("snapshot-notice-sink").name("Snapshot notices");
        }
        if (c.get(JobOptions.SERVE_ENABLED)) {
            ServingJob.addTo(env, c);
        }
        return new Streams(trained.metrics(), trained.snapshots(), deadLetters);
    }

    /** What every job of this configuration shares: parallelism, restart strategy, checkpoints. */
    static void configure(StreamExecutionEnvironment env, JobConfig c) {
        env.setParallelism(c.get(JobOptions.PARALLELISM));
        JobRestartStrategy.apply(env, c);
        if (!c.get(JobOptions.CHECKPOINT_INTERVAL).isZero()) {
            env.enableCheckpointing(c.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        }
    }

    /**
     * A record the training operator did not train on, as a dead letter: reason code, detail, no source coordinates
     * (partition and offset -1) and, as the value, {@code {"model":…,"rows":…}}: the original bytes are not carried
     * past decoding.
     */
    static DeadLetter deadLetter(RejectedRecord r) {
        DeadLetter d = new DeadLetter();
        d.reason = r.reason;   // RejectedRecord.TOO_MANY_MODELS is RejectReason.TOO_MANY_MODELS.code()
        d.detail = r.detail;
        d.sourceTopic = null;
        d.sourcePartition = -1;
        d.sourceOffset = -1;
        com.fasterxml.jackson.databind.node.ObjectNode o = KafkaCodecs.JSON.createObjectNode();
        o.put("model", r.modelId);
        o.put("rows", r.rows);
        d.value = o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return d;
    }

    /** The training records' source: source.topics or source.topic-pattern. */
    static KafkaSource<RawRecord> source(JobConfig c) {
        return source(c, c.get(JobOptions.GROUP_ID), c.get(JobOptions.STARTING_OFFSETS), b -> {
            if (c.isSet(JobOptions.TOPIC_PATTERN)) {
                b.setTopicPattern(Pattern.compile(c.get(JobOptions.TOPIC_PATTERN)));
            } else {
                b.setTopics(c.get(JobOptions.TOPICS));
            }
        });
    }

    /** A raw-record source of the job's brokers and client keys; {@code topics} sets what it reads. */
    static KafkaSource<RawRecord> source(JobConfig c, String groupId, JobOptions.StartingOffsets start,
                                         java.util.function.Consumer<KafkaSourceBuilder<RawRecord>> topics) {
        KafkaSourceBuilder<RawRecord> b = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setGroupId(groupId)
                .setDeserializer(new KafkaCodecs.RawRecords())
                .setProperties(clientProperties(c));
        topics.accept(b);
        b.setStartingOffsets(switch (start) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case TIMESTAMP -> OffsetsInitializer.timestamp(c.get(JobOptions.STARTING_TIMESTAMP));
        });
        if (c.get(JobOptions.BOUNDED)) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    static <T> KafkaSink<T> sink(JobConfig c, KafkaRecordSerializationSchema<T> schema, String transactionalIdPrefix) {
        return sink(c, schema, transactionalIdPrefix, Map.of());
    }

    /** As {@link #sink(JobConfig, KafkaRecordSerializationSchema, String)}, with producer properties on top. */
    static <T> KafkaSink<T> sink(JobConfig c, KafkaRecordSerializationSchema<T> schema, String transactionalIdPrefix,
                                 Map<String, String> producerOverrides) {
        return sink(c, schema, transactionalIdPrefix, producerOverrides, c.get(JobOptions.DELIVERY));
    }

    /** As above, with its own delivery guarantee (the predictions' serve.delivery). */
    static <T> KafkaSink<T> sink(JobConfig c, KafkaRecordSerializationSchema<T> schema, String transactionalIdPrefix,
                                 Map<String, String> producerOverrides, JobOptions.Delivery delivery) {
        Properties producer = clientProperties(c);
        producer.putAll(producerOverrides);
        boolean exactlyOnce = delivery == JobOptions.Delivery.EXACTLY_ONCE;
        var b = KafkaSink.<T>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE);
        if (exactlyOnce) {
            b.setTransactionalIdPrefix(transactionalIdPrefix);
            // The user's kafka.transaction.timeout.ms, or a default that outlives a checkpoint interval plus recovery.
            b.setProperty(KafkaRules.TRANSACTION_TIMEOUT,
                    String.valueOf(KafkaRules.transactionTimeoutMs(c.options(), c.kafkaProperties())));
        }
        return b.build();
    }

    /**
     * The dead-letter sink: values cut to {@code sink.dead-letter-max-bytes}, and a producer whose
     * {@code max.request.size} takes the largest such dead letter (Kafka's default of 1 MiB, the user's larger
     * {@code kafka.max.request.size}, or what the dead letters need; a smaller user value fails in
     * {@link JobConfig}).
     */
    static KafkaSink<DeadLetter> deadLetterSink(JobConfig c, String transactionalIdPrefix) {
        int maxValue = c.get(JobOptions.DEAD_LETTER_MAX_BYTES);
        long requestSize = deadLetterRequestSize(c);
        Map<String, String> producer = new java.util.HashMap<>();
        producer.put("max.request.size", String.valueOf(requestSize));
        // The producer refuses a record larger than its whole buffer (32 MiB by default) as well.
        if (requestSize > KAFKA_DEFAULT_BUFFER_MEMORY && !c.kafkaProperties().containsKey("buffer.memory")) {
            producer.put("buffer.memory", String.valueOf(2 * requestSize));
        }
        return sink(c, new KafkaCodecs.DeadLetters(c.get(JobOptions.DEAD_LETTER_TOPIC), maxValue),
                transactionalIdPrefix, producer);
    }

    /** The dead-letter producer's {@code max.request.size}. */
    static long deadLetterRequestSize(JobConfig c) {
        String set = c.kafkaProperties().getProperty("max.request.size");
        long configured = set == null ? KAFKA_DEFAULT_MAX_REQUEST_SIZE : Long.parseLong(set.strip());
        return Math.max(configured,
                KafkaCodecs.DeadLetters.requiredRequestSize(c.get(JobOptions.DEAD_LETTER_MAX_BYTES)));
    }

    /** The Kafka producer's default {@code max.request.size} (1 MiB). */
    static final long KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1 << 20;
    /** The Kafka producer's default {@code buffer.memory} (32 MiB). */
    static final long KAFKA_DEFAULT_BUFFER_MEMORY = 32L << 20;

    private static Properties clientProperties(JobConfig c) {
        Properties p = c.kafkaProperties();
        p.remove("bootstrap.servers");
        return p;
    }
}
