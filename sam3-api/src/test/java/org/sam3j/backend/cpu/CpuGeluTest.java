package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The vectorisable GELU against a double-precision erf, and the chunked kernel against the scalar formula. */
class CpuGeluTest {
    /** erf by its Maclaurin series in double (accurate to ~1e-10 for |x| ≤ 4), ±1 beyond (float erf is ±1 there). */
    private static double erf(double x) {
        if (Math.abs(x) > 4) return Math.signum(x);
        double s = 0;
        double p = x;
        for (int n = 0; n < 400 && Math.abs(p) > 1e-30; n++) {
            s += p / (2 * n + 1);
            p *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * s;
    }

    @Test
    void geluMatchesTheExactDefinition() {
        double worst = 0;
        for (double x = -12; x <= 12; x += 1.37e-4) {
            float v = (float) x;
            double e = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            double err = Math.abs(CpuGelu.gelu(v) - e) / Math.max(1, Math.abs(e));
            worst = Math.max(worst, err);
        }
        assertTrue(worst < 1.5e-6, "worst error " + worst);
        assertEquals(0f, CpuGelu.gelu(0f));
        assertEquals(100f, CpuGelu.gelu(100f));
        assertEquals(-0f, CpuGelu.gelu(-100f), 0f);
        assertTrue(Float.isNaN(CpuGelu.gelu(Float.NaN)));
    }

    @Test
    void chunkedKernelAtOffsetsAndInPlace() {
        int n = 3 * CpuGelu.CHUNK + 17;
        float[] x = new float[n + 11];
        for (int i = 0; i < x.length; i++) x[i] = (float) (Math.sin(i * 0.37) * 7);
        float[] y = new float[n + 5];
        CpuGelu.apply(x, 11, y, 5, 3, n);
        for (int i = 0; i < 3; i++) assertEquals(0f, y[5 + i]);
        for (int i = 3; i < n; i++) assertEquals(CpuGelu.gelu(x[11 + i]), y[5 + i], "at " + i);
        float[] z = x.clone();
        CpuGelu.apply(z, 11, z, 11, 0, n);
        for (int i = 0; i < n; i++) assertEquals(CpuGelu.gelu(x[11 + i]), z[11 + i], "in place at " + i);
    }
}
