package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.description.HtmlFormatter;
import org.gsamflink.optimizer.LossSpikeGuard;
import org.gsamflink.optimizer.OptimizerSettings;
import org.gsamflink.optimizer.PerturbationMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link JobConfig}: loading (YAML, nested and dotted keys, lists, overrides, passthrough) and validation, where every
 * problem names its key and all problems come together.
 */
class JobConfigTest {

    private static final String MINIMAL_YAML = """
            kafka:
              bootstrap.servers: broker-1:9092,broker-2:9092
            source:
              topics:
                - train-a
                - train-b
            model.architecture: mlp:16-32-4
            """;

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, text);
        return file;
    }

    /** A valid flat configuration plus {@code overrides} (a null value removes the key). */
    private static Map<String, String> minimal(String... overrides) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap.servers", "localhost:9092");
        m.put("source.topics", "gsam-train");
        m.put("model.architecture", "mlp:16-32-4");
        return withOverrides(m, overrides);
    }

    /** {@code base} plus {@code overrides} (key, value pairs; a null value removes the key). */
    static Map<String, String> withOverrides(Map<String, String> base, String... overrides) {
        Map<String, String> m = new LinkedHashMap<>(base);
        for (int i = 0; i < overrides.length; i += 2) {
            if (overrides[i + 1] == null) {
                m.remove(overrides[i]);
            } else {
                m.put(overrides[i], overrides[i + 1]);
            }
        }
        return m;
    }

    private static List<String> problems(Map<String, String> flat) {
        try {
            JobConfig.fromMap(flat);
        } catch (JobConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a JobConfigException for " + flat);
    }

    // ---- loading

    @Test
    void loadsMinimalYamlWithNestedKeysDottedKeysAndAList() throws IOException {
        JobConfig c = JobConfig.load(yaml(MINIMAL_YAML), List.of());

        assertThat(c.get(JobOptions.BOOTSTRAP_SERVERS)).isEqualTo("broker-1:9092,broker-2:9092");
        assertThat(c.get(JobOptions.TOPICS)).containsExactly("train-a", "train-b");
        assertThat(c.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:16-32-4");
        assertThat(c.isSet(JobOptions.TOPIC_PATTERN)).isFalse();
        // defaults
        assertThat(c.get(JobOptions.FORMAT)).isEqualTo(JobOptions.RecordFormatType.JSON);
        assertThat(c.get(JobOptions.ALPHA)).isEqualTo(0.4);
        assertThat(c.get(JobOptions.BATCH_SIZE)).isEqualTo(64);
        assertThat(c.get(JobOptions.DELIVERY)).isEqualTo(JobOptions.Delivery.EXACTLY_ONCE);
        assertThat(c.get(JobOptions.STARTING_OFFSETS)).isEqualTo(JobOptions.StartingOffsets.COMMITTED);
        assertThat(c.get(JobOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.isSet(JobOptions.LR_SCHEDULE)).isFalse();
    }

    @Test
    void nestedAndDottedSpellingsMeanTheSameKey() throws IOException {
        JobConfig c = JobConfig.load(yaml(MINIMAL_YAML + """
                gsam:
                  alpha: 0.25
                  perturbation: asam
                gsam.rho: constant:0.1
                training:
                  batch-timeout: 250 ms
                  batch-size: 32
                sink.delivery: at_least_once
                source.bounded: true
                """), List.of());

        assertThat(c.get(JobOptions.ALPHA)).isEqualTo(0.25);
        assertThat(c.get(JobOptions.PERTURBATION)).isEqualTo(PerturbationMode.ASAM);
        assertThat(c.get(JobOptions.RHO)).isEqualTo("constant:0.1");
        assertThat(c.get(JobOptions.BATCH_TIMEOUT)).isEqualTo(Duration.ofMillis(250));
        assertThat(c.get(JobOptions.BATCH_SIZE)).isEqualTo(32);
        assertThat(c.get(JobOptions.DELIVERY)).isEqualTo(JobOptions.Delivery.AT_LEAST_ONCE);
        assertThat(c.get(JobOptions.BOUNDED)).isTrue();
    }

    @Test
    void overridesWinOverTheFile() throws IOException {
        JobConfig c = JobConfig.load(yaml(MINIMAL_YAML + "gsam.alpha: 0.4\n"),
                List.of("gsam.alpha=0.1", " training.batch-size = 8 ", "source.topics=x;y;z",
                        "kafka.bootstrap.servers=localhost:9092"));

        assertThat(c.get(JobOptions.ALPHA)).isEqualTo(0.1);
        assertThat(c.get(JobOptions.BATCH_SIZE)).isEqualTo(8);
        assertThat(c.get(JobOptions.TOPICS)).containsExactly("x", "y", "z");
        assertThat(c.get(JobOptions.BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
        assertThat(c.kafkaProperties()).containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void overridesAloneAreAConfiguration() {
        JobConfig c = JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092",
                "source.topic-pattern=gsam-train.*", "model.architecture=mlp:4-2"));

        assertThat(c.get(JobOptions.TOPIC_PATTERN)).isEqualTo("gsam-train.*");
        assertThat(c.isSet(JobOptions.TOPICS)).isFalse();
    }

    @Test
    void anOverrideWithoutEqualsSignIsAProblem() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092",
                "source.topics=t", "model.architecture=mlp:4-2", "gsam.alpha")))
                .isInstanceOfSatisfying(JobConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("override 'gsam.alpha' must look like key=value"));
    }

    @Test
    void kafkaKeysPassThroughWithoutThePrefix() throws IOException {
        JobConfig c = JobConfig.load(yaml(MINIMAL_YAML.replace("kafka:\n", """
                kafka:
                  security.protocol: SASL_SSL
                  sasl:
                    mechanism: PLAIN
                """)), List.of("kafka.client.dns.lookup=use_all_dns_ips"));

        Properties p = c.kafkaProperties();
        assertThat(p).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("client.dns.lookup", "use_all_dns_ips")
                .containsEntry("bootstrap.servers", "broker-1:9092,broker-2:9092")
                .doesNotContainKey("kafka.security.protocol");
        // a copy each time
        p.setProperty("security.protocol", "PLAINTEXT");
        assertThat(c.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void flinkKeysPassThroughWithoutThePrefix() throws IOException {
        JobConfig c = JobConfig.load(yaml(MINIMAL_YAML + """
                flink:
                  state.backend.type: hashmap
                flink.pipeline.object-reuse: true
                """), List.of());

        assertThat(c.flinkConfiguration().toMap())
                .containsEntry("state.backend.type", "hashmap")
                .containsEntry("pipeline.object-reuse", "true")
                .doesNotContainKey("flink.state.backend.type");
        assertThat(c.kafkaProperties()).doesNotContainKey("state.backend.type");
    }

    @Test
    void theServingExampleIsValidAndServesTheTrainingExamplesStore() {
        JobConfig serve = JobConfig.load(Path.of("../examples/serve.yaml"), List.of());
        JobConfig train = JobConfig.load(Path.of("../examples/job.yaml"), List.of());

        assertThat(serve.get(JobOptions.MODE)).isEqualTo(JobOptions.Mode.SERVE);
        assertThat(serve.get(JobOptions.SERVE_TOPICS)).containsExactly("gsam-requests");
        assertThat(serve.get(JobOptions.PREDICTIONS_TOPIC)).isEqualTo("gsam-predictions");
        assertThat(serve.get(JobOptions.STORE_ROOT)).isEqualTo(train.get(JobOptions.STORE_ROOT));
    }

    @Test
    void theExampleConfigurationIsValid() {
        Path example = Path.of("../examples/job.yaml");
        assertThat(example).isRegularFile();

        JobConfig c = JobConfig.load(example, List.of());

        assertThat(c.get(JobOptions.BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
        assertThat(c.get(JobOptions.TOPICS)).containsExactly("gsam-train");
        assertThat(c.get(JobOptions.FORMAT)).isEqualTo(JobOptions.RecordFormatType.JSON);
        assertThat(c.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:784-256-10");
        assertThat(c.get(JobOptions.ALPHA)).isEqualTo(0.4);
        assertThat(c.get(JobOptions.RHO)).startsWith("proportion:");
        assertThat(c.get(JobOptions.LR_SCHEDULE)).startsWith("cosine:");
        assertThat(c.get(JobOptions.DELIVERY)).isEqualTo(JobOptions.Delivery.EXACTLY_ONCE);
        assertThat(c.get(JobOptions.METRICS_TOPIC)).isEqualTo("gsam-metrics");
        assertThat(c.get(JobOptions.SNAPSHOTS_TOPIC)).isEqualTo("gsam-snapshots");
        assertThat(c.get(JobOptions.DEAD_LETTER_TOPIC)).isEqualTo("gsam-dead-letters");
        assertThat(c.get(JobOptions.CHECKPOINT_INTERVAL)).isPositive();
    }

    /** The configuration the drift-stream benchmark recommends (README, "Drift streams"): it must load as written. */
    @Test
    void theDriftStreamExampleIsValid() {
        JobConfig c = JobConfig.load(Path.of("../examples/drift-stream.yaml"), List.of());

        assertThat(c.get(JobOptions.FORMAT)).isEqualTo(JobOptions.RecordFormatType.CSV);
        assertThat(c.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:3-64-2");
        assertThat(c.get(JobOptions.STANDARDIZE)).isTrue();
        assertThat(c.get(JobOptions.UPDATER)).isEqualTo("adam");
        assertThat(c.get(JobOptions.LR_SCHEDULE)).startsWith("cosine:max=" + c.get(JobOptions.LEARNING_RATE));
        assertThat(c.get(JobOptions.ON_DRIFT)).isEqualTo(org.gsamflink.operators.DriftReaction.REWARM);
        assertThat(c.get(JobOptions.FADING_FACTOR)).isEqualTo(0.999);
        assertThat(c.get(JobOptions.ALERTS_TOPIC)).isEqualTo("gsam-drift-alerts");
        assertThat(c.get(JobOptions.BATCH_SIZE)).isEqualTo(64);
    }

    @Test
    void everyOptionHasADescriptionAndAUniqueKey() {
        assertThat(JobOptions.all()).hasSizeGreaterThan(40)
                .allSatisfy(o -> assertThat(new HtmlFormatter().format(o.description())).isNotBlank());
        assertThat(JobOptions.all().stream().map(o -> o.key()).distinct().count()).isEqualTo(JobOptions.all().size());
    }

    // ---- required keys and exclusive keys

    @Test
    void missingBootstrapServersNamesTheKey() {
        assertThat(problems(minimal("kafka.bootstrap.servers", null))).singleElement().asString()
                .contains("'kafka.bootstrap.servers'").contains("required");
    }

    @Test
    void aMissingRequiredKeyIsExplainedInWords() {
        assertThat(problems(minimal("kafka.bootstrap.servers", null))).singleElement().asString()
                .doesNotContain("Description@").contains("Kafka bootstrap servers");
    }

    @Test
    void missingArchitectureNamesTheKey() {
        assertThat(problems(minimal("model.architecture", null))).singleElement().asString()
                .contains("'model.architecture'").contains("required");
    }

    @Test
    void topicsAndTopicPatternTogetherAreAProblem() {
        assertThat(problems(minimal("source.topic-pattern", "gsam-train.*"))).singleElement().asString()
                .contains("'source.topics'").contains("'source.topic-pattern'").contains("exactly one");
    }

    @Test
    void neitherTopicsNorTopicPatternIsAProblem() {
        assertThat(problems(minimal("source.topics", null))).singleElement().asString()
                .contains("'source.topics'").contains("'source.topic-pattern'").contains("exactly one");
    }

    // ---- one bad value each: exactly one problem, naming the key

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        // wrong types
        "gsam.alpha|abc|gsam.alpha|abc",
        "training.batch-size|1.5|training.batch-size|1.5",
        "source.bounded|maybe|source.bounded|maybe",
        "job.checkpoint-interval|soon|job.checkpoint-interval|soon",
        "format.type|xml|format.type|xml",
        "sink.delivery|twice|sink.delivery|twice",
        "gsam.perturbation|sideways|gsam.perturbation|sideways",
        "training.on-drift|restart|training.on-drift|restart",
        // impossible values
        "gsam.lr-schedule|cosine:max=0.01,min=0.1,T=100|gsam.lr-schedule|minValue",
        "gsam.lr-schedule|cosine:max=0.05|gsam.lr-schedule|totalSteps",
        "gsam.lr-schedule|wobbly:1|gsam.lr-schedule|unknown scheduler type",
        "gsam.alpha|-0.1|gsam.alpha|>= 0",
        "gsam.alpha|NaN|gsam.alpha|finite",
        "model.learning-rate|0|model.learning-rate|> 0",
        "model.momentum|-1|model.momentum|>= 0",
        "model.weight-decay|-0.5|model.weight-decay|>= 0",
        "training.batch-size|0|training.batch-size|> 0",
        "training.metrics-every-steps|0|training.metrics-every-steps|> 0",
        "training.max-live-models|-3|training.max-live-models|> 0",
        "training.max-models|0|training.max-models|> 0",
        "training.max-model-metric-groups|-1|training.max-model-metric-groups|>= 0",
        "training.snapshot-every-steps|-1|training.snapshot-every-steps|>= 0",
        "training.fading-factor|0|training.fading-factor|fading factor must be in (0, 1], got 0.0",
        "training.fading-factor|1.5|training.fading-factor|fading factor must be in (0, 1], got 1.5",
        "training.fading-factor|NaN|training.fading-factor|fading factor must be in (0, 1], got NaN",
        "training.fading-factor|slow|training.fading-factor|slow",
        "model.standardize-clip|-1|model.standardize-clip|positive number of standard deviations, got -1.0",
        "model.standardize-clip|Infinity|model.standardize-clip|got Infinity",
        "model.standardize|maybe|model.standardize|maybe",
        "job.parallelism|0|job.parallelism|> 0",
        "format.max-record-bytes|0|format.max-record-bytes|> 0",
        "model.label-smoothing|1.0|model.label-smoothing|[0, 1)",
        "model.label-smoothing|-0.1|model.label-smoothing|[0, 1)",
        "gsam.rho|bogus|gsam.rho|bogus",
        "gsam.rho|proportion:lrMax=0.1,rhoMax=0.01,rhoMin=0.05|gsam.rho|rhoMax",
        "format.csv.delimiter|;;|format.csv.delimiter|one character",
        "format.csv.delimiter|''|format.csv.delimiter|one character",
        "source.starting-offsets|timestamp|source.starting-timestamp-ms|timestamp",
        "job.checkpoint-interval|0 s|job.checkpoint-interval|exactly-once",
        "model.ids|good;a/b|model.ids|'a/b'",
        "model.ids|..|model.ids|'..'",
        "model.updater|rmsprop|model.updater|rmsprop",
        "model.dtype|bfloat16|model.dtype|bfloat16",
        "training.devices|gpu0|training.devices|auto, none or a list",
        "training.devices|0,0|training.devices|twice",
        "source.topic-pattern|gsam-(|source.topic-pattern|regex",
        // bounds on inputs and dead letters
        "format.max-abs-feature|0|format.max-abs-feature|> 0",
        "format.max-abs-feature|Infinity|format.max-abs-feature|finite",
        "format.max-abs-feature|big|format.max-abs-feature|big",
        "format.max-weight|-1|format.max-weight|> 0",
        "format.max-weight|NaN|format.max-weight|finite",
        "format.max-rows-per-record|0|format.max-rows-per-record|> 0",
        "format.max-rows-per-record|many|format.max-rows-per-record|many",
        "format.max-batch-memory|0|format.max-batch-memory|> 0",
        "format.max-batch-memory|lots|format.max-batch-memory|lots",
        "sink.dead-letter-max-bytes|0|sink.dead-letter-max-bytes|> 0",
        "sink.dead-letter-max-bytes|2147480000|sink.dead-letter-max-bytes|max.request.size is an int",
        "kafka.max.request.size|1MB|kafka.max.request.size|integer number of bytes",
    })
    void aBadValueIsOneProblemNamingItsKey(String key, String value, String namedKey, String detail) {
        Map<String, String> flat = minimal(key, value);
        if (key.equals("source.topic-pattern")) {
            flat.remove("source.topics");
        }

        assertThat(problems(flat)).singleElement().asString()
                .contains("'" + namedKey + "'")
                .contains(detail);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "gsam.clip-norm|-1|must be a finite number > 0 (or 0 for no clipping), got -1.0",
        "gsam.clip-norm|Infinity|got Infinity",
        "gsam.clip-norm|abc|abc",
        "gsam.loss-spike-factor|0.5|loss spike factor must be a finite number > 1, got 0.5",
        "gsam.loss-spike-factor|Infinity|loss spike factor must be a finite number > 1",
        "gsam.loss-spike-window|0|loss spike window must be between 1 and 10000, got 0",
        "gsam.loss-spike-warmup-steps|0|loss spike warm-up must be >= 1 step, got 0",
        "gsam.loss-spike-warmup-steps|60|loss spike warm-up (60 steps) must not be longer than its window (50 losses)",
        "gsam.loss-spike-max-consecutive|0|loss spike max consecutive spikes must be >= 1, got 0",
    })
    void aBadGuardValueIsOneProblemNamingItsKey(String key, String value, String detail) {
        Map<String, String> flat = minimal(key, value);
        if (!key.equals("gsam.loss-spike-factor") && !key.equals("gsam.clip-norm")) {
            flat.put("gsam.loss-spike-factor", "3");   // the cross-field rule is checked only with a guard
        }
        assertThat(problems(flat)).singleElement().asString().contains("'" + key + "'").contains(detail);
    }

    @Test
    void theGuardKeysMapOntoTheOptimizerSettings() {
        OptimizerSettings off = JobConfig.fromMap(minimal()).optimizerSettings();
        assertThat(off.clipNorm()).isZero();
        assertThat(off.lossSpikeGuard()).isNull();

        OptimizerSettings on = JobConfig.fromMap(minimal("gsam.clip-norm", "2.5", "gsam.loss-spike-factor", "4",
                "gsam.loss-spike-window", "30", "gsam.loss-spike-warmup-steps", "10",
                "gsam.loss-spike-max-consecutive", "2")).optimizerSettings();
        assertThat(on.clipNorm()).isEqualTo(2.5);
        assertThat(on.lossSpikeGuard()).isEqualTo(LossSpikeGuard.builder().factor(4).windowSize(30).warmupSteps(10)
                .maxConsecutiveSpikes(2).build());
        assertThat(on.toGsamConfig().clipNorm()).isEqualTo(2.5);
    }

    @Test
    void aMaxRequestSizeTooSmallForTheDeadLettersNamesBothKeys() {
        assertThat(problems(minimal("kafka.max.request.size", "500000"))).singleElement().asString()
                .contains("'kafka.max.request.size'").contains("'sink.dead-letter-max-bytes'")
                .contains(">= " + (900 * 1024 + 16 * 1024)).contains("got 500000");
        assertThat(problems(minimal("kafka.max.request.size", "1048576", "sink.dead-letter-max-bytes", "2097152")))
                .singleElement().asString().contains("'kafka.max.request.size'")
                .contains("'sink.dead-letter-max-bytes'").contains("2097152");
    }

    @Test
    void aFeatureBoundBeyondFloat16NamesTheBoundAndTheDtype() {
        assertThat(problems(minimal("model.dtype", "float16", "format.max-abs-feature", "1e5"))).singleElement()
                .asString().contains("'format.max-abs-feature'").contains("'model.dtype'").contains("65504");
        // Unset, the bound follows the dtype instead of being a problem.
        assertThat(JobConfig.fromMap(minimal("model.dtype", "float16")).get(JobOptions.MODEL_DTYPE)).isNotNull();
    }

    @Test
    void inputBoundsAndDeadLetterSizeHaveTheirDocumentedDefaults() {
        JobConfig c = JobConfig.fromMap(minimal());

        assertThat(c.get(JobOptions.MAX_ABS_FEATURE)).isEqualTo(1e6);
        assertThat(c.get(JobOptions.MAX_WEIGHT)).isEqualTo(1000.0);
        assertThat(c.isSet(JobOptions.MAX_ROWS_PER_RECORD)).isFalse();
        assertThat(c.get(JobOptions.MAX_BATCH_MEMORY).getBytes()).isEqualTo(256L << 20);
        assertThat(c.get(JobOptions.DEAD_LETTER_MAX_BYTES)).isEqualTo(900 << 10);
    }

    @Test
    void inputBoundsThatHoldAreNotProblems() {
        JobConfig c = JobConfig.fromMap(minimal("format.max-abs-feature", "255", "format.max-weight", "10",
                "format.max-rows-per-record", "512", "format.max-batch-memory", "64 mb",
                "sink.dead-letter-max-bytes", "2097152", "kafka.max.request.size", "4194304",
                "model.dtype", "float16", "format.max-abs-feature", "60000"));

        assertThat(c.get(JobOptions.MAX_ROWS_PER_RECORD)).isEqualTo(512);
        assertThat(c.get(JobOptions.MAX_BATCH_MEMORY).getMebiBytes()).isEqualTo(64);
        assertThat(c.get(JobOptions.MAX_ABS_FEATURE)).isEqualTo(60000.0);
    }

    @Test
    void anImpossibleLrScheduleMentionsBothBounds() {
        assertThat(problems(minimal("gsam.lr-schedule", "cosine:max=0.01,min=0.1,T=100"))).singleElement().asString()
                .contains("gsam.lr-schedule").contains("minValue").contains("maxValue");
    }

    @Test
    void rulesThatHoldAreNotProblems() {
        JobConfig c = JobConfig.fromMap(minimal(
                "source.starting-offsets", "timestamp", "source.starting-timestamp-ms", "1700000000000",
                "sink.delivery", "at_least_once", "job.checkpoint-interval", "0 s",
                "model.ids", "m1;m-2;model.v3", "model.updater", "adamw", "model.label-smoothing", "0",
                "format.csv.delimiter", "\t", "gsam.lr-schedule", "cosine:max=0.05,min=0.0005,T=100"));

        assertThat(c.get(JobOptions.STARTING_TIMESTAMP)).isEqualTo(1_700_000_000_000L);
        assertThat(c.get(JobOptions.MODEL_IDS)).containsExactly("m1", "m-2", "model.v3");
        assertThat(c.get(JobOptions.CSV_DELIMITER)).isEqualTo("\t");
    }

    // ---- unknown keys

    @Test
    void anUnknownKeyGetsADidYouMeanSuggestion() {
        assertThat(problems(minimal("gsam.alpah", "0.2"))).singleElement().asString()
                .contains("unknown configuration key 'gsam.alpah'")
                .contains("did you mean 'gsam.alpha'?");
    }

    @Test
    void anUnknownKeyFarFromEveryOptionGetsNoSuggestion() {
        assertThat(problems(minimal("completely.different", "1"))).singleElement().asString()
                .contains("unknown configuration key 'completely.different'")
                .doesNotContain("did you mean");
    }

    @Test
    void aBarePrefixIsAnUnknownKey() {
        assertThat(problems(minimal("kafka.", "x"))).singleElement().asString()
                .contains("unknown configuration key 'kafka.'");
    }

    // ---- several problems at once

    @Test
    void severalRuleProblemsAreReportedTogether() {
        List<String> problems = problems(minimal("kafka.bootstrap.servers", null, "model.architecture", null,
                "training.batch-size", "0", "gsam.alpha", "-1", "model.updater", "rmsprop"));

        assertThat(problems).hasSize(5);
        assertThat(String.join("\n", problems)).contains("'kafka.bootstrap.servers'", "'model.architecture'",
                "'training.batch-size'", "'gsam.alpha'", "'model.updater'");
    }

    @Test
    void severalUnknownKeysAndTypeErrorsAreReportedTogether() {
        List<String> problems = problems(minimal("gsam.alpah", "0.2", "training.batchsize", "3",
                "source.bounded", "maybe", "training.batch-size", "many"));

        assertThat(problems).hasSize(4);
        assertThat(String.join("\n", problems)).contains("'gsam.alpah'", "'training.batchsize'", "'source.bounded'",
                "'training.batch-size'");
    }

    @Test
    void theExceptionMessageListsEveryProblemOnItsOwnLineWithoutAStackTrace() {
        assertThatThrownBy(() -> JobConfig.fromMap(minimal("kafka.bootstrap.servers", null, "gsam.alpha", "-1")))
                .isInstanceOfSatisfying(JobConfigException.class, e -> {
                    assertThat(e.getMessage()).startsWith("invalid configuration:\n  - ");
                    assertThat(e.getMessage().lines()).hasSize(3);
                    assertThat(e.getStackTrace()).isEmpty();
                });
    }

    // ---- files

    @Test
    void aMissingFileIsOneProblemNamingTheFile() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> JobConfig.load(missing, List.of()))
                .isInstanceOfSatisfying(JobConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains(missing.toString()).contains("does not exist"));
    }

    @Test
    void invalidYamlIsOneProblemNamingTheFile() throws IOException {
        Path file = yaml("kafka:\n  bootstrap.servers: [localhost:9092\nsource: {topics: x\n");

        assertThatThrownBy(() -> JobConfig.load(file, List.of()))
                .isInstanceOfSatisfying(JobConfigException.class, e -> {
                    assertThat(e.problems()).singleElement().asString().contains(file.toString())
                            .contains("not valid YAML");
                    assertThat(e.getMessage()).doesNotContain("\tat ");
                });
    }

    @Test
    void aYamlListAtTheTopLevelIsAProblem() throws IOException {
        Path file = yaml("- a\n- b\n");

        assertThatThrownBy(() -> JobConfig.load(file, List.of()))
                .isInstanceOfSatisfying(JobConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains("top level must be a mapping"));
    }

    @Test
    void anEmptyFileWithOverridesIsValid() throws IOException {
        JobConfig c = JobConfig.load(yaml(""), Arrays.asList("kafka.bootstrap.servers=h:1", "source.topics=t",
                "model.architecture=mlp:4-2"));

        assertThat(c.get(JobOptions.TOPICS)).containsExactly("t");
    }

    @Test
    void overridesOnAMapWinAndAMalformedOneIsAProblem() {
        JobConfig c = JobConfig.fromMapWithOverrides(minimal("gsam.alpha", "0.1"), List.of("gsam.alpha = 0.3"));
        assertThat(c.get(JobOptions.ALPHA)).isEqualTo(0.3);
        assertThatThrownBy(() -> JobConfig.fromMapWithOverrides(minimal(), List.of("gsam.alpha")))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("override 'gsam.alpha' must look like key=value");
    }

    @Test
    void modelStoreOwnershipKeysAreChecked() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092",
                "source.topics=t", "model.architecture=mlp:4-2", "model-store.commit-retries=0",
                "model-store.owner= ")))
                .isInstanceOfSatisfying(JobConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "config key 'model-store.commit-retries': must be > 0, got 0",
                        "config key 'model-store.owner': a model store owner must be 1 to 256 characters without "
                                + "line breaks, got ''"));
        JobConfig c = JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092", "source.topics=t",
                "model.architecture=mlp:4-2"));
        assertThat(c.get(JobOptions.STORE_COMMIT_RETRIES)).isEqualTo(10);
        assertThat(c.get(JobOptions.STORE_TAKE_OVER)).isFalse();
        assertThat(c.isSet(JobOptions.STORE_OWNER)).as("defaults to job.name").isFalse();
    }

    @Test
    void sharpnessEveryIsCheckedUnderItsKeyAndReachesTheOptimizer() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092",
                "source.topics=t", "model.architecture=mlp:4-2", "gsam.sharpness-every=0")))
                .isInstanceOfSatisfying(JobConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("config key 'gsam.sharpness-every': ")
                        .contains("must be >= 1"));
        JobConfig c = JobConfig.load(null, List.of("kafka.bootstrap.servers=localhost:9092", "source.topics=t",
                "model.architecture=mlp:4-2", "gsam.sharpness-every=5"));
        assertThat(c.optimizerSettings().toGsamConfig().sharpnessEvery()).isEqualTo(5);
    }

    // ---- serving

    private static Map<String, String> serving(String... overrides) {
        return withOverrides(Map.of("kafka.bootstrap.servers", "localhost:9092", "job.mode", "serve",
                "serve.topics", "requests", "sink.predictions-topic", "predictions", "model-store.root", "/tmp/m"),
                overrides);
    }

    @Test
    void aServingJobNeedsNoArchitectureAndNoTrainingTopics() {
        JobConfig c = JobConfig.fromMap(serving());
        assertThat(c.get(JobOptions.MODE)).isEqualTo(JobOptions.Mode.SERVE);
        assertThat(c.get(JobOptions.SERVE_DELIVERY)).isEqualTo(JobOptions.Delivery.AT_LEAST_ONCE);
        assertThat(ServingJob.servingOptions(c).gate().enabled()).isFalse();
        assertThat(ServingJob.servingOptions(JobConfig.fromMap(serving("serve.gate.max-accuracy-drop", "0.02")))
                .gate().enabled()).isTrue();
    }

    @Test
    void servingNamesEachMissingKey() {
        assertThat(problems(serving("serve.topics", null, "sink.predictions-topic", null, "model-store.root", null)))
                .containsExactly(
                        "config key 'serve.topics' is required with a serving job: the topics of prediction requests",
                        "config key 'sink.predictions-topic' is required with a serving job: where predictions go",
                        "config key 'model-store.root' is required with a serving job: the committed versions are "
                                + "served from there");
        assertThat(problems(minimal("serve.enabled", "true", "serve.topics", "requests",
                "sink.predictions-topic", "predictions")))
                .containsExactly("config key 'model-store.root' is required with serve.enabled: the committed "
                        + "versions are served from there");
    }

    @Test
    void badServingValuesNameTheirKeys() {
        assertThat(problems(serving("serve.gate.max-accuracy-drop", "1.5")))
                .containsExactly("config key 'serve.gate.max-accuracy-drop': must be in [0, 1] (an accuracy "
                        + "margin), got 1.5");
        assertThat(problems(serving("serve.poll-interval", "0 ms")))
                .containsExactly("config key 'serve.poll-interval': must be at least 1 ms, got PT0S");
        assertThat(problems(serving("serve.max-rows-per-request", "0")))
                .containsExactly("config key 'serve.max-rows-per-request': must be > 0, got 0");
        assertThat(problems(serving("serve.models", "ok;a b")))
                .singleElement().asString().startsWith("config key 'serve.models': 'a b' is not a valid model id");
        assertThat(problems(serving("serve.enabled", "true"))).containsExactly("config keys 'job.mode' and "
                + "'serve.enabled': serve.enabled adds serving to a training job; a job.mode: serve job serves already");
    }

    @Test
    void requestsPredictionsAndTrainingRecordsNeedTheirOwnTopics() {
        assertThat(problems(minimal("serve.enabled", "true", "serve.topics", "gsam-train",
                "sink.predictions-topic", "predictions", "model-store.root", "/tmp/m")))
                .containsExactly("config keys 'serve.topics' and 'source.topics': topic 'gsam-train' is in both; "
                        + "requests and training records need their own topics");
        assertThat(problems(serving("sink.predictions-topic", "requests")))
                .containsExactly("config keys 'sink.predictions-topic' and 'serve.topics': 'requests' is both a sink "
                        + "and a source topic; the job would read its own output");
    }
}
