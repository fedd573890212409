package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A store shipped inside a Flink operator: its collaborators are transient and rebuilt when it is read. */
class ModelStoreSerializationTest {

    @TempDir
    Path dir;

    @Test
    void everyInstanceFieldIsTransientOrSerializable() {
        for (Field f : ModelStore.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isTransient(mod)) {
                continue;
            }
            assertThat(f.getType().isPrimitive() || Serializable.class.isAssignableFrom(f.getType()))
                    .as("field %s", f.getName())
                    .isTrue();
        }
    }

    @Test
    void aDeserializedStorePublishesStagesAndReads() throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri()).keepLast(2).build();
        store.publish(TestVersions.version("m", 1));

        ModelStore copy = roundTrip(store);
        copy.publish(TestVersions.version("m", 2));
        copy.publishStaged(copy.stage(TestVersions.version("m", 3)));

        assertThat(copy.listVersions("m")).containsExactly(2L, 3L);
        assertThat(copy.readLatest("m")).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
        assertThat(store.latest("m")).hasValue(3);
        assertThat(copy.toString()).isEqualTo(store.toString());
    }

    private static ModelStore roundTrip(ModelStore store) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(store);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ModelStore) in.readObject();
        }
    }
}
