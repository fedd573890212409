package org.gsamflink.optimizer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/** The default build (no -Pcuda) runs ND4J's CPU backend with OpenBLAS; -Pcuda swaps the backend dependency. */
class DefaultBackendTest {

    @Test
    void theDefaultBuildRunsOnNd4jsCpuBackend() {
        assertThat(Nd4j.getBackend().getClass().getName()).isEqualTo("org.nd4j.linalg.cpu.nativecpu.CpuBackend");
        assertThat(Nd4j.getEnvironment().isCPU()).isTrue();
        assertThat(String.valueOf(Nd4j.factory().blas().getBlasVendor())).isEqualTo("OPENBLAS");
        assertThat(Nd4j.dataType()).isEqualTo(DataType.FLOAT);
    }
}
