package org.gsamflink.modelstore;

import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreLayoutTest {

    private final StoreLayout layout = new StoreLayout(new Path("file:///data/models"));

    @Test
    void versionDirectoryNamesRoundTrip() {
        assertThat(StoreLayout.versionDirectoryName(42)).isEqualTo("v00000000000000000042");
        assertThat(StoreLayout.parseVersionDirectoryName(StoreLayout.versionDirectoryName(42))).isEqualTo(42);
        assertThat(StoreLayout.parseVersionDirectoryName(StoreLayout.versionDirectoryName(Long.MAX_VALUE)))
                .isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> StoreLayout.versionDirectoryName(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must be >= 0 but was -1");
    }

    @Test
    void namesThatAreNotVersionDirectoriesParseToMinusOne() {
        assertThat(StoreLayout.parseVersionDirectoryName("v42")).isEqualTo(-1);
        assertThat(StoreLayout.parseVersionDirectoryName(".tmp-42-uuid")).isEqualTo(-1);
        assertThat(StoreLayout.parseVersionDirectoryName("v00000000000000000042-c4-uuid")).isEqualTo(-1);
        // 20 digits beyond Long.MAX_VALUE
        assertThat(StoreLayout.parseVersionDirectoryName("v99999999999999999999")).isEqualTo(-1);
    }

    @Test
    void pathsFollowTheLayout() {
        assertThat(layout.modelDir("m").toUri().getPath()).isEqualTo("/data/models/m");
        assertThat(layout.versionDir("m", 7).toUri().getPath())
                .isEqualTo("/data/models/m/v00000000000000000007");
        assertThat(layout.markerPath("m", 7).toUri().getPath())
                .isEqualTo("/data/models/m/v00000000000000000007/" + ModelStore.COMPLETE_MARKER);
        assertThat(StoreLayout.VERSION_FILES)
                .containsExactly(ModelStore.MODEL_FILE, ModelStore.OPTIMIZER_FILE, ModelStore.METADATA_FILE);
    }

    @Test
    void everyPathStaysUnderTheRoot() {
        assertThatThrownBy(() -> layout.modelDir(".."))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layout.child(layout.root(), ".."))
                .hasMessageContaining("is outside the model store root");
        assertThatThrownBy(() -> layout.checkUnderRoot(layout.root()))
                .hasMessageContaining("is outside the model store root");
        assertThatThrownBy(() -> layout.checkUnderRoot(new Path("file:///data/models-sibling/m")))
                .hasMessageContaining("is outside the model store root");
        assertThatThrownBy(() -> layout.checkUnderRoot(new Path("s3://bucket/data/models/m")))
                .hasMessageContaining("is outside the model store root");
    }
}
