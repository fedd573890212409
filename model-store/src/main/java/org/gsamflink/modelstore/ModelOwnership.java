package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.UUID;

/**
 * Which writer owns each model id of a {@link ModelStore}: one writer per model id, so that two jobs pointed at one
 * root cannot interleave versions of one model or race on its {@code LATEST}. The owner is a name the writer
 * chooses (a training job uses its job name), recorded in {@code <root>/<modelId>/OWNER} as one line of text.
 *
 * <p>{@link #claim} makes a writer the owner of a model id nobody owns, accepts its own claim again, and refuses a
 * model id another writer owns with a {@link ModelOwnedException}, unless the writer takes it over on purpose (the
 * new job of a migration), which replaces the record. The record is written to a temporary name and renamed into
 * place, then read back: of two writers claiming one model id at the same moment, the one whose record is not
 * there on reading back is refused. A writer checks again before every version it publishes, so a writer whose
 * model id was taken over stops publishing it (is fenced) at its next commit.
 *
 * <p>Owner names: 1 to {@value #MAX_OWNER_LENGTH} characters, no line breaks. Stores written before ownership
 * existed have no records; the first writer to claim a model id owns it.
 */
public final class ModelOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
    public static final String OWNER_FILE = "OWNER";
    static final int MAX_OWNER_LENGTH = 256;

    /** How a {@link #claim} went. */
    public enum Claim {
        /** Nobody owned the model id; now the writer does. */
        CLAIMED,
        /** The writer owned it already. */
        OWNED,
        /** Another writer owned it; the writer took it over. */
        TAKEN_OVER
    }

    private final StoreLayout layout;
    private final StoreFiles files;

    ModelOwnership(StoreLayout layout, StoreFiles files) {
        this.layout = layout;
        this.files = files;
    }

    /** Checks an owner name: 1 to 256 characters without line breaks. */
    public static String checkOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER_LENGTH || owner.contains("\n")
                || owner.contains("\r")) {
            throw new IllegalArgumentException("a model store owner must be 1 to " + MAX_OWNER_LENGTH
                    + " characters without line breaks, got " + (owner == null ? "null" : "'" + owner + "'"));
        }
        return owner;
    }

    /** The owner of {@code modelId}; empty when nobody claimed it. */
    public Optional<String> owner(String modelId) throws IOException {
        Path record = recordPath(modelId);
        byte[] bytes;
        try {
            bytes = files.readAll(record);
        } catch (FileNotFoundException | NoSuchFileException e) {
            return Optional.empty();
        }
        String owner = new String(bytes, StandardCharsets.UTF_8).strip();
        return owner.isEmpty() ? Optional.empty() : Optional.of(owner);
    }

    /**
     * Makes {@code owner} the owner of {@code modelId}.
     *
     * @param takeOver replace another writer's claim instead of refusing
     * @throws ModelOwnedException another writer owns the model id (and {@code takeOver} is false), or claimed it
     *     at the same moment and won
     */
    public Claim claim(String modelId, String owner, boolean takeOver) throws IOException {
        ModelIds.validate(modelId);
        checkOwner(owner);
        Optional<String> current = owner(modelId);
        if (current.isPresent() && current.get().equals(owner)) {
            return Claim.OWNED;
        }
        if (current.isPresent() && !takeOver) {
            throw owned(modelId, current.get(), owner);
        }
        write(modelId, owner);
        Optional<String> after = owner(modelId);
        if (after.isEmpty() || !after.get().equals(owner)) {
            throw owned(modelId, after.orElse("?"), owner);
        }
        if (current.isPresent()) {
            LOG.warn("Model {}: '{}' took over the store's model id from '{}'", modelId, owner, current.get());
            return Claim.TAKEN_OVER;
        }
        return Claim.CLAIMED;
    }

    /** Throws {@link ModelOwnedException} unless {@code owner} owns {@code modelId}. */
    public void checkOwned(String modelId, String owner) throws IOException {
        Optional<String> current = owner(modelId);
        if (current.isEmpty() || !current.get().equals(owner)) {
            throw owned(modelId, current.orElse("nobody"), owner);
        }
    }

    private ModelOwnedException owned(String modelId, String current, String wanted) {
        return new ModelOwnedException(modelId, current, "model '" + modelId + "' in the store at " + layout.root()
                + " is owned by '" + current + "', not by '" + wanted + "' (" + recordPath(modelId) + "): one job "
                + "writes each model id of a store. Use another model-store.root or model id, stop the other job, "
                + "or take the model id over with model-store.take-over: true");
    }

    private void write(String modelId, String owner) throws IOException {
        Path modelDir = layout.modelDir(modelId);
        FileSystem fs = files.fs();
        fs.mkdirs(modelDir);
        Path tmp = layout.child(modelDir, OWNER_FILE + ModelStore.TMP_PREFIX + UUID.randomUUID());
        Path record = recordPath(modelId);
        try {
            files.writeFile(tmp, (owner + "\n").getBytes(StandardCharsets.UTF_8));
            // Local file systems replace the target in one rename; object stores refuse, so delete first there.
            if (!fs.rename(tmp, record)) {
                fs.delete(record, false);
                if (!fs.rename(tmp, record)) {
                    throw new IOException("cannot rename " + tmp + " to " + record);
                }
            }
        } finally {
            files.deleteQuietly(tmp, false);
        }
    }

    private Path recordPath(String modelId) {
        return layout.child(layout.modelDir(modelId), OWNER_FILE);
    }
}
