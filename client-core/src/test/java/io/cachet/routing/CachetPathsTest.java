package io.cachet.routing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachetPathsTest {
    @Test
    void repeatedAndTrailingSlashesAreCollapsedAndDropped() {
        assertThat(CachetPaths.normalize("//a//b/")).isEqualTo("/a/b");
        assertThat(CachetPaths.normalize("/a/b//")).isEqualTo("/a/b");
        assertThat(CachetPaths.normalize("/a/")).isEqualTo("/a");
        assertThat(CachetPaths.normalize("//")).isEqualTo("/");
    }

    @Test
    void aNormalPathIsItself() {
        String path = "/warehouse/table/part-0";
        assertThat(CachetPaths.normalize(path)).isSameAs(path);
        assertThat(CachetPaths.normalize("/")).isEqualTo("/");
    }

    @Test
    void relativePathsAreRefused() {
        assertThatThrownBy(() -> CachetPaths.normalize("a/b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");
        assertThatThrownBy(() -> CachetPaths.normalize("")).isInstanceOf(IllegalArgumentException.class);
    }
}
