package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Rounding to FP16 and BF16 as the IEEE formats store values: nearest, ties to even, FP16's range and subnormals. */
class ReducedFloatsTest {
    @Test
    void bf16KeepsEightSignificantBits() {
        assertEquals(1.0f, ReducedFloats.bf16(1.0f));
        assertEquals(1.0f, ReducedFloats.bf16(1.0f + 0x1p-9f), "a tie rounds to even (down)");
        assertEquals(1.0f + 0x1p-7f * 2, ReducedFloats.bf16(1.0f + 0x1p-7f + 0x1p-9f * 2), "a tie rounds to even (up)");
        assertEquals(1.0f + 0x1p-7f, ReducedFloats.bf16(1.0f + 0x1p-7f - 0x1p-12f), "nearest");
        assertEquals(-3.140625f, ReducedFloats.bf16(-3.14159265f));
        assertEquals(Float.POSITIVE_INFINITY, ReducedFloats.bf16(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(ReducedFloats.bf16(Float.NaN)));
        float bf16Max = Float.intBitsToFloat(0x7f7f0000);
        assertEquals(bf16Max, ReducedFloats.bf16(bf16Max), "BF16 has FP32's exponent range");
        assertEquals(Float.POSITIVE_INFINITY, ReducedFloats.bf16(Float.MAX_VALUE), "above the largest BF16's midpoint");
    }

    @Test
    void f16KeepsElevenSignificantBitsAndItsRange() {
        assertEquals(1.0f, ReducedFloats.f16(1.0f + 0x1p-11f), "a tie rounds to even (down)");
        assertEquals(1.0f + 0x1p-9f, ReducedFloats.f16(1.0f + 0x1p-10f + 0x1p-11f), "a tie rounds to even (up)");
        assertEquals(3.140625f, ReducedFloats.f16(3.14159265f));
        assertEquals(65504f, ReducedFloats.f16(65519f), "below the midpoint: the largest finite FP16");
        assertEquals(Float.POSITIVE_INFINITY, ReducedFloats.f16(65520f), "from the midpoint on: infinity");
        assertEquals(Float.NEGATIVE_INFINITY, ReducedFloats.f16(-1e6f));
        assertEquals(0x1p-24f, ReducedFloats.f16(0x1p-24f), "the smallest subnormal");
        assertEquals(0f, ReducedFloats.f16(0x1p-25f), "half the smallest subnormal: a tie, to even (zero)");
        assertEquals(0x1p-23f, ReducedFloats.f16(0x1p-24f * 1.5f), "a subnormal tie rounds to even (up)");
        assertEquals(0x1p-14f, ReducedFloats.f16(0x1p-14f - 0x1p-26f), "rounds up to the smallest normal");
        assertEquals(-0.0f, ReducedFloats.f16(-1e-30f));
        assertTrue(Float.isNaN(ReducedFloats.f16(Float.NaN)));
    }

    @Test
    void everyRoundedValueIsAFixedPoint() {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
            float h = ReducedFloats.f16(v);
            float b = ReducedFloats.bf16(v);
            assertEquals(h, ReducedFloats.f16(h));
            assertEquals(b, ReducedFloats.bf16(b));
            if (Math.abs(v) > 1e-4 && Math.abs(v) < 6e4) assertTrue(Math.abs(h - v) <= Math.abs(v) * 0x1p-11f, v + " → " + h);
            assertTrue(Math.abs(b - v) <= Math.abs(v) * 0x1p-8f, v + " → " + b);
        }
    }
}
