package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskTest {
    @TempDir
    Path tmp;

    private static Mask random(int w, int h, long seed) {
        Random rnd = new Random(seed);
        boolean[] v = new boolean[w * h];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextInt(3) == 0;
        return Mask.of(v, w, h);
    }

    @Test
    void pixelsAreaAndBooleans() {
        Mask m = RleTest.mask(
                "00000",
                "00110",
                "01100",
                "00000");
        assertEquals(5, m.width());
        assertEquals(4, m.height());
        assertEquals(4, m.area());
        assertTrue(m.get(2, 1));
        assertFalse(m.get(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(5, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(0, -1));
        boolean[] b = m.toBooleanArray();
        assertEquals(20, b.length);
        assertTrue(b[1 * 5 + 2] && b[2 * 5 + 1]);
        assertEquals(m, Mask.of(b, 5, 4));
        assertEquals(m.hashCode(), Mask.of(b, 5, 4).hashCode());
        assertNotEquals(m, Mask.of(b, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> Mask.of(b, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> Mask.empty(0, 5));
    }

    @Test
    void boundingBoxUsesPixelEdges() {
        Mask m = RleTest.mask(
                "00000",
                "00110",
                "01100",
                "00000");
        assertEquals(Optional.of(new Box(1, 1, 4, 3)), m.boundingBox());
        assertEquals(Optional.empty(), Mask.empty(9, 9).boundingBox());
        boolean[] one = new boolean[200 * 3];
        one[2 * 200 + 199] = true;
        assertEquals(Optional.of(new Box(199, 2, 200, 3)), Mask.of(one, 200, 3).boundingBox());
        // random masks against a brute-force scan (rows spanning several 64-bit words)
        for (int t = 0; t < 40; t++) {
            Random rnd = new Random(t);
            int w = 1 + rnd.nextInt(150);
            int h = 1 + rnd.nextInt(20);
            boolean[] v = new boolean[w * h];
            int n = rnd.nextInt(4);
            for (int k = 0; k < n; k++) v[rnd.nextInt(v.length)] = true;
            int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (v[y * w + x]) {
                        minX = Math.min(minX, x);
                        minY = Math.min(minY, y);
                        maxX = Math.max(maxX, x);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            Optional<Box> want = maxX < 0 ? Optional.empty() : Optional.of(new Box(minX, minY, maxX + 1, maxY + 1));
            assertEquals(want, Mask.of(v, w, h).boundingBox(), "case " + t);
        }
    }

    @Test
    void logitRuleIsFloatSigmoidAboveHalf() {
        float t = Mask.PROB_HALF_LOGIT;
        assertTrue(t > 0f && t < 2e-7f, "threshold " + t);
        assertTrue(Mask.sigmoid(t) > 0.5f);
        assertEquals(0.5f, Mask.sigmoid(Math.nextDown(t)));
        // tiny positive logits round to probability exactly 0.5: not set (unlike logit > 0)
        float[] logits = {-1f, 0f, 1e-8f, 5e-8f, Math.nextDown(t), t, 1e-6f, 3f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, -0f};
        Mask m = Mask.fromLogits(logits, logits.length, 1);
        boolean[] want = new boolean[logits.length];
        for (int i = 0; i < logits.length; i++) want[i] = Mask.sigmoid(logits[i]) > 0.5f;
        assertArrayEquals(want, m.toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, false, false, false, true, true, true, false, true, false, false},
                m.toBooleanArray());
        assertTrue(Mask.fromThreshold(logits, logits.length, 1, 0f).get(2, 0), "logit > 0 would set 1e-8");
        // the threshold rule equals the direct formula on many values around it
        Random rnd = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (rnd.nextGaussian() * (i % 2 == 0 ? 1e-6 : 10));
            assertEquals(Mask.sigmoid(x) > 0.5f, x >= t, "x = " + x);
        }
    }

    @Test
    void fromBitsReadsBitSetOrder() {
        java.util.BitSet set = new java.util.BitSet();
        set.set(0);
        set.set(66); // (x 0, y 6) of an 11-wide mask: the second word
        set.set(76);
        Mask m = Mask.fromBits(set.toLongArray(), 11, 7);
        assertEquals(3, m.area());
        assertTrue(m.get(0, 0) && m.get(0, 6) && m.get(10, 6));
        assertEquals(m, Mask.fromBits(new long[] {1L, (1L << 2) | (1L << 12)}, 11, 7));
        assertEquals(Mask.empty(11, 7), Mask.fromBits(new long[0], 11, 7), "missing words are zero");
        long[] words = set.toLongArray();
        Mask.fromBits(words, 11, 7);
        words[0] = 0;
        assertTrue(m.get(0, 0), "the words are copied");
        assertThrows(IllegalArgumentException.class, () -> Mask.fromBits(new long[] {0, 1L << 13}, 11, 7),
                "a bit past pixel 77");
        assertThrows(IllegalArgumentException.class, () -> Mask.fromBits(new long[3], 11, 7), "too many words");
        assertThrows(IllegalArgumentException.class, () -> Mask.fromBits(new long[0], 0, 7));
        assertEquals(Mask.PROB_HALF_LOGIT, Mask.halfProbabilityLogit());
    }

    @Test
    void fromThreshold() {
        float[] v = {0.1f, 0.5f, 0.50001f, 0.9f, Float.NaN, -3f};
        assertArrayEquals(new boolean[] {false, false, true, true, false, false},
                Mask.fromThreshold(v, 3, 2, 0.5f).toBooleanArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mask.fromThreshold(v, 3, 2, Float.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Mask.fromThreshold(v, 4, 2, 0f));
        assertTrue(e.getMessage().contains("6 values for a 4x2 mask"), e.getMessage());
    }

    @Test
    void thresholdIsStrictAtEveryEdge() {
        float[] v = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1f, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE, 1f,
            Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN};
        for (float t : v) {
            if (Float.isNaN(t)) continue;
            boolean[] want = new boolean[v.length];
            for (int i = 0; i < v.length; i++) want[i] = v[i] > t;
            assertArrayEquals(want, Mask.fromThreshold(v, v.length, 1, t).toBooleanArray(), "threshold " + t);
        }
    }

    @Test
    void thresholdRulesHoldAcrossBitWords() {
        Random rnd = new Random(11);
        for (int[] z : new int[][] {{13, 11}, {64, 1}, {65, 2}, {1, 127}, {31, 33}}) {
            int w = z[0], h = z[1];
            float[] v = new float[w * h];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            boolean[] above = new boolean[v.length];
            boolean[] half = new boolean[v.length];
            for (int i = 0; i < v.length; i++) {
                above[i] = v[i] > 0.25f;
                half[i] = Mask.sigmoid(v[i]) > 0.5f;
            }
            assertArrayEquals(above, Mask.fromThreshold(v, w, h, 0.25f).toBooleanArray(), w + "x" + h);
            assertArrayEquals(half, Mask.fromLogits(v, w, h).toBooleanArray(), w + "x" + h);
        }
    }

    @Test
    void iou() {
        Mask a = RleTest.mask("1100", "1100");
        Mask b = RleTest.mask("0110", "0110");
        assertEquals(2.0 / 6.0, a.iou(b), 1e-12);
        assertEquals(1.0, a.iou(a));
        assertEquals(1.0, Mask.empty(4, 2).iou(Mask.empty(4, 2)));
        assertThrows(IllegalArgumentException.class, () -> a.iou(Mask.empty(2, 4)));
    }

    @Test
    void pngRoundTrip() throws Exception {
        Mask m = random(37, 23, 1);
        Path file = tmp.resolve("mask.png");
        m.writePng(file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(37, img.getWidth());
        assertEquals(23, img.getHeight());
        assertEquals(1, img.getRaster().getNumBands());
        assertEquals(8, img.getColorModel().getComponentSize(0));
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                assertEquals(m.get(x, y) ? 255 : 0, img.getRaster().getSample(x, y, 0));
            }
        }
        assertEquals(m, Mask.readPng(file));
        BufferedImage fromBytes = ImageIO.read(new ByteArrayInputStream(m.toPngBytes()));
        assertEquals(37, fromBytes.getWidth());
        assertArrayEquals(Files.readAllBytes(file), m.toPngBytes());
    }

    @Test
    void atomicWriteLeavesNoTemporaryFiles() throws Exception {
        Path file = tmp.resolve("out.png");
        random(64, 64, 2).writePng(file);
        Mask second = random(50, 40, 3);
        second.writePng(file); // replaces
        assertEquals(second, Mask.readPng(file));
        try (Stream<Path> s = Files.list(tmp)) {
            List<String> names = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertEquals(List.of("out.png"), names);
        }
        // a missing directory fails cleanly, leaving nothing behind
        assertThrows(java.io.IOException.class, () -> second.writePng(tmp.resolve("missing/out.png")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void largeMaskIsCompact() {
        Mask m = Mask.fromThreshold(new float[1800 * 1200], 1800, 1200, -1f);
        assertEquals(1800L * 1200, m.area());
        assertEquals(Optional.of(new Box(0, 0, 1800, 1200)), m.boundingBox());
        assertEquals(m, Mask.fromRle(m.toRle()));
        assertEquals("0" + "Mask[1800x1200, area=2160000]", "0" + m.toString());
    }
}
