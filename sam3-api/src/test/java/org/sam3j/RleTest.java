package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * COCO RLE against counts and strings derived by hand from pycocotools' {@code rleEncode} /
 * {@code rleToString} (column-major runs starting with zeros; 5-bit groups + 48, continuation bit 0x20,
 * counts from the fourth on delta-coded against the count two back).
 */
class RleTest {
    /** Row-major rows of '0'/'1' to a mask. */
    static Mask mask(String... rows) {
        int h = rows.length;
        int w = rows[0].length();
        boolean[] v = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) v[y * w + x] = rows[y].charAt(x) == '1';
        }
        return Mask.of(v, w, h);
    }

    @Test
    void handComputed4x3() {
        // Columns top to bottom: (0,0,1) (1,1,1) (1,0,0) (0,0,1) -> 0 0 1 1 1 1 1 0 0 0 0 1
        // runs: 2 zeros, 5 ones, 4 zeros, 1 one.
        Mask m = mask(
                "0110",
                "0100",
                "1101");
        Rle rle = m.toRle();
        assertEquals(3, rle.height());
        assertEquals(4, rle.width());
        assertArrayEquals(new int[] {2, 5, 4, 1}, rle.counts());
        assertEquals(6, rle.area());
        // '2' '5' '4'; 4th count delta 1 - 5 = -4: low 5 bits 0b11100 = 28, x >> 5 = -1 and bit 0x10 set
        // -> last group -> 28 + 48 = 'L'.
        assertEquals("254L", rle.countsString());
        assertEquals(rle, Rle.fromString("254L", 3, 4));
        assertEquals(m, Mask.fromRle(rle));
        assertEquals(Map.of("size", List.of(3, 4), "counts", "254L"), rle.toMap());
    }

    @Test
    void handComputedContinuationAndNegativeDelta() {
        // 10x10: columns 0..4 set (50), then 2 zeros, 10 ones, 38 zeros.
        // 0 -> '0'; 50 = 0b1_10010: group 18 has bit 0x10 and x=1 != -1 -> more: 18|32 + 48 = 'b', then 1 -> '1';
        // 2 -> '2'; 10 - 50 = -40: group 24 (bit 0x10), x = -2 != -1 -> 'h'; group 30, x = -1 -> 'N';
        // 38 - 2 = 36: group 4, x = 1 -> 'T'; then '1'.
        int[] counts = {0, 50, 2, 10, 38};
        Rle rle = Rle.of(10, 10, counts);
        assertEquals("0b12hNT1", rle.countsString());
        assertEquals(rle, Rle.fromString("0b12hNT1", 10, 10));
        Mask m = Mask.fromRle(rle);
        assertEquals(60, m.area());
        assertTrue(m.get(4, 9));
        assertTrue(!m.get(5, 0) && !m.get(5, 1) && m.get(5, 2) && m.get(6, 1) && !m.get(6, 2));
        assertEquals(rle, m.toRle());

        // 0, 40 ('X','1'), 60 (group 28 has bit 0x10, x = 1 -> 'l', then '1'): columns 0..3 set.
        Rle four = Rle.fromString("0X1l1", 10, 10);
        assertArrayEquals(new int[] {0, 40, 60}, four.counts());
        assertEquals(new Box(0, 0, 4, 10), Mask.fromRle(four).boundingBox().orElseThrow());

        // Positive deltas: 5, 3, 40, 10 (delta 7), 42 (delta 2).
        assertEquals("53X172", Rle.of(10, 10, new int[] {5, 3, 40, 10, 42}).countsString());
    }

    @Test
    void emptyAndFull() {
        // 35 = 0b1_00011: group 3 (no 0x10 bit) with x = 1 left -> 3|32 + 48 = 'S', then 1 -> '1'.
        Rle empty = Mask.empty(7, 5).toRle();
        assertArrayEquals(new int[] {35}, empty.counts());
        assertEquals(0, empty.area());
        assertEquals("S1", empty.countsString());
        assertEquals(Mask.empty(7, 5), Mask.fromRle(Rle.fromString("S1", 5, 7)));

        boolean[] all = new boolean[35];
        java.util.Arrays.fill(all, true);
        Mask full = Mask.of(all, 7, 5);
        Rle rle = full.toRle();
        assertArrayEquals(new int[] {0, 35}, rle.counts());
        assertEquals("0S1", rle.countsString());
        assertEquals(35, rle.area());
        assertEquals(full, Mask.fromRle(Rle.fromString("0S1", 5, 7)));
    }

    @Test
    void singlePixelCorners() {
        int w = 4;
        int h = 3;
        // column-major position of (x, y) is x * h + y
        int[][] corners = {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}};
        int[][] expected = {{0, 1, 11}, {9, 1, 2}, {2, 1, 9}, {11, 1}};
        for (int c = 0; c < corners.length; c++) {
            boolean[] v = new boolean[w * h];
            v[corners[c][1] * w + corners[c][0]] = true;
            Mask m = Mask.of(v, w, h);
            Rle rle = m.toRle();
            assertArrayEquals(expected[c], rle.counts(), "corner " + c);
            assertEquals(m, Mask.fromRle(Rle.fromString(rle.countsString(), h, w)));
        }
    }

    @Test
    void randomMasksRoundTripThroughString() {
        Random rnd = new Random(1234);
        for (int t = 0; t < 300; t++) {
            int w = 1 + rnd.nextInt(t < 250 ? 40 : 700);
            int h = 1 + rnd.nextInt(t < 250 ? 40 : 700);
            boolean[] v = new boolean[w * h];
            int style = t % 3;
            if (style == 0) {
                double p = rnd.nextDouble();
                for (int i = 0; i < v.length; i++) v[i] = rnd.nextDouble() < p;
            } else {
                // a few rectangles: long runs, large counts and deltas of both signs
                int n = 1 + rnd.nextInt(4);
                for (int r = 0; r < n; r++) {
                    int x0 = rnd.nextInt(w);
                    int y0 = rnd.nextInt(h);
                    int x1 = x0 + rnd.nextInt(w - x0 + 1);
                    int y1 = y0 + rnd.nextInt(h - y0 + 1);
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) v[y * w + x] = style == 1 || !v[y * w + x];
                    }
                }
            }
            Mask m = Mask.of(v, w, h);
            Rle rle = m.toRle();
            long sum = 0;
            int[] c = rle.counts();
            for (int i = 0; i < c.length; i++) {
                sum += c[i];
                if (i > 0) assertTrue(c[i] > 0, "only the first run may be empty");
            }
            assertEquals((long) w * h, sum);
            assertEquals(m.area(), rle.area());
            String s = rle.countsString();
            for (char ch : s.toCharArray()) assertTrue(ch >= '0' && ch <= 'o', "character range");
            Rle back = Rle.fromString(s, h, w);
            assertEquals(rle, back);
            assertEquals(m, Mask.fromRle(back));
            assertEquals(back, Rle.fromMap(back.toMap()));
        }
    }

    @Test
    void uncompressedCountsInMap() {
        Rle rle = Rle.fromMap(Map.of("size", List.of(3, 4), "counts", List.of(2, 5, 4, 1)));
        assertEquals("254L", rle.countsString());
        assertThrows(IllegalArgumentException.class, () -> Rle.fromMap(Map.of("counts", "254L")));
        assertThrows(IllegalArgumentException.class,
                () -> Rle.fromMap(Map.of("size", List.of(3, 4), "counts", 12)));
    }

    @Test
    void invalidInputIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("25 4L", 3, 4));
        assertTrue(e.getMessage().contains("invalid RLE character"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("254p", 3, 4));
        assertTrue(e.getMessage().contains("invalid RLE character"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("25/", 3, 4));
        assertTrue(e.getMessage().contains("invalid RLE character"), e.getMessage());
        // 'X' carries the continuation bit: the string stops inside a count
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("0X", 10, 10));
        assertTrue(e.getMessage().contains("ends inside a count"), e.getMessage());
        // counts add up to 11, not 12
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("253L", 3, 4));
        assertTrue(e.getMessage().contains("add up to 11"), e.getMessage());
        // 'N' = 30: sign bit set, no continuation -> -2
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("N", 3, 4));
        assertTrue(e.getMessage().contains("decodes to -2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rle.fromString("oooooooooooooo", 3, 4));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rle.fromString("", 3, 4));
        assertThrows(IllegalArgumentException.class, () -> Rle.fromString("254L", 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Rle.of(3, 4, new int[] {2, -1, 11}));
        assertThrows(IllegalArgumentException.class, () -> Rle.of(3, 4, new int[] {2, 5}));
    }

    @Test
    void valueSemantics() {
        int[] counts = {2, 5, 4, 1};
        Rle a = Rle.of(3, 4, counts);
        counts[0] = 99;
        assertEquals(2, a.counts()[0], "counts are copied on the way in");
        a.counts()[0] = 77;
        assertEquals(2, a.counts()[0], "and on the way out");
        assertEquals(a.hashCode(), Rle.fromString("254L", 3, 4).hashCode());
        assertTrue(a.toString().contains("254L"));
    }
}
