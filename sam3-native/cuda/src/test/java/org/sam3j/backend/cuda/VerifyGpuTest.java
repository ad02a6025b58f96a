package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.ProbeResult;

/**
 * {@code verify} on the CUDA backend with the tiny fixtures: FP32 to the fixtures' tolerance, FP16 and
 * BF16 by the cosine bound of spec/fixtures.md. Skipped without a GPU.
 */
class VerifyGpuTest {
    private static String verify(String precision, int expectedStatus) throws Exception {
        Gpu.assumeAvailable();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CudaVerify.run(new String[] {"--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString(),
            "--precision", precision}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(expectedStatus, status, text + err.toString(StandardCharsets.UTF_8));
        return text;
    }

    @Test
    void tinyFixturesFp32() throws Exception {
        assertTrue(verify("fp32", 0).contains(" 0 failed"));
    }

    @Test
    void tinyFixturesFp16() throws Exception {
        assertTrue(verify("fp16", 0).contains(" 0 failed"));
    }

    @Test
    void tinyFixturesBf16() throws Exception {
        assertTrue(verify("bf16", 0).contains(" 0 failed"));
    }

    /** The reduced-precision verdict (no GPU needed). */
    @Test
    void reducedPrecisionBoundIsTheCosineBound() {
        double e = CudaVerify.REDUCED_PRECISION_BOUND;
        assertEquals(0.999, Math.sqrt(1 - e * e), 1e-12);
        ProbeResult fail = new ProbeResult("k", ProbeResult.Status.FAIL, 0.01, 1e-3, "");
        assertEquals(ProbeResult.Status.PASS, CudaVerify.judgeReduced(fail).status());
        ProbeResult bad = new ProbeResult("k", ProbeResult.Status.FAIL, 0.05, 1e-3, "");
        assertEquals(ProbeResult.Status.FAIL, CudaVerify.judgeReduced(bad).status());
        ProbeResult skip = new ProbeResult("k", ProbeResult.Status.SKIP, Double.NaN, Double.NaN, "later");
        assertEquals(ProbeResult.Status.SKIP, CudaVerify.judgeReduced(skip).status());
    }

    @Test
    void unavailableBackendExitsWithTheReason() throws Exception {
        if (CudaRuntime.available()) return;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CudaVerify.run(new String[] {"--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(CudaRuntime.unavailableReason()));
    }
}
