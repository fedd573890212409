package org.gsamflink.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads from {@code /proc/self/task/<tid>/stat}, native ones included (OpenMP and
 * OpenBLAS threads are not Java threads), grouped by what the thread is: the Flink task threads that train, the
 * KafkaSource's fetcher, the embedded Kafka broker, and the rest (BLAS/OpenMP workers, GC, JIT, Flink runtime).
 * Tells where the CPU of a 2-core machine goes when a variant is slower than the bare loop. Linux only; elsewhere the
 * snapshot is empty.
 */
record ThreadCpu(Map<Integer, String> names, Map<Integer, Long> ticks) {

    private static final double TICKS_PER_SECOND = 100.0;

    static ThreadCpu sample() {
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).trim().split("\\s+");
                    int tid = Integer.parseInt(t.getFileName().toString());
                    names.put(tid, stat.substring(open + 1, close));
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between list and read
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new ThreadCpu(names, ticks);
    }

    /** Thread group of a (15-character, kernel-truncated) thread name. */
    static String group(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("source data fet")) {
            return "KafkaSource fetcher";
        }
        if (n.startsWith("source:") || n.startsWith("gsam training") || n.contains("-> ") || n.startsWith("metrics")
                || n.startsWith("dead letters") || n.startsWith("arrival")) {
            return "Flink task threads (decode, train)";
        }
        if (n.startsWith("kafka-producer") || n.startsWith("kafka-admin")) {
            return "Kafka clients (producer, admin)";
        }
        if (n.contains("kafka") || n.contains("broker") || n.contains("raft") || n.contains("quorum")
                || n.contains("data-plane") || n.contains("expirationrea") || n.contains("controller")
                || n.contains("logcleaner") || n.contains("replica") || n.startsWith("group-coord")
                || n.startsWith("transaction")) {
            return "Kafka broker (embedded)";
        }
        return "other (BLAS/OpenMP workers, GC, JIT, Flink runtime)";
    }

    /** CPU milliseconds per group between {@code start} and this sample, divided by {@code steps}. */
    Map<String, Double> msPerStepSince(ThreadCpu start, int steps) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, Long> e : ticks.entrySet()) {
            long before = start.ticks.getOrDefault(e.getKey(), 0L);
            double ms = (e.getValue() - before) / TICKS_PER_SECOND * 1000 / Math.max(1, steps);
            out.merge(group(names.get(e.getKey())), ms, Double::sum);
        }
        return out;
    }

    /** e.g. {@code Flink task threads 10.9 ms, KafkaSource fetcher 0.4 ms, …} per step. */
    static String format(Map<String, Double> msPerStep) {
        StringBuilder sb = new StringBuilder();
        msPerStep.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .filter(e -> e.getValue() >= 0.05)
                .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f ms", e.getValue())));
        return sb.toString();
    }
}
