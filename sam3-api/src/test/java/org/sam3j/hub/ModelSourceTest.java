package org.sam3j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ModelSource#parse} of {@code --model} values. */
class ModelSourceTest {
    @TempDir
    Path tmp;

    @Test
    void hubSpecs() {
        assertEquals(new ModelSource.HubRepo("facebook/sam3", "main"), ModelSource.parse("hf:facebook/sam3"));
        assertEquals(new ModelSource.HubRepo("facebook/sam3", "v1.0"), ModelSource.parse("hf:facebook/sam3@v1.0"));
        assertEquals(new ModelSource.HubRepo("facebook/sam3", "refs/pr/3"), ModelSource.parse(" HF:facebook/sam3@refs/pr/3 "));
        assertEquals(new ModelSource.HubRepo("Org-1/my_model.v2", "0123456789abcdef0123456789abcdef01234567"),
                ModelSource.parse("hf:Org-1/my_model.v2@0123456789abcdef0123456789abcdef01234567"));
        assertEquals("hf:facebook/sam3@main", ModelSource.parse("hf:facebook/sam3").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf:", "hf:sam3", "hf:/sam3", "hf:facebook/", "hf:a/b/c", "hf:a/b@", "hf:a/b@x@y",
            "hf:a b/c", "hf:a/b@../x", "hf:a/b@x//y", "hf:a--b/c", "hf:a/b..c", "hf:-a/b", "hf://facebook/sam3",
            "hf:a/b@has space", "hf:@main"})
    void malformedHubSpecs(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.parse(spec));
        assertTrue(e.getMessage().contains("malformed model spec '" + spec + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("hf:owner/name"), e.getMessage());
    }

    @Test
    void emptySpec() {
        assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("  "));
        assertThrows(IllegalArgumentException.class, () -> new ModelSource.HubRepo("facebook/sam3", ""));
    }

    @Test
    void localFilesAndDirectories() throws IOException {
        Path pt = Files.write(tmp.resolve("sam3.pt"), new byte[] {1});
        Path st = Files.write(tmp.resolve("model.safetensors"), new byte[] {1});
        ModelSource a = ModelSource.parse(pt.toString());
        assertInstanceOf(ModelSource.LocalFile.class, a);
        assertEquals(pt, a.toLocalPath(null));
        assertEquals(new ModelSource.LocalFile(st), ModelSource.parse(st.toString()));
        ModelSource dir = ModelSource.parse(tmp.toString());
        assertEquals(new ModelSource.LocalDirectory(tmp), dir);
        assertEquals(tmp, dir.toLocalPath(null));
    }

    @Test
    void missingLocalPathsFailClearly() throws IOException {
        ModelSource missing = ModelSource.parse(tmp.resolve("nope.safetensors").toString());
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> missing.toLocalPath(null));
        assertTrue(e.getMessage().contains("nope.safetensors"), e.getMessage());

        FileNotFoundException hint = assertThrows(FileNotFoundException.class,
                () -> ModelSource.parse("facebook/sam3").toLocalPath(null));
        assertTrue(hint.getMessage().contains("hf:facebook/sam3"), hint.getMessage());

        Path gone = Files.createDirectory(tmp.resolve("d"));
        ModelSource dir = ModelSource.parse(gone.toString());
        Files.delete(gone);
        assertThrows(FileNotFoundException.class, () -> dir.toLocalPath(null));
    }
}
