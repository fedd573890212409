package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelVersionTest {

    private static final ModelMetadata META = ModelMetadata.builder().modelId("m").version(9).timestampMs(1234)
            .build();

    @Test
    void derivesIdVersionAndTimeFromTheMetadata() {
        ModelVersion v = ModelVersion.of(META, new byte[] {1, 2}, null);
        assertThat(v.modelId()).isEqualTo("m");
        assertThat(v.version()).isEqualTo(9);
        assertThat(v.createdAt()).isEqualTo(Instant.ofEpochMilli(1234));
        assertThat(v.metadata()).isSameAs(META);
        assertThat(v.optimizerState()).isEmpty();
        assertThat(v.modelSize()).isEqualTo(2);
        assertThat(v.optimizerStateSize()).isZero();
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] model = {1, 2, 3};
        byte[] optimizer = {4};
        ModelVersion v = ModelVersion.builder().metadata(META).modelBytes(model).optimizerState(optimizer).build();
        model[0] = 9;
        optimizer[0] = 9;
        v.modelBytes()[1] = 9;
        v.optimizerState()[0] = 8;
        assertThat(v.modelBytes()).containsExactly(1, 2, 3);
        assertThat(v.optimizerState()).containsExactly(4);
    }

    @Test
    void requiredFields() {
        assertThatThrownBy(() -> ModelVersion.builder().modelBytes(new byte[1]).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metadata is required");
        assertThatThrownBy(() -> ModelVersion.builder().metadata(META).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("modelBytes is required");
        assertThatThrownBy(() -> ModelVersion.builder().modelBytes(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("modelBytes must not be empty");
        assertThatThrownBy(() -> ModelVersion.builder().modelBytes(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("modelBytes must not be null");
        assertThatThrownBy(() -> ModelVersion.builder().metadata(null))
                .hasMessage("metadata must not be null");
    }
}
