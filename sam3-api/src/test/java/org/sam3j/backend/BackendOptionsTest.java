package org.sam3j.backend;

import org.sam3j.BackendOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;

/** {@link BackendOptions}: defaults, checks of every setter, immutability, extras by provider; {@link Precision} parsing. */
class BackendOptionsTest {
    @Test
    void defaultsAreDeviceZeroFp32AllThreadsNothingElse() {
        BackendOptions d = BackendOptions.defaults();
        assertEquals(0, d.device());
        assertEquals(Precision.FP32, d.precision());
        assertEquals(0, d.threads());
        assertEquals(Optional.empty(), d.cacheDirectory());
        assertEquals(Map.of(), d.extras());
        assertEquals(d, BackendOptions.builder().build());
        assertEquals("device 0, fp32, all threads", d.toString());
    }

    @Test
    void settersRefuseBadValuesAtOnce() {
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().device(-1));
        assertTrue(device.getMessage().contains("device must be >= 0, got -1"), device.getMessage());
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().threads(-2));
        assertTrue(threads.getMessage().contains("threads must be >= 0"), threads.getMessage());
        assertThrows(NullPointerException.class, () -> BackendOptions.builder().precision(null));
        for (String key : new String[] {"profile", ".profile", "cuda.", "cuda. x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().extra(key, "1"));
            assertTrue(e.getMessage().contains("must be named provider.key"), key + ": " + e.getMessage());
        }
    }

    @Test
    void builtOptionsDoNotChangeWithTheirBuilder() {
        BackendOptions.Builder b = BackendOptions.builder().device(2).precision(Precision.BF16).threads(3)
                .cacheDirectory(Path.of("/tmp/c")).extra("cuda.profile", "true");
        BackendOptions o = b.build();
        b.device(5).extra("cuda.graphs", "true");
        assertEquals(2, o.device());
        assertEquals(Map.of("cuda.profile", "true"), o.extras());
        assertThrows(UnsupportedOperationException.class, () -> o.extras().put("x.y", "z"));
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
        assertNotEquals(o, o.toBuilder().threads(4).build());
        assertEquals(Optional.of(Path.of("/tmp/c")), o.cacheDirectory());
        assertEquals("device 2, bf16, 3 threads, cache /tmp/c, {cuda.profile=true}", o.toString());
    }

    @Test
    void extrasAreReadByProviderPrefix() {
        BackendOptions o = BackendOptions.builder().extra("cuda.profile", "true").extra("cuda.graphs", "false")
                .extra("openblas.threading", "workers").build();
        assertEquals(Map.of("profile", "true", "graphs", "false"), o.extras("cuda"));
        assertEquals(Map.of("threading", "workers"), o.extras("openblas"));
        assertEquals(Map.of(), o.extras("cpu"));
    }

    @Test
    void precisionsParseInAnyCaseAndNameTheValidOnes() {
        assertEquals(Precision.BF16, Precision.parse(" BF16 "));
        assertEquals(Precision.FP16, Precision.parse("fp16"));
        assertEquals("fp32", Precision.FP32.label());
        assertEquals(2, Precision.BF16.bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("int8"));
        assertEquals("unknown precision 'int8': use fp32, fp16 or bf16", e.getMessage());
    }
}
