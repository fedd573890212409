package org.gsamflink.cli.doctor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The doctor's findings for setups we cannot produce on a CPU-only machine, from the facts ND4J would report. */
class BackendReportTest {

    private static final long RAM = 16L << 30;

    private static BackendReport.Nd4jFacts cpu(int threads, String... backends) {
        Properties p = new Properties();
        p.put("backend", "CPU");
        p.put("blas.threads", threads);
        p.put("omp.threads", threads);
        return new BackendReport.Nd4jFacts("org.nd4j.linalg.cpu.nativecpu.CpuBackend", p, 1, "OPENBLAS",
                List.of(backends), null);
    }

    private static List<String> messages(BackendReport r, BackendReport.Level level) {
        return r.findings().stream().filter(f -> f.level() == level).map(BackendReport.Finding::message).toList();
    }

    @Test
    void missingNativesAreAnErrorThatSaysWhatToBuild() {
        BackendReport r = BackendReport.collect(Map.of("OMP_WAIT_POLICY", "PASSIVE"),
                () -> new BackendReport.Nd4jFacts(null, new Properties(), 0, null, List.of(),
                        "UnsatisfiedLinkError: no jnind4jcpu in java.library.path"), RAM);
        assertThat(r.hasErrors()).isTrue();
        assertThat(messages(r, BackendReport.Level.ERROR)).singleElement().asString()
                .contains("could not load a backend", "no jnind4jcpu", "-Dgsam.native.platform=", "-Pcuda");
        assertThat(r.sections().get("ND4J backend")).containsEntry("backend", "none (failed to load)");
    }

    @Test
    void spinningOpenMpTwoBackendsAndOversubscriptionAreWarnings() {
        int cores = Runtime.getRuntime().availableProcessors();
        BackendReport r = BackendReport.collect(Map.of(), () -> cpu(cores + 4,
                "org.nd4j.linalg.cpu.nativecpu.CpuBackend", "org.nd4j.linalg.jcublas.JCublasBackend"), RAM);
        assertThat(r.hasErrors()).isFalse();
        assertThat(messages(r, BackendReport.Level.WARNING))
                .anySatisfy(m -> assertThat(m).contains("OMP_WAIT_POLICY is unset", "PASSIVE"))
                .anySatisfy(m -> assertThat(m).contains("several ND4J backends", "JCublasBackend"))
                .anySatisfy(m -> assertThat(m).contains("blas.threads = " + (cores + 4), "oversubscribe"));
        assertThat(r.sections().get("Devices")).containsEntry("OMP_WAIT_POLICY", "(unset)")
                .containsEntry("BLAS threads", String.valueOf(cores + 4));
    }

    @Test
    void aHealthyCpuSetupHasNoWarnings() {
        BackendReport r = BackendReport.collect(Map.of("OMP_WAIT_POLICY", "passive"),
                () -> cpu(1, "org.nd4j.linalg.cpu.nativecpu.CpuBackend"), 1L << 50);
        assertThat(messages(r, BackendReport.Level.WARNING)).isEmpty();
        assertThat(r.hasErrors()).isFalse();
    }

    @Test
    void gpusAreListedWithTheirMemoryAndNoGpuIsAnError() {
        Properties p = new Properties();
        p.put("backend", "CUDA");
        p.put("cuda.devicesInformation", List.of(
                Map.of("cuda.deviceName", "NVIDIA H200", "cuda.totalMemory", 150_000_000_000L,
                        "cuda.freeMemory", 140_000_000_000L, "cuda.deviceMajor", 9, "cuda.deviceMinor", 0)));
        BackendReport r = BackendReport.collect(Map.of(), () -> new BackendReport.Nd4jFacts(
                "org.nd4j.linalg.jcublas.JCublasBackend", p, 1, "CUBLAS",
                List.of("org.nd4j.linalg.jcublas.JCublasBackend"), null), RAM);
        assertThat(r.sections().get("ND4J backend")).containsEntry("backend", "CUDA");
        assertThat(r.sections().get("Devices")).containsEntry("GPUs", "1")
                .containsEntry("GPU 0", "NVIDIA H200, 139.7 GiB total, 130.4 GiB free, compute capability 9.0");

        Properties none = new Properties();
        none.put("backend", "CUDA");
        BackendReport broken = BackendReport.collect(Map.of(), () -> new BackendReport.Nd4jFacts(
                "org.nd4j.linalg.jcublas.JCublasBackend", none, 0, "CUBLAS", List.of(), null), RAM);
        assertThat(messages(broken, BackendReport.Level.ERROR)).singleElement().asString().contains("sees no GPU");
    }

    @Test
    void offHeapAboveTheMachinesMemoryIsAWarning() {
        BackendReport r = BackendReport.collect(Map.of("OMP_WAIT_POLICY", "PASSIVE"),
                () -> cpu(1, "org.nd4j.linalg.cpu.nativecpu.CpuBackend"), 1L << 20);
        assertThat(messages(r, BackendReport.Level.WARNING)).singleElement().asString()
                .contains("exceed the machine's memory", "-Dorg.bytedeco.javacpp.maxbytes");
    }
}
