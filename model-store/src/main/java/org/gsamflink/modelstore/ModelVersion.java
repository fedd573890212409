package org.gsamflink.modelstore;

import java.time.Instant;
import java.util.Objects;

/**
 * One immutable model version: the serialized model (DL4J {@code ModelSerializer} zip), the serialized optimizer
 * state and the {@link ModelMetadata}. The model id, version and creation time come from the metadata.
 *
 * <pre>{@code
 * ModelVersion v = ModelVersion.builder()
 *     .metadata(ModelMetadata.builder().modelId("mnist-mlp").version(step).build())
 *     .modelBytes(zipBytes)            // required, not empty
 *     .optimizerState(gsamStateBytes)  // optional, defaults to empty
 *     .build();
 * }</pre>
 *
 * <p>The store treats both byte arrays as opaque. They are copied on the way in and out, so an instance is
 * immutable; memory cost is one copy of each array per instance plus one per getter call.
 */
public final class ModelVersion {

    private static final byte[] EMPTY = new byte[0];

    private final ModelMetadata metadata;
    private final byte[] modelBytes;
    private final byte[] optimizerState;

    private ModelVersion(ModelMetadata metadata, byte[] modelBytes, byte[] optimizerState) {
        this.metadata = metadata;
        this.modelBytes = modelBytes;
        this.optimizerState = optimizerState;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shorthand for the builder; {@code optimizerState} may be null (empty). */
    public static ModelVersion of(ModelMetadata metadata, byte[] modelBytes, byte[] optimizerState) {
        return builder().metadata(metadata).modelBytes(modelBytes).optimizerState(optimizerState).build();
    }

    /** Wraps arrays the caller promises never to touch again (the store's read path); no copies. */
    static ModelVersion wrap(ModelMetadata metadata, byte[] modelBytes, byte[] optimizerState) {
        return new ModelVersion(metadata, modelBytes, optimizerState);
    }

    public String modelId() {
        return metadata.modelId();
    }

    public long version() {
        return metadata.version();
    }

    public Instant createdAt() {
        return metadata.timestamp();
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** A copy of the serialized model. */
    public byte[] modelBytes() {
        return modelBytes.clone();
    }

    /** A copy of the serialized optimizer state (empty when there is none). */
    public byte[] optimizerState() {
        return optimizerState.clone();
    }

    /** The model size in bytes, without copying. */
    public int modelSize() {
        return modelBytes.length;
    }

    /** The optimizer-state size in bytes, without copying. */
    public int optimizerStateSize() {
        return optimizerState.length;
    }

    /** The internal arrays, for the store only (no copies). */
    byte[] modelBytesNoCopy() {
        return modelBytes;
    }

    byte[] optimizerStateNoCopy() {
        return optimizerState;
    }

    @Override
    public String toString() {
        return "ModelVersion{modelId=" + modelId() + ", version=" + version() + ", createdAt=" + createdAt()
                + ", modelBytes=" + modelBytes.length + " B, optimizerState=" + optimizerState.length + " B}";
    }

    /** Builder of {@link ModelVersion}. Required: {@code metadata} and {@code modelBytes}. */
    public static final class Builder {
        private ModelMetadata metadata;
        private byte[] modelBytes;
        private byte[] optimizerState = EMPTY;

        private Builder() {
        }

        public Builder metadata(ModelMetadata metadata) {
            this.metadata = Objects.requireNonNull(metadata, "metadata must not be null");
            return this;
        }

        /** The serialized model; copied; must not be empty. */
        public Builder modelBytes(byte[] modelBytes) {
            Objects.requireNonNull(modelBytes, "modelBytes must not be null");
            if (modelBytes.length == 0) {
                throw new IllegalArgumentException("modelBytes must not be empty");
            }
            this.modelBytes = modelBytes.clone();
            return this;
        }

        /** The serialized optimizer state; copied; null means none (stored as an empty file). */
        public Builder optimizerState(byte[] optimizerState) {
            this.optimizerState = optimizerState == null ? EMPTY : optimizerState.clone();
            return this;
        }

        public ModelVersion build() {
            if (metadata == null) {
                throw new IllegalArgumentException("metadata is required");
            }
            if (modelBytes == null) {
                throw new IllegalArgumentException("modelBytes is required");
            }
            return new ModelVersion(metadata, modelBytes, optimizerState);
        }
    }
}
