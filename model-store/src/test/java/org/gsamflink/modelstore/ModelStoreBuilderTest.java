package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelStoreBuilderTest {

    @TempDir
    Path dir;

    @Test
    void defaults() {
        ModelStore store = ModelStore.builder().root(dir.toUri()).build();
        assertThat(store.keepLast()).isEqualTo(ModelStore.DEFAULT_KEEP_LAST).isEqualTo(10);
        assertThat(store.keepEvery()).isEqualTo(ModelStore.DEFAULT_KEEP_EVERY).isZero();
        assertThat(store.root().toUri().getScheme()).isEqualTo("file");
    }

    @Test
    void rootIsRequired() {
        assertThatThrownBy(() -> ModelStore.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("root is required");
        assertThatThrownBy(() -> ModelStore.builder().root("  "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("root must not be blank");
        assertThatThrownBy(() -> ModelStore.builder().root((String) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("root must not be null");
    }

    @Test
    void keepLastMustBePositive() {
        assertThatThrownBy(() -> ModelStore.builder().keepLast(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepLast must be >= 1 but was 0");
        assertThat(ModelStore.builder().root(dir.toUri()).keepLast(1).build().keepLast()).isEqualTo(1);
    }

    @Test
    void keepEveryMustNotBeNegative() {
        assertThatThrownBy(() -> ModelStore.builder().keepEvery(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepEvery must be >= 0 (0 turns it off) but was -1");
        assertThat(ModelStore.builder().root(dir.toUri()).keepEvery(0).build().keepEvery()).isZero();
    }

    @Test
    void unknownSchemeIsReportedClearly() {
        assertThatThrownBy(() -> ModelStore.builder().root("nosuchfs://bucket/models").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot open the file system of model store root 'nosuchfs://bucket/models'");
    }

    @Test
    void stringRootsWithAndWithoutSchemeAreTheSameStore() throws IOException {
        ModelStore withScheme = ModelStore.builder().root(dir.toUri().toString()).build();
        ModelStore plainPath = ModelStore.builder().root(dir.toString()).build();
        withScheme.publish(TestVersions.version("m", 1));
        assertThat(plainPath.listVersions("m")).containsExactly(1L);
        assertThat(plainPath.root()).isEqualTo(withScheme.root());
    }

    @Test
    void serializesAsRootAndRetention() throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri()).keepLast(4).keepEvery(7).build();
        store.publish(TestVersions.version("m", 3));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(store);
        }
        ModelStore copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ModelStore) in.readObject();
        }
        assertThat(copy.root()).isEqualTo(store.root());
        assertThat(copy.keepLast()).isEqualTo(4);
        assertThat(copy.keepEvery()).isEqualTo(7);
        assertThat(copy.latest("m")).hasValue(3);
    }
}
