package org.gsamflink.operators.store;

import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.gsamflink.modelstore.ModelOwnedException;
import org.gsamflink.modelstore.ModelOwnership;
import org.gsamflink.modelstore.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Set;

/**
 * Who a {@link ModelStoreSink} writes as ({@link ModelOwnership}): the owner name it claims each model id under, and
 * whether it takes over model ids another writer owns. {@link #NONE} writes without claiming (a store used by one
 * writer only, as before ownership existed).
 *
 * @param owner the owner name (a training job uses its {@code job.name}); null for {@link #NONE}
 * @param takeOver replace another writer's claim on first meeting a model id, instead of failing
 */
record StoreWriterIdentity(String owner, boolean takeOver) implements Serializable {

    static final StoreWriterIdentity NONE = new StoreWriterIdentity(null, false);
    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreSink.class);

    StoreWriterIdentity {
        if (owner != null) {
            ModelOwnership.checkOwner(owner);
        }
    }

    /**
     * One writer's claims: the model ids it claimed already (take-over applies once, when the writer first meets a
     * model id; afterwards a claim by another writer fences it off). Not thread-safe, one per writer.
     */
    final class Claims {
        private final ModelStore store;
        private final Set<String> claimed = new HashSet<>();

        Claims(ModelStore store) {
            this.store = store;
        }

        /**
         * Claims {@code modelId} on first use, checks the claim afterwards.
         *
         * @throws SuppressRestartsException with the {@link ModelOwnedException}: another writer owns the model id,
         *     and a restart cannot change that
         */
        void check(String modelId) throws IOException {
            if (owner == null) {
                return;
            }
            try {
                if (claimed.contains(modelId)) {
                    store.ownership().checkOwned(modelId, owner);
                    return;
                }
                ModelOwnership.Claim c = store.ownership().claim(modelId, owner, takeOver);
                claimed.add(modelId);
                if (c != ModelOwnership.Claim.OWNED) {
                    LOG.info("Model {}: '{}' owns it in the store at {} ({})", modelId, owner, store.root(),
                            c.name().toLowerCase().replace('_', ' '));
                }
            } catch (ModelOwnedException e) {
                throw new SuppressRestartsException(e);
            }
        }
    }
}
