package org.gsamflink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gsam-flink doctor} on this machine: the default build runs ND4J's CPU backend with OpenBLAS. */
class DoctorCommandTest {

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "doctor";
        System.arraycopy(args, 0, all, 1, args.length);
        int rc = GsamFlinkCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all);
        assertThat(rc).as(out + "\n" + err).isZero();
        return out.toString();
    }

    @Test
    void theTextReportHasEverySection() {
        String out = run();
        assertThat(out).contains("Versions", "ND4J backend", "Devices", "Memory");
        assertThat(out).containsPattern("Flink\\s+2\\.2\\.1").containsPattern("Kafka clients\\s+4\\.2\\.0")
                .containsPattern("DL4J/ND4J\\s+1\\.0\\.0-M2\\.1").containsPattern("backend\\s+CPU")
                .containsPattern("BLAS vendor\\s+OPENBLAS").containsPattern("cores\\s+\\d+")
                .containsPattern("OpenMP threads\\s+\\d+").contains("JVM max heap", "org.bytedeco.javacpp.maxbytes");
    }

    @Test
    void theDefaultBuildUsesTheCpuBackend() throws Exception {
        JsonNode r = new ObjectMapper().readTree(run("--json"));
        assertThat(r.at("/ND4J backend/backend").asText()).isEqualTo("CPU");
        assertThat(r.at("/ND4J backend/class").asText()).isEqualTo("org.nd4j.linalg.cpu.nativecpu.CpuBackend");
        assertThat(r.at("/ND4J backend/backends on classpath").asText())
                .isEqualTo("org.nd4j.linalg.cpu.nativecpu.CpuBackend");
        assertThat(r.at("/Versions/native platform").asText()).isNotBlank();
        assertThat(r.at("/Devices/BLAS threads").asInt()).isPositive();
        assertThat(r.get("findings").isArray()).isTrue();
        for (JsonNode f : r.get("findings")) {
            assertThat(f.get("level").asText()).isNotEqualTo("ERROR");
        }
    }
}
