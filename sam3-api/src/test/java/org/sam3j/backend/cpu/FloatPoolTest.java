package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The backend's buffer pool: what comes back is reused within its waste bound, small arrays are not kept, the
 * capacity evicts the oldest. */
class FloatPoolTest {
    private static final int MIB = 1 << 18; // floats in 1 MiB

    @Test
    void aReturnedArrayServesRequestsUpToTwiceSmaller() {
        FloatPool pool = new FloatPool(64L << 20);
        float[] a = pool.take(4 * MIB);
        assertEquals(4 * MIB, a.length);
        assertTrue(pool.give(a), "kept");
        assertEquals(4L << 20, pool.heldBytes());
        assertNotSame(a, pool.take(4 * MIB + 1), "too small");
        assertNotSame(a, pool.take(2 * MIB - 1), "more than twice the request");
        assertSame(a, pool.take(2 * MIB));
        assertEquals(0, pool.heldBytes());
        assertNotSame(a, pool.take(2 * MIB), "taken once only");
    }

    @Test
    void exactRequestsTakeOnlyTheirLength() {
        FloatPool pool = new FloatPool(64L << 20);
        float[] a = new float[3 * MIB];
        float[] b = new float[3 * MIB + 1];
        pool.give(b);
        pool.give(a);
        assertSame(b, pool.takeExact(3 * MIB + 1));
        assertNotSame(a, pool.takeExact(3 * MIB - 1));
        assertSame(a, pool.takeExact(3 * MIB));
    }

    @Test
    void smallArraysAndArraysOverTheCapacityAreNotKept() {
        FloatPool pool = new FloatPool(8L << 20);
        assertFalse(pool.give(new float[MIB - 1]), "under 1 MiB: the caller may keep using it");
        assertFalse(pool.give(new float[8 * MIB + 1]));
        assertFalse(pool.give(null));
        assertEquals(0, pool.heldBytes());
        assertFalse(new FloatPool(0).give(new float[MIB])); // a pool of capacity 0 keeps nothing
    }

    @Test
    void theOldestGoWhenTheCapacityIsReached() {
        FloatPool pool = new FloatPool(3L << 20);
        float[] first = new float[MIB];
        float[] second = new float[MIB];
        float[] big = new float[2 * MIB];
        pool.give(first);
        pool.give(second);
        assertEquals(2L << 20, pool.heldBytes());
        pool.give(big); // 4 MiB > 3: the first goes
        assertEquals(3L << 20, pool.heldBytes());
        assertSame(second, pool.takeExact(MIB));
        assertNotSame(first, pool.takeExact(MIB));
        assertSame(big, pool.take(2 * MIB));
        pool.give(big);
        pool.clear();
        assertEquals(0, pool.heldBytes());
        assertThrows(IllegalArgumentException.class, () -> new FloatPool(-1));
        assertThrows(IllegalArgumentException.class, () -> pool.take(-1));
    }
}
