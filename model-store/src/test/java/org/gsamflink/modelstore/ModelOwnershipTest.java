package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ModelOwnership}: one writer per model id, take-over on purpose, fencing of the previous owner. */
class ModelOwnershipTest {

    private static ModelOwnership ownership(Path dir) {
        return ModelStore.builder().root(dir.toUri().toString()).build().ownership();
    }

    @Test
    void theFirstClaimOwnsAndTheOwnerMayClaimAgain(@TempDir Path dir) throws Exception {
        ModelOwnership o = ownership(dir);
        assertThat(o.owner("m")).isEmpty();
        assertThat(o.claim("m", "job-a", false)).isEqualTo(ModelOwnership.Claim.CLAIMED);
        assertThat(o.claim("m", "job-a", false)).isEqualTo(ModelOwnership.Claim.OWNED);
        assertThat(o.owner("m")).hasValue("job-a");
        assertThat(Files.readString(dir.resolve("m").resolve(ModelOwnership.OWNER_FILE), StandardCharsets.UTF_8))
                .isEqualTo("job-a\n");
        o.checkOwned("m", "job-a");
        assertThat(o.claim("n", "job-b", false)).as("model ids are owned one by one")
                .isEqualTo(ModelOwnership.Claim.CLAIMED);
        try (var files = Files.list(dir.resolve("m"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary left").containsExactly("OWNER");
        }
    }

    @Test
    void anotherWriterIsRefusedWithTheOwnerAndTheWayOut(@TempDir Path dir) throws Exception {
        ModelOwnership o = ownership(dir);
        o.claim("m", "job-a", false);
        assertThatThrownBy(() -> o.claim("m", "job-b", false))
                .isInstanceOf(ModelOwnedException.class)
                .hasMessageStartingWith("model 'm' in the store at ")
                .hasMessageContaining("is owned by 'job-a', not by 'job-b'")
                .hasMessageContaining("model-store.take-over: true")
                .satisfies(e -> assertThat(((ModelOwnedException) e).owner()).isEqualTo("job-a"));
        assertThatThrownBy(() -> o.checkOwned("m", "job-b")).isInstanceOf(ModelOwnedException.class);
        assertThatThrownBy(() -> o.checkOwned("x", "job-b")).as("nobody owns x: not ours either")
                .isInstanceOf(ModelOwnedException.class).hasMessageContaining("owned by 'nobody'");
        assertThat(o.owner("m")).hasValue("job-a");
    }

    @Test
    void aTakeOverReplacesTheOwnerAndFencesThePreviousOne(@TempDir Path dir) throws Exception {
        ModelOwnership o = ownership(dir);
        o.claim("m", "job-a", false);
        assertThat(o.claim("m", "job-b", true)).isEqualTo(ModelOwnership.Claim.TAKEN_OVER);
        assertThat(o.owner("m")).hasValue("job-b");
        assertThatThrownBy(() -> o.checkOwned("m", "job-a")).isInstanceOf(ModelOwnedException.class)
                .hasMessageContaining("is owned by 'job-b', not by 'job-a'");
        assertThat(o.claim("m", "job-b", true)).as("taking over what one owns is owning")
                .isEqualTo(ModelOwnership.Claim.OWNED);
    }

    @Test
    void ownerNamesAreChecked() {
        assertThatThrownBy(() -> ModelOwnership.checkOwner(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a model store owner must be 1 to 256 characters without line breaks, got ' '");
        assertThatThrownBy(() -> ModelOwnership.checkOwner("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelOwnership.checkOwner("x".repeat(257))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelOwnership.checkOwner(null)).hasMessageEndingWith("got null");
        assertThat(ModelOwnership.checkOwner("gsam-flink training")).isEqualTo("gsam-flink training");
    }

    @Test
    void anOwnerRecordDoesNotMakeAModelOrAVersion(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        store.ownership().claim("m", "job-a", false);
        assertThat(store.listModels()).isEmpty();
        assertThat(store.listVersions("m")).isEmpty();
        assertThat(store.latest("m")).isEmpty();
    }
}
