package org.gsamflink.operators;

import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.OptionalLong;

/**
 * The policy for a model that starts without Flink state while the store its snapshots go to already holds versions
 * of its id, e.g. a job started afresh ({@code gsam-flink run --fresh}, or without its savepoint) on the store of an
 * earlier run: the model's versions continue after the store's latest instead of reusing numbers the store has.
 *
 * <p>Versions are the step counter plus the model's {@link ModelState#versionOffset}, which is chosen here once,
 * when the model is created, and then kept in its state: {@code max(0, latest - step)}, where {@code step} is where
 * the model starts (0, or the step of the version it was warm-started from, which is then the latest, so the
 * offset is 0). Without this a fresh model's version 100 would meet the store's own version 100 (a conflict, never
 * published) and {@code LATEST} would stay on the old line while the new model trains unseen. The old versions stay
 * until retention removes them; one job owns a model id ({@link org.gsamflink.modelstore.ModelOwnership}), so only
 * a later run of the same job, or one that took the id over, gets here.
 *
 * <p>One instance per operator; opens the store on first use. Not thread-safe.
 */
final class StoreNumbering {

    private static final Logger LOG = LoggerFactory.getLogger(GsamTrainingOperator.class);

    private final String root;
    private ModelStore store;

    StoreNumbering(String root) {
        this.root = root;
    }

    /** The version offset of a new model {@code key} that starts at {@code step}. */
    long offsetFor(String key, long step) throws IOException {
        if (!ModelIds.isValid(key)) {
            return 0;
        }
        if (store == null) {
            store = ModelStore.builder().root(root).build();
        }
        OptionalLong latest = store.latest(key);
        if (latest.isEmpty() || latest.getAsLong() <= step) {
            return 0;
        }
        long offset = latest.getAsLong() - step;
        LOG.info("Model {}: the store at {} holds versions up to {} from an earlier run; this model starts at step {} "
                + "and numbers its versions after them (version = step + {})", key, root, latest.getAsLong(), step,
                offset);
        return offset;
    }
}
