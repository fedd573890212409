package org.gsamflink.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of one {@link ServeBenchMain} run and their Markdown report. */
final class ServeReport {

    private ServeReport() {}

    /** {@code foreignCores}: the CPU other processes took meanwhile ({@link CpuLoad}), the noise of a shared machine. */
    record Bare(double predictionsPerSecond, Samples callMs, double foreignCores) {}

    /** Max throughput, and the CPU per request by thread group over the same window. */
    record Max(int requests, double predictionsPerSecond, Map<String, Double> cpuMsPerRequest, double foreignCores) {}

    record Sustained(double requestsPerSecond, double predictionsPerSecond, Samples latencyMs, double foreignCores) {}

    /** One request shape; {@code lowLatency} (buffer timeout 0) is null when it was not run. */
    record Row(int batch, Bare before, Max max, Bare after, Sustained sustained, Sustained lowLatency) {
        double bare() {
            return (before.predictionsPerSecond() + after.predictionsPerSecond()) / 2;
        }

        String request() {
            return batch == 1 ? "1 row, JSON" : batch + " rows, binary";
        }
    }

    /** Commit → first-use delays of one poll interval, and the in-JVM time to load one version. */
    record Swaps(long pollMs, boolean isDefault, List<Long> delaysMs, List<Double> loadMs) {}

    /** The run's settings the text names. */
    record Plan(String machine, long params, double fraction, long sustainedMs, long skipMs, double swapRate,
                String jobConf) {}

    static String markdown(Plan p, List<Row> rows, List<Swaps> swaps) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## Serving: the prediction job vs the bare `network.output` loop (MLP "
                + "784-256-10, %,d parameters, random init, float32)%n%n", p.params()));
        md.append("Machine: ").append(p.machine()).append(".\n\n");
        md.append("| request | variant | load | predictions/s | latency p50 | latency p99 | serving / bare | other "
                + "processes |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | bare `network.output(x, false)` | back to back, before / "
                            + "after the max run | %.0f (%.0f / %.0f) | %.3f ms per call | %.3f ms per call | 1.00 | %.2f / %.2f "
                            + "cores |%n", r.request(), r.bare(), r.before().predictionsPerSecond(),
                    r.after().predictionsPerSecond(), r.before().callMs().median(), r.before().callMs().quantile(0.99),
                    r.before().foreignCores(), r.after().foreignCores()));
            md.append(String.format(Locale.ROOT, "| %s | serving job | max throughput: backlog of %,d requests | %.0f"
                            + " | — | — | **%.2f** | %.2f cores |%n", r.request(), r.max().requests(),
                    r.max().predictionsPerSecond(), r.max().predictionsPerSecond() / r.bare(),
                    r.max().foreignCores()));
            sustainedRow(md, r, r.sustained(), String.format(Locale.ROOT, "sustained %.0f requests/s (%.0f %% of max)",
                    r.sustained().requestsPerSecond(), p.fraction() * 100));
            if (r.lowLatency() != null) {
                sustainedRow(md, r, r.lowLatency(), "the same rate, `flink.execution.buffer-timeout.interval: 0 ms`");
            }
        }
        md.append(String.format(Locale.ROOT, "%nServing job: `job.mode: serve`, parallelism 1, `serve.delivery: "
                + "at_least_once`, the other keys at their defaults%s, on a local MiniCluster in the benchmark's JVM "
                + "with the embedded broker (one partition per topic). **Max throughput**: the backlog is in the topic "
                + "before the job starts; predictions/s over the prediction records' timestamps after the first "
                + "fifth (latency there is only the time queued, so none is given). **Sustained**: requests on a "
                + "fixed schedule (open loop) for %d s, the first %d s left out; latency per request from its record's "
                + "timestamp to its prediction record's (the last row's for a minibatch), both set by the Kafka "
                + "producers. **Bare loop**: the same network restored from the stored version, the same inputs, in "
                + "the same JVM, timed right before and right after the max-throughput run (per-call latency: the "
                + "run before). Ratio: serving predictions/s over the mean of the two bare runs. Other processes: the CPU "
                + "the rest of the machine used during the measured window (`/proc/stat`), the noise of a shared "
                + "machine.%n%n",
                p.jobConf().isBlank() ? "" : " (plus `" + p.jobConf() + "`)", p.sustainedMs() / 1000,
                p.skipMs() / 1000));
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "CPU per request at max throughput, %s: %s.%n", r.request(),
                    ThreadCpu.format(relabel(r.max().cpuMsPerRequest()))));
        }
        md.append("\n| `serve.poll-interval` | versions published | commit → first use p50 | max | min |\n");
        md.append("|---|---:|---:|---:|---:|\n");
        for (Swaps s : swaps) {
            Samples d = new Samples(s.delaysMs().stream().mapToDouble(Long::doubleValue).toArray());
            md.append(String.format(Locale.ROOT, "| %s%s | %d | %.0f ms | %.0f ms | %.0f ms |%n",
                    s.pollMs() % 1000 == 0 ? s.pollMs() / 1000 + " s" : s.pollMs() + " ms",
                    s.isDefault() ? " (default)" : "", d.count(), d.median(), d.quantile(1), d.min()));
        }
        Samples load = new Samples(swaps.stream().flatMap(s -> s.loadMs().stream()).mapToDouble(Double::doubleValue)
                .toArray());
        md.append(String.format(Locale.ROOT, "%nCommit → first use: while single-example JSON requests flow at %.0f/s,"
                        + " a new version (the same parameters under the next version number) is published with "
                        + "`ModelStore.publish` at a random point of the poll interval after the previous one was "
                        + "first used; the delay runs from the version's `_COMPLETE` marker's mtime to the timestamp of "
                        + "the first prediction record naming it. Loading one version (store read + network restore, "
                        + "what the watcher does off the record path), timed in the benchmark's JVM after each "
                        + "swap: median %.0f ms. Per version: %s.%n", p.swapRate(), load.median(),
                String.join("; ", swaps.stream().map(s -> s.pollMs() + " ms poll: " + s.delaysMs()).toList())));
        return md.toString();
    }

    private static void sustainedRow(StringBuilder md, Row r, Sustained s, String load) {
        md.append(String.format(Locale.ROOT, "| %s | serving job | %s | %.0f | %.1f ms | %.1f ms | %.2f | %.2f cores "
                        + "|%n", r.request(), load, s.predictionsPerSecond(), s.latencyMs().median(),
                s.latencyMs().quantile(0.99), s.predictionsPerSecond() / r.bare(), s.foreignCores()));
    }

    /** ThreadCpu names the task threads after the training job; here they decode, predict and write predictions. */
    private static Map<String, Double> relabel(Map<String, Double> cpu) {
        Map<String, Double> out = new LinkedHashMap<>();
        cpu.forEach((k, v) -> out.put(k.replace("(decode, train)", "(decode, predict, sink)"), v));
        return out;
    }
}
