package org.gsamflink.pipeline.job;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.OptimizerKind;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.PerturbationMode;
import org.gsamflink.pipeline.format.CsvRecordFormat;
import org.gsamflink.pipeline.format.JsonRecordFormat;
import org.gsamflink.pipeline.format.RecordFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts {@link GsamJob} derives from a configuration, without running a job. */
class GsamJobTest {

    private static JobConfig config(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap.servers", "127.0.0.1:1");
        m.put("source.topics", "gsam-train");
        m.put("model.architecture", "mlp:16-32-4");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return JobConfig.fromMap(m);
    }

    @Test
    void modelSpecTakesItsSizesFromTheArchitecture() {
        ModelSpec spec = GsamJob.modelSpec(config("gsam.alpha", "0.3", "training.batch-size", "16",
                "training.batch-timeout", "2 s"));

        assertThat(spec.numFeatures()).isEqualTo(16);
        assertThat(spec.numClasses()).isEqualTo(4);
        assertThat(spec.alpha()).isEqualTo(0.3);
        assertThat(spec.batchSize()).isEqualTo(16);
        assertThat(spec.batchTimeoutMs()).isEqualTo(2000);
        assertThat(spec.standardize()).as("off by default").isFalse();
        assertThat(spec.newStandardizer()).isNull();
    }

    @Test
    void modelStandardizeGivesTheSpecItsStatistics() {
        ModelSpec spec = GsamJob.modelSpec(config("model.standardize", "true", "model.standardize-clip", "4"));
        assertThat(spec.standardize()).isTrue();
        assertThat(spec.newStandardizer().features()).isEqualTo(16);
        assertThat(spec.newStandardizer().clip()).isEqualTo(4.0);
        assertThat(GsamJob.modelSpec(config("model.standardize", "true")).standardizeClip())
                .isEqualTo(ModelSpec.DEFAULT_STANDARDIZE_CLIP);
        // Raw features of any finite size are fine: the network sees them standardized.
        assertThat(GsamJob.maxAbsFeature(config("model.standardize", "true"))).isEqualTo(Float.MAX_VALUE);
        assertThat(GsamJob.maxAbsFeature(config("model.standardize", "true", "format.max-abs-feature", "1e9")))
                .isEqualTo(1e9);
        assertThat(GsamJob.maxAbsFeature(config())).isEqualTo(1e6);
    }

    @Test
    void gsamKeysMapOntoTheOptimizerSettings() {
        String rho = "proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02";
        String lr = "cosine:max=0.05,min=0.0005,T=20000,warmup=200";
        ModelSpec spec = GsamJob.modelSpec(config("gsam.alpha", "0.25", "gsam.rho", rho, "gsam.lr-schedule", lr,
                "gsam.perturbation", "paper", "gsam.minimize-fp", "false", "gsam.seed", "7"));
        assertThat(spec.optimizer()).isEqualTo(OptimizerSettings.builder().preset(OptimizerKind.GSAM).alpha(0.25)
                .rho(rho).lrSchedule(lr).perturbation(PerturbationMode.PAPER).minimizeFp(false).seed(7).build());

        // The keys' defaults: α 0.4, ρ constant:0.05, the updater's own lr, no perturbation, the authors' form.
        assertThat(GsamJob.modelSpec(config()).optimizer()).isEqualTo(OptimizerSettings.builder().alpha(0.4)
                .rho("constant:0.05").perturbation(PerturbationMode.NONE).minimizeFp(true).seed(42).build());
        assertThat(GsamJob.modelSpec(config()).optimizer().lrSchedule()).isNull();
    }

    @Test
    void recordFormatFollowsTheConfiguration() throws Exception {
        JobConfig c = config("format.type", "csv", "format.csv.delimiter", ";", "format.csv.label-column", "0",
                "format.default-model-id", "fm");
        RecordFormat format = GsamJob.recordFormat(c, GsamJob.modelSpec(c));

        assertThat(format).isInstanceOf(CsvRecordFormat.class);
        float[] x = new float[16];
        x[3] = 0.5f;
        TrainingRecord r = format.decode("2;0;0;0;0.5;0;0;0;0;0;0;0;0;0;0;0;0".getBytes(StandardCharsets.UTF_8));
        assertThat(r).isEqualTo(TrainingRecord.example("fm", x, 2));

        assertThat(GsamJob.recordFormat(config(), GsamJob.modelSpec(config()))).isInstanceOf(JsonRecordFormat.class);
    }

    @Test
    void buildingTheSourceDoesNotConnect() {
        // 127.0.0.1:1 has no broker: building must neither connect nor wait.
        KafkaSource<RawRecord> unbounded = GsamJob.source(config());
        KafkaSource<RawRecord> bounded = GsamJob.source(config("source.bounded", "true",
                "source.starting-offsets", "timestamp", "source.starting-timestamp-ms", "1700000000000"));
        KafkaSource<RawRecord> pattern = GsamJob.source(JobConfig.load(null, java.util.List.of(
                "kafka.bootstrap.servers=127.0.0.1:1", "source.topic-pattern=gsam-train.*", "model.architecture=mlp:4-2")));

        assertThat(unbounded.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(bounded.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
        assertThat(pattern.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    }

    @Test
    void trainingOptionsFollowTheConfiguration() {
        var options = GsamJob.trainingOptions(config("training.metrics-every-steps", "5",
                "training.snapshot-every-steps", "0", "training.max-live-models", "3"));

        assertThat(options.metricsEverySteps()).isEqualTo(5);
        assertThat(options.snapshotEverySteps()).isZero();
        assertThat(options.maxLiveModels()).isEqualTo(3);
        assertThat(options.maxModels()).isEqualTo(10_000);
        assertThat(options.maxModelMetricGroups()).isEqualTo(1_000);
        assertThat(options.fadingFactor()).isEqualTo(0.999);
        assertThat(GsamJob.trainingOptions(config("training.fading-factor", "1")).fadingFactor()).isEqualTo(1.0);
        assertThat(options.onDrift()).isEqualTo(org.gsamflink.operators.DriftReaction.NONE);
        assertThat(GsamJob.trainingOptions(config("training.on-drift", "rewarm")).onDrift())
                .isEqualTo(org.gsamflink.operators.DriftReaction.REWARM);
        assertThat(GsamJob.trainingOptions(config("training.on-drift", "RESET")).onDrift())
                .isEqualTo(org.gsamflink.operators.DriftReaction.RESET);

        var capped = GsamJob.trainingOptions(config("training.max-models", "12", "training.max-model-metric-groups", "0"));
        assertThat(capped.maxModels()).isEqualTo(12);
        assertThat(capped.maxModelMetricGroups()).isZero();
    }

    /** The names of the job's operators, as {@link GsamJob#build} wires them (no connection is made). */
    private static java.util.List<String> operatorNames(JobConfig c) {
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        GsamJob.build(env, c);
        return env.getStreamGraph().getStreamNodes().stream().map(n -> n.getOperatorName()).toList();
    }

    @Test
    void theAlertsTopicGetsASinkOnlyWhenItIsSet() {
        assertThat(operatorNames(config("sink.alerts-topic", "gsam-alerts")))
                .anySatisfy(n -> assertThat(n).contains("Alerts topic"))
                .anySatisfy(n -> assertThat(n).contains("Rejected records"));
        assertThat(operatorNames(config())).noneSatisfy(n -> assertThat(n).contains("Alerts topic"));
    }

    @Test
    void aRecordRefusedForTooManyModelsIsADeadLetterWithTheReasonCode() throws Exception {
        assertThat(org.gsamflink.operators.RejectedRecord.TOO_MANY_MODELS)
                .isEqualTo(org.gsamflink.pipeline.format.RejectReason.TOO_MANY_MODELS.code());
        assertThat(org.gsamflink.operators.RejectedRecord.SPEC_CHANGED)
                .isEqualTo(org.gsamflink.pipeline.format.RejectReason.SPEC_CHANGED.code());
        DeadLetter d = GsamJob.deadLetter(new org.gsamflink.operators.RejectedRecord("m-7",
                org.gsamflink.operators.RejectedRecord.TOO_MANY_MODELS, "model id 'm-7' is new", 3, 99L));
        assertThat(d.reason).isEqualTo("too-many-models");
        assertThat(d.detail).isEqualTo("model id 'm-7' is new");
        assertThat(d.sourcePartition).isEqualTo(-1);
        assertThat(d.sourceOffset).isEqualTo(-1);
        assertThat(new String(d.value, StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"m-7\",\"rows\":3}");
        var record = new KafkaCodecs.DeadLetters("dlq").serialize(d, null, null);
        assertThat(new String(record.headers().lastHeader(KafkaCodecs.DeadLetters.REASON).value(),
                StandardCharsets.UTF_8)).isEqualTo("too-many-models");
    }

    @Test
    void metricsJsonCarriesTheSkippedReasonAndAlertsAreJsonLines() throws Exception {
        org.gsamflink.operators.StepMetrics m = new org.gsamflink.operators.StepMetrics();
        m.modelId = "m";
        m.step = 4;
        var node = KafkaCodecs.JSON.readTree(KafkaCodecs.toJson(m));
        assertThat(node.get("skipped_reason").isNull()).isTrue();
        assertThat(node.has("skipped_steps")).isTrue();
        m.skippedReason = "non-finite-loss";
        assertThat(KafkaCodecs.JSON.readTree(KafkaCodecs.toJson(m)).get("skipped_reason").asText())
                .isEqualTo("non-finite-loss");
        m.fadingAccuracy = 0.8125;
        m.kappa = Double.NaN;
        var faded = KafkaCodecs.JSON.readTree(KafkaCodecs.toJson(m));
        assertThat(faded.get("fading_accuracy").asDouble()).isEqualTo(0.8125);
        assertThat(faded.get("kappa").asText()).as("undefined kappa").isEqualTo("NaN");

        var alert = new org.gsamflink.operators.TrainingAlert("m", 7, "non-finite-parameters", "rolled-back",
                "rolled back to step 5", 123L);
        var record = new KafkaCodecs.AlertsJson("alerts").serialize(alert, null, null);
        assertThat(record.topic()).isEqualTo("alerts");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("m");
        var a = KafkaCodecs.JSON.readTree(new String(record.value(), StandardCharsets.UTF_8));
        assertThat(a.get("model").asText()).isEqualTo("m");
        assertThat(a.get("step").asLong()).isEqualTo(7);
        assertThat(a.get("reason").asText()).isEqualTo("non-finite-parameters");
        assertThat(a.get("action").asText()).isEqualTo("rolled-back");
        assertThat(a.get("detail").asText()).isEqualTo("rolled back to step 5");
        assertThat(a.get("timestamp_ms").asLong()).isEqualTo(123L);
        assertThat(a.has("statistic")).as("not a detector's alarm").isFalse();

        var alarm = new org.gsamflink.operators.TrainingAlert("m", 9, "drift", "rewarmed", "error rate rose", 5L)
                .withFigures(51.25, 50.0);
        var d = KafkaCodecs.JSON.readTree(KafkaCodecs.toJson(alarm));
        assertThat(d.get("reason").asText()).isEqualTo("drift");
        assertThat(d.get("action").asText()).isEqualTo("rewarmed");
        assertThat(d.get("statistic").asDouble()).isEqualTo(51.25);
        assertThat(d.get("threshold").asDouble()).isEqualTo(50.0);
    }

    // ---- input bounds and dead letters

    @Test
    void theRowBoundIsTheBatchMemoryOverOneRowsBytes() {
        JobConfig c = config();
        // mlp:16-32-4 in float32: 16 decoded floats, the 16 inputs, 32 + 4 activations and as many gradients.
        long perRow = 4 * 16 + 4 * (16 + 2 * (32 + 4));

        assertThat(GsamJob.maxRowsPerRecord(c, GsamJob.modelSpec(c))).isEqualTo((int) ((256L << 20) / perRow));
        JobConfig half = config("format.max-batch-memory", "128 mb");
        assertThat(GsamJob.maxRowsPerRecord(half, GsamJob.modelSpec(half))).isEqualTo((int) ((128L << 20) / perRow));
        JobConfig set = config("format.max-rows-per-record", "7");
        assertThat(GsamJob.maxRowsPerRecord(set, GsamJob.modelSpec(set))).isEqualTo(7);
    }

    @Test
    void aConvolutionCountsItsFeatureMaps() {
        JobConfig mlp = config("model.architecture", "mlp:784-10");
        JobConfig cnn = config("model.architecture", "cnn:28x28x1-10");

        int mlpRows = GsamJob.maxRowsPerRecord(mlp, GsamJob.modelSpec(mlp));
        int cnnRows = GsamJob.maxRowsPerRecord(cnn, GsamJob.modelSpec(cnn));
        // 16 feature maps of 28x28 alone are 16x the input: far fewer rows fit.
        assertThat(cnnRows).isPositive().isLessThan(mlpRows / 10);
    }

    @Test
    void aBudgetBelowOneRowNamesTheKeys() {
        JobConfig c = config("format.max-batch-memory", "100 bytes");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GsamJob.maxRowsPerRecord(c, GsamJob.modelSpec(c)))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("'format.max-batch-memory'").hasMessageContaining("'model.architecture'");
    }

    @Test
    void theRecordFormatAppliesTheBounds() {
        JobConfig c = config("format.type", "binary", "format.max-rows-per-record", "2", "format.max-weight", "5");
        RecordFormat format = GsamJob.recordFormat(c, GsamJob.modelSpec(c));

        TrainingRecord three = TrainingRecord.minibatch("m", 16, new float[48], new int[3]);
        org.assertj.core.api.Assertions.assertThatExceptionOfType(
                        org.gsamflink.pipeline.format.RecordRejectedException.class)
                .isThrownBy(() -> format.decode(format.encode(three)))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(org.gsamflink.pipeline.format.RejectReason.TOO_MANY_ROWS));
        TrainingRecord heavy = new TrainingRecord("m", 1, 16, new float[16], new int[1], new float[] {6}, true);
        org.assertj.core.api.Assertions.assertThatExceptionOfType(
                        org.gsamflink.pipeline.format.RecordRejectedException.class)
                .isThrownBy(() -> format.decode(format.encode(heavy)))
                .satisfies(e -> assertThat(e.reason()).isEqualTo(org.gsamflink.pipeline.format.RejectReason.OUT_OF_RANGE));
    }

    @Test
    void theFeatureBoundFollowsFloat16WhenUnset() {
        assertThat(GsamJob.maxAbsFeature(config())).isEqualTo(1e6);
        assertThat(GsamJob.maxAbsFeature(config("model.dtype", "float16"))).isEqualTo(65504);
        assertThat(GsamJob.maxAbsFeature(config("model.dtype", "float16", "format.max-abs-feature", "100")))
                .isEqualTo(100);
        assertThat(GsamJob.maxAbsFeature(config("format.max-abs-feature", "1e9"))).isEqualTo(1e9);
    }

    @Test
    void theDeadLetterProducerTakesTheLargestDeadLetter() {
        assertThat(GsamJob.deadLetterRequestSize(config())).isEqualTo(1 << 20);
        assertThat(GsamJob.deadLetterRequestSize(config("sink.dead-letter-max-bytes", "2097152")))
                .isEqualTo((2 << 20) + 16 * 1024);
        assertThat(GsamJob.deadLetterRequestSize(config("kafka.max.request.size", "8388608"))).isEqualTo(8 << 20);
        assertThat(GsamJob.deadLetterSink(config(), "p")).isNotNull();
    }
}
