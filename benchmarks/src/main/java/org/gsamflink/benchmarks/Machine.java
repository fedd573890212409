package org.gsamflink.benchmarks;

import org.gsamflink.cli.doctor.BackendReport;

import java.util.Locale;
import java.util.Map;

/** One line naming the machine a benchmark ran on, from what {@code gsam-flink doctor} reports. */
final class Machine {

    private Machine() {}

    static String describe() {
        BackendReport r = BackendReport.collect();
        Map<String, String> v = r.sections().get("Versions");
        Map<String, String> d = r.sections().get("Devices");
        Map<String, String> b = r.sections().get("ND4J backend");
        Map<String, String> m = r.sections().get("Memory");
        return String.format(Locale.ROOT, "%s, %s cores, %s RAM, no GPU use (ND4J %s backend, %s BLAS, "
                        + "OMP_WAIT_POLICY=%s), Java %s, %s, Flink %s, Kafka %s, DL4J %s",
                d.getOrDefault("CPU", "?"), d.getOrDefault("cores", "?"), m.getOrDefault("machine memory", "?"),
                b.getOrDefault("backend", "?"), d.getOrDefault("BLAS vendor", "?"),
                d.getOrDefault("OMP_WAIT_POLICY", "?"), v.get("Java"), v.get("OS"), v.get("Flink"),
                v.get("Kafka clients"), v.get("DL4J/ND4J"));
    }
}
