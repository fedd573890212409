package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link KafkaRules} and {@link JobRestartStrategy}: the Kafka and restart keys' rules and derived values. */
class KafkaRulesTest {

    private static Map<String, String> minimal(String... overrides) {
        return JobConfigTest.withOverrides(Map.of("kafka.bootstrap.servers", "localhost:9092",
                "source.topics", "gsam-train", "model.architecture", "mlp:16-32-4"), overrides);
    }

    private static String onlyProblem(Map<String, String> flat) {
        try {
            JobConfig.fromMap(flat);
        } catch (JobConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("expected a JobConfigException for " + flat);
    }

    // ---- sinks the source would read

    @Test
    void aPatternMatchingTheDefaultDeadLetterTopicNamesBothKeysAndTheTopic() {
        assertThat(onlyProblem(minimal("source.topics", null, "source.topic-pattern", "gsam-.*")))
                .contains("'sink.dead-letter-topic'").contains("'source.topic-pattern'").contains("'gsam-.*'")
                .contains("'gsam-dead-letters'").contains("read its own output");
    }

    @Test
    void aSinkTopicListedAsASourceNamesBothKeys() {
        assertThat(onlyProblem(minimal("source.topics", "gsam-train;gsam-metrics", "sink.metrics-topic",
                "gsam-metrics"))).contains("'sink.metrics-topic'").contains("'source.topics'")
                .contains("'gsam-metrics'");
    }

    @Test
    void aPatternMatchingNoSinkTopicIsFine() {
        JobConfig c = JobConfig.fromMap(minimal("source.topics", null, "source.topic-pattern", "gsam-train-.*",
                "sink.alerts-topic", "gsam-alerts", "sink.snapshots-topic", "gsam-snapshots"));

        assertThat(KafkaRules.sinkTopics(c.options()).values())
                .containsExactly("gsam-dead-letters", "gsam-alerts", "gsam-snapshots");
    }

    // ---- transactional ids

    @Test
    void theDefaultTransactionalIdPrefixIsTheJobNameMadeSafe() {
        assertThat(KafkaRules.transactionalIdPrefix(JobConfig.fromMap(minimal()).options()))
                .isEqualTo("gsam-flink-training");
        assertThat(KafkaRules.transactionalIdPrefix(JobConfig.fromMap(minimal("job.name", " Fraud models / EU "))
                .options())).isEqualTo("Fraud-models-EU");
        assertThat(KafkaRules.transactionalIdPrefix(JobConfig.fromMap(minimal("job.name", "***")).options()))
                .isEqualTo("gsam-flink");
        assertThat(KafkaRules.transactionalIdPrefix(JobConfig.fromMap(minimal("job.name", "a",
                "sink.transactional-id-prefix", "mine")).options())).isEqualTo("mine");
    }

    @Test
    void aBlankTransactionalIdPrefixIsAProblem() {
        assertThat(onlyProblem(minimal("sink.transactional-id-prefix", " ")))
                .contains("'sink.transactional-id-prefix'").contains("blank");
    }

    // ---- transaction timeout

    @Test
    void theUsersTransactionTimeoutReachesTheProducers() throws Exception {
        JobConfig c = JobConfig.fromMap(minimal("kafka.transaction.timeout.ms", "123456"));
        KafkaSink<DeadLetter> sink = GsamJob.deadLetterSink(c, "p");

        java.lang.reflect.Field f = KafkaSink.class.getDeclaredField("kafkaProducerConfig");
        f.setAccessible(true);
        assertThat(((Properties) f.get(sink)).getProperty("transaction.timeout.ms")).isEqualTo("123456");
        assertThat(KafkaRules.transactionTimeoutMs(JobConfig.fromMap(minimal()).options(), new Properties()))
                .as("default: ten 10 s intervals, at least a minute").isEqualTo(100_000);
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
        "10000|10 s|(10000 ms) must be greater than the interval (10000 ms)",
        "5000|10 s|(5000 ms) must be greater than the interval (10000 ms)",
        "|20 min|(900000 ms, the default) must be greater than the interval (1200000 ms)",
    })
    void aTransactionTimeoutNotLongerThanTheCheckpointIntervalNamesBothKeys(String timeout, String interval,
                                                                          String detail) {
        assertThat(onlyProblem(minimal("kafka.transaction.timeout.ms", timeout, "job.checkpoint-interval", interval)))
                .contains("'kafka.transaction.timeout.ms'").contains("'job.checkpoint-interval'").contains(detail);
    }

    @Test
    void aTransactionTimeoutIsNotCheckedAgainstCheckpointsWithAtLeastOnceDelivery() {
        JobConfig.fromMap(minimal("kafka.transaction.timeout.ms", "1000", "sink.delivery", "at_least_once"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"1 min|integer number of milliseconds", "0|> 0 ms", "-5|> 0 ms"})
    void aMalformedTransactionTimeoutNamesTheKey(String timeout, String detail) {
        assertThat(onlyProblem(minimal("kafka.transaction.timeout.ms", timeout)))
                .contains("'kafka.transaction.timeout.ms'").contains(detail);
    }

    // ---- restart and preflight keys

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "job.restart.attempts|0|'job.restart.attempts': must be > 0",
        "job.restart.initial-delay|0 s|'job.restart.initial-delay': must be > 0",
        "job.restart.max-delay|100 ms|the longest delay (100 ms) must not be shorter than the first (1 s)",
        "job.restart.reset-after|0 s|'job.restart.reset-after': must be > 0",
        "job.preflight-timeout|0 s|'job.preflight-timeout': must be > 0",
    })
    void aBadRestartOrPreflightValueNamesItsKey(String key, String value, String detail) {
        assertThat(onlyProblem(minimal(key, value))).contains("'" + key + "'").contains(detail);
    }

    @Test
    void theJobSetsABoundedExponentialDelayStrategy() {
        JobConfig c = JobConfig.fromMap(minimal("job.restart.attempts", "4", "job.restart.initial-delay", "200 ms",
                "job.restart.max-delay", "2 s"));
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Configuration());

        assertThat(JobRestartStrategy.apply(env, c)).isTrue();
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(4);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofMillis(200));
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aUsersFlinkRestartStrategyWins() {
        JobConfig c = JobConfig.fromMap(minimal("flink.restart-strategy.type", "fixed-delay"));
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(c.flinkConfiguration());

        assertThat(JobRestartStrategy.apply(env, c)).isFalse();
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");

        Configuration cluster = new Configuration();
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment clusterEnv = new StreamExecutionEnvironment(cluster);
        assertThat(JobRestartStrategy.apply(clusterEnv, JobConfig.fromMap(minimal()))).isFalse();
        assertThat(clusterEnv.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("none");
    }

    @Test
    void preflightCanBeSwitchedOff() {
        // No broker listens on port 1: with the check off, nothing connects and nothing fails.
        ClusterMain.preflight(JobConfig.fromMap(minimal("kafka.bootstrap.servers", "127.0.0.1:1",
                "job.preflight", "false")));
        assertThatThrownBy(() -> ClusterMain.preflight(JobConfig.fromMap(minimal("kafka.bootstrap.servers",
                "127.0.0.1:1", "job.preflight-timeout", "1 s"))))
                .isInstanceOf(KafkaPreflight.Failed.class).hasMessageContaining("job.preflight: false");
    }
}
