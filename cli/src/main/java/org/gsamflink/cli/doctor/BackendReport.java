package org.gsamflink.cli.doctor;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * What {@code gsam-flink doctor} reports: the ND4J backend in use, its devices (GPUs with memory, or the CPU with
 * its BLAS library and threads), JVM heap and JavaCPP off-heap limits, the versions of gsam-flink, Flink, DL4J/ND4J
 * and Kafka, and {@link Finding}s about setups known to go wrong (natives missing for this platform, two backends on
 * the classpath, OpenMP threads spinning, off-heap limits above the machine's memory, a GPU left unused).
 *
 * <p>Collecting it loads ND4J's backend (natives included) once; a backend that fails to load is a finding, not an
 * exception, so the report is complete either way.
 */
public final class BackendReport {

    /** How bad a finding is: an {@code ERROR} means training will not work as configured. */
    public enum Level { ERROR, WARNING, INFO }

    public record Finding(Level level, String message) {}

    private final Map<String, Map<String, String>> sections;
    private final List<Finding> findings;

    private BackendReport(Map<String, Map<String, String>> sections, List<Finding> findings) {
        this.sections = sections;
        this.findings = findings;
    }

    /** Section name → (field → value), in display order. */
    public Map<String, Map<String, String>> sections() {
        return sections;
    }

    public List<Finding> findings() {
        return findings;
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.level() == Level.ERROR);
    }

    /** Collects the report for this JVM and environment. */
    public static BackendReport collect() {
        return collect(System.getenv(), BackendReport::probeNd4j, physicalMemory());
    }

    /** The facts ND4J gives about itself, or the reason it could not load. */
    record Nd4jFacts(String backendClass, Properties environment, int devices, String blasVendor,
                     List<String> backendsOnClasspath, String failure) {}

    static BackendReport collect(Map<String, String> env, Supplier<Nd4jFacts> nd4j, long machineMemory) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        List<Finding> findings = new ArrayList<>();
        Properties versions = versions();

        Map<String, String> v = new LinkedHashMap<>();
        v.put("gsam-flink", versions.getProperty("version", "unknown"));
        v.put("Flink", flinkVersion());
        v.put("DL4J/ND4J", versions.getProperty("dl4j.version", "unknown"));
        v.put("Kafka clients", org.apache.kafka.common.utils.AppInfoParser.getVersion());
        v.put("Java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ")");
        v.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        v.put("native platform", Loader.getPlatform());
        sections.put("Versions", v);

        Nd4jFacts f = nd4j.get();
        Map<String, String> b = new LinkedHashMap<>();
        Map<String, String> d = new LinkedHashMap<>();
        if (f.failure() != null) {
            b.put("backend", "none (failed to load)");
            findings.add(new Finding(Level.ERROR, "ND4J could not load a backend: " + f.failure() + ". The natives for "
                    + Loader.getPlatform() + " are probably missing: build with -Dgsam.native.platform="
                    + Loader.getPlatform() + " (CPU) or -Pcuda (GPU), and keep nd4j, javacpp and openblas jars of the "
                    + "same platform together (on a Flink cluster: all in lib/)."));
        } else {
            Properties e = f.environment();
            String kind = e.get("backend") != null ? property(e, "backend")
                    : f.backendClass().contains("Cuda") ? "CUDA" : "CPU";
            b.put("backend", kind);
            b.put("class", f.backendClass());
            b.put("backends on classpath", String.join(", ", f.backendsOnClasspath()));
            if (f.backendsOnClasspath().size() > 1) {
                findings.add(new Finding(Level.WARNING, "several ND4J backends are on the classpath ("
                        + String.join(", ", f.backendsOnClasspath()) + "); ND4J picked " + f.backendClass()
                        + ". Keep one: the CPU build (default) or -Pcuda."));
            }
            if (kind.equalsIgnoreCase("CUDA")) {
                gpuDevices(e, f.devices(), d, findings);
            } else {
                cpuDevice(e, f.blasVendor(), env, d, findings);
                if (gpuPresent()) {
                    findings.add(new Finding(Level.INFO, "an NVIDIA GPU seems present but ND4J runs on the CPU: "
                            + "build with -Pcuda to use it (see the README, \"Running on a GPU\")."));
                }
            }
        }
        sections.put("ND4J backend", b);
        sections.put("Devices", d);

        Map<String, String> m = new LinkedHashMap<>();
        long heap = Runtime.getRuntime().maxMemory();
        long offHeap = Pointer.maxBytes();
        long physical = Pointer.maxPhysicalBytes();
        m.put("JVM max heap", bytes(heap));
        m.put("JavaCPP max off-heap (org.bytedeco.javacpp.maxbytes)", bytes(offHeap));
        m.put("JavaCPP max physical (org.bytedeco.javacpp.maxphysicalbytes)", bytes(physical));
        m.put("JavaCPP off-heap in use", bytes(Pointer.totalBytes()));
        m.put("machine memory", machineMemory > 0 ? bytes(machineMemory) : "unknown");
        if (machineMemory > 0 && offHeap > 0 && heap + offHeap > machineMemory) {
            findings.add(new Finding(Level.WARNING, "heap (" + bytes(heap) + ") plus ND4J's off-heap limit ("
                    + bytes(offHeap) + ") exceed the machine's memory (" + bytes(machineMemory) + "): a large model "
                    + "can be killed by the OS instead of failing with a clear error. Lower -Xmx or "
                    + "-Dorg.bytedeco.javacpp.maxbytes."));
        }
        sections.put("Memory", m);
        return new BackendReport(sections, List.copyOf(findings));
    }

    private static void cpuDevice(Properties e, String blasVendor, Map<String, String> env, Map<String, String> d,
                                  List<Finding> findings) {
        int cores = Runtime.getRuntime().availableProcessors();
        d.put("CPU", cpuModel().orElse(System.getProperty("os.arch")));
        d.put("cores", String.valueOf(cores));
        d.put("BLAS vendor", blasVendor);
        d.put("BLAS threads", property(e, "blas.threads"));
        d.put("OpenMP threads", property(e, "omp.threads"));
        String policy = env.get("OMP_WAIT_POLICY");
        d.put("OMP_WAIT_POLICY", policy == null ? "(unset)" : policy);
        if (policy == null || !policy.equalsIgnoreCase("PASSIVE")) {
            findings.add(new Finding(Level.WARNING, "OMP_WAIT_POLICY is " + (policy == null ? "unset" : policy)
                    + ": libnd4j's OpenMP threads spin after each op and compete with OpenBLAS for the cores (a "
                    + "quarter of the steps 2-4x slower on 2 cores in our measurements). Set OMP_WAIT_POLICY=PASSIVE."));
        }
        for (String key : List.of("blas.threads", "omp.threads")) {
            String value = property(e, key);
            if (value.matches("\\d+") && Integer.parseInt(value) > cores) {
                findings.add(new Finding(Level.WARNING, key + " = " + value + " exceeds the " + cores
                        + " available cores: threads oversubscribe the CPU."));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void gpuDevices(Properties e, int count, Map<String, String> d, List<Finding> findings) {
        d.put("GPUs", String.valueOf(count));
        Object info = e.get("cuda.devicesInformation");
        if (info instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) instanceof Map<?, ?> dev) {
                    Map<String, Object> g = (Map<String, Object>) dev;
                    d.put("GPU " + i, String.valueOf(g.getOrDefault("cuda.deviceName", "?")) + ", "
                            + memory(g.get("cuda.totalMemory")) + " total, " + memory(g.get("cuda.freeMemory"))
                            + " free, compute capability " + g.getOrDefault("cuda.deviceMajor", "?") + "."
                            + g.getOrDefault("cuda.deviceMinor", "?"));
                }
            }
        }
        if (count == 0) {
            findings.add(new Finding(Level.ERROR, "the CUDA backend is loaded but sees no GPU: check the driver "
                    + "(nvidia-smi) and CUDA_VISIBLE_DEVICES."));
        }
    }

    /** ND4J's environment properties hold numbers as Integer/Long values, which getProperty does not return. */
    private static String property(Properties e, String key) {
        Object v = e.get(key);
        return v == null ? "unknown" : String.valueOf(v);
    }

    private static String memory(Object v) {
        return v instanceof Number n ? bytes(n.longValue()) : String.valueOf(v);
    }

    private static Nd4jFacts probeNd4j() {
        List<String> backends = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<Nd4jBackend> p : ServiceLoader.load(Nd4jBackend.class).stream().toList()) {
                backends.add(p.type().getName());
            }
        } catch (Throwable t) {
            // listed below as the load failure, if loading fails too
        }
        try {
            Nd4jBackend backend = Nd4j.getBackend();
            Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
            return new Nd4jFacts(backend.getClass().getName(), env, Nd4j.getAffinityManager().getNumberOfDevices(),
                    String.valueOf(Nd4j.factory().blas().getBlasVendor()), backends, null);
        } catch (Throwable t) {
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return new Nd4jFacts(null, new Properties(), 0, null, backends,
                    root.getClass().getSimpleName() + ": " + Objects.toString(root.getMessage(), "").lines()
                            .findFirst().orElse(""));
        }
    }

    private static boolean gpuPresent() {
        return Files.exists(Path.of("/dev/nvidia0")) || Files.exists(Path.of("/proc/driver/nvidia/version"));
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    private static String flinkVersion() {
        try {
            return org.apache.flink.runtime.util.EnvironmentInformation.getVersion();
        } catch (Throwable t) {
            return "not on the classpath";
        }
    }

    private static Properties versions() {
        Properties p = new Properties();
        try (InputStream in = BackendReport.class.getResourceAsStream("/gsam-flink-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown
        }
        return p;
    }

    static String bytes(long n) {
        if (n < 0) {
            return "unknown";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
