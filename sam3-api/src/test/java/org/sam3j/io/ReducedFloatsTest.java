package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bit patterns of rounded values: they decode to exactly the value the emulation computes with. */
class ReducedFloatsTest {
    @Test
    void everyF16PatternRoundTrips() {
        for (int h = 0; h < 1 << 16; h++) {
            float v = StoredTensor.halfToFloat((short) h);
            if (Float.isNaN(v)) {
                int bits = ReducedFloats.f16Bits(v) & 0xffff;
                assertEquals(h & 0x8000 | 0x7e00, bits, "NaN " + Integer.toHexString(h));
                continue;
            }
            assertEquals(v, ReducedFloats.roundF16(v), "a representable value is a fixed point");
            assertEquals(h, ReducedFloats.f16Bits(v) & 0xffff, "pattern " + Integer.toHexString(h));
        }
    }

    @Test
    void patternsDecodeToTheRoundedValue() {
        Random r = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            float v = i % 2 == 0 ? (float) (r.nextGaussian() * Math.pow(10, r.nextInt(14) - 8))
                    : Float.intBitsToFloat(r.nextInt());
            float h = StoredTensor.halfToFloat(ReducedFloats.f16Bits(v));
            float b = Float.intBitsToFloat((ReducedFloats.bf16Bits(v) & 0xffff) << 16);
            if (Float.isNaN(v)) {
                assertTrue(Float.isNaN(h) && Float.isNaN(b));
                continue;
            }
            assertEquals(ReducedFloats.roundF16(v), h, "f16 of " + v);
            assertEquals(ReducedFloats.roundBf16(v), b, "bf16 of " + v);
        }
        assertEquals((short) 0x7c00, ReducedFloats.f16Bits(65520f));
        assertEquals((short) 0x7bff, ReducedFloats.f16Bits(65519f));
        assertEquals((short) 0x8001, ReducedFloats.f16Bits(-0x1p-24f));
        assertEquals((short) 0x3c00, ReducedFloats.f16Bits(1f));
        assertEquals((short) 0x3f80, ReducedFloats.bf16Bits(1f));
    }
}
