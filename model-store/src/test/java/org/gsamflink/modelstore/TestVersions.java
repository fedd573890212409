package org.gsamflink.modelstore;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

/** Deterministic test content: the bytes of version v of model m are a function of (m, v). */
final class TestVersions {

    private TestVersions() {
    }

    static byte[] modelBytes(String modelId, long version) {
        Random r = new Random(31L * modelId.hashCode() + version);
        byte[] b = new byte[1024 + (int) (version % 97)];
        r.nextBytes(b);
        byte[] tag = ("model " + modelId + " v" + version).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, b, 0, tag.length);
        return b;
    }

    static byte[] optimizerBytes(String modelId, long version) {
        return ("optimizer state of " + modelId + " at step " + version).getBytes(StandardCharsets.UTF_8);
    }

    static ModelMetadata metadata(String modelId, long version) {
        return ModelMetadata.builder()
                .modelId(modelId)
                .version(version)
                .timestampMs(1_700_000_000_000L + version)
                .checkpointId(version / 10)
                .metrics(Map.of("loss", 1.0 / (version + 1), "samples", version * 32))
                .optimizerConfig("{\"alpha\":0.4,\"rho\":0.05}")
                .modelConfig("{\"layers\":[]}")
                .build();
    }

    static ModelVersion version(String modelId, long version) {
        return ModelVersion.of(metadata(modelId, version), modelBytes(modelId, version),
                optimizerBytes(modelId, version));
    }
}
