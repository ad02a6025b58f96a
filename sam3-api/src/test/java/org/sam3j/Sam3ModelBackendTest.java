package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Sam3Model.Builder}'s backend by name, precision and threads, checked before any weight is read. */
class Sam3ModelBackendTest {
    @Test
    void aNamedBackendWithThreadsRunsAndDescribesItself() throws Exception {
        try (Sam3Model m = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny()).backend("cpu").threads(1).build()) {
            assertEquals("cpu", m.backendName());
            assertEquals(1, m.backendOptions().threads());
            assertEquals(Precision.FP32, m.backendOptions().precision());
            assertEquals("cpu (device 0, fp32, 1 thread)", m.backendDescription());
        }
    }

    @Test
    void aDeviceTheBackendDoesNotHaveFailsBeforeTheWeights(@TempDir Path dir) {
        Sam3Model.Builder b = Sam3Model.builder().checkpoint(dir.resolve("missing.pt")).backend("cpu:2").precision(Precision.BF16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals("backend 'cpu' has no device 2 (one device, 0)", e.getMessage()); // not "no such file"
    }

    @Test
    void aMalformedNameFailsAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sam3Model.builder().backend("cuda:zero"));
        assertTrue(e.getMessage().startsWith("bad backend 'cuda:zero'"), e.getMessage());
    }
}
