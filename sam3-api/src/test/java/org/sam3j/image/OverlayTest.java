package org.sam3j.image;

import org.sam3j.RgbImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.LowResMask;
import org.sam3j.Mask;
import org.sam3j.MaskResult;

class OverlayTest {
    private static final int W = 120;
    private static final int H = 90;
    private static final int GREY = 0x808080;

    @TempDir
    Path tmp;

    private static RgbImage grey() {
        byte[] rgb = new byte[W * H * 3];
        java.util.Arrays.fill(rgb, (byte) 0x80);
        return RgbImage.of(W, H, rgb);
    }

    /** An instance whose mask is the rectangle [x0, x1) × [y0, y1) and whose box is the same rectangle. */
    private static Instance rect(int index, float score, int x0, int y0, int x1, int y1) {
        boolean[] v = new boolean[W * H];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) v[y * W + x] = true;
        }
        return Instance.of(index, score, new Box(x0, y0, x1, y1), Mask.of(v, W, H),
                LowResMask.of(new float[4], 2, 2));
    }

    private static MaskResult result() {
        return MaskResult.builder(W, H)
                .addInstance(rect(3, 0.42f, 60, 40, 110, 85))
                .addInstance(rect(7, 0.87f, 10, 30, 50, 80))
                .build();
    }

    @Test
    void masksAreBlendedInDistinctColours() {
        BufferedImage img = Overlay.defaults().render(grey(), result());
        assertEquals(W, img.getWidth());
        assertEquals(H, img.getHeight());
        // best instance (index 7, score 0.87) gets colour 0, the other colour 1
        int inside0 = img.getRGB(30, 60) & 0xFFFFFF;
        int inside1 = img.getRGB(85, 65) & 0xFFFFFF;
        assertEquals(blend(GREY, Overlay.color(0)), inside0);
        assertEquals(blend(GREY, Overlay.color(1)), inside1);
        assertNotEquals(inside0, inside1);
        // outside every mask, box and label: untouched
        assertEquals(GREY, img.getRGB(5, 5) & 0xFFFFFF);
        assertEquals(GREY, img.getRGB(55, 20) & 0xFFFFFF);
        // box outline on the box edge
        assertEquals(Overlay.color(0), img.getRGB(10, 55) & 0xFFFFFF);
        assertEquals(Overlay.color(1), img.getRGB(109, 60) & 0xFFFFFF);
        // the score label sits above the box: some pixels there changed
        int changed = 0;
        for (int y = 30 - 9; y < 30; y++) {
            for (int x = 10; x < 40; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != GREY) changed++;
            }
        }
        assertTrue(changed > 50, "label pixels: " + changed);
    }

    private static int blend(int base, int over) {
        int out = 0;
        for (int s = 16; s >= 0; s -= 8) {
            int b = base >>> s & 0xFF;
            int o = over >>> s & 0xFF;
            out |= Math.round(b + 0.5f * (o - b)) << s;
        }
        return out;
    }

    @Test
    void deterministicAndOptional() {
        BufferedImage a = Overlay.defaults().render(grey(), result());
        BufferedImage b = Overlay.defaults().render(grey(), result());
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) assertEquals(a.getRGB(x, y), b.getRGB(x, y));
        }
        BufferedImage none = Overlay.of(0f, false, false).render(grey(), result());
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) assertEquals(GREY, none.getRGB(x, y) & 0xFFFFFF);
        }
        BufferedImage empty = Overlay.defaults().render(grey(), MaskResult.empty(W, H));
        assertEquals(GREY, empty.getRGB(60, 45) & 0xFFFFFF);
    }

    @Test
    void paletteIsDistinct() {
        Set<Integer> colours = new HashSet<>();
        for (int i = 0; i < 60; i++) colours.add(Overlay.color(i));
        assertEquals(60, colours.size());
        assertThrows(IllegalArgumentException.class, () -> Overlay.color(-1));
    }

    @Test
    void validation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Overlay.defaults().render(grey(), MaskResult.empty(W + 1, H)));
        assertTrue(e.getMessage().contains("result is for"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Overlay.of(1.5f, true, true));
        assertThrows(IllegalArgumentException.class, () -> Overlay.of(Float.NaN, true, true));
        Instance small = Instance.of(0, 0.5f, new Box(0, 0, 1, 1), Mask.empty(3, 3), LowResMask.of(new float[1], 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Overlay.defaults().render(grey(), List.of(small)));
    }

    @Test
    void boxesOutsideTheImageAreClipped() {
        Instance outside = Instance.of(0, 0.99f, new Box(-50, -40, 300, 500), Mask.empty(W, H),
                LowResMask.of(new float[1], 1, 1));
        BufferedImage img = Overlay.defaults().render(grey(), List.of(outside));
        assertEquals(Overlay.color(0), img.getRGB(0, H / 2) & 0xFFFFFF);
        assertEquals(Overlay.color(0), img.getRGB(W - 1, H / 2) & 0xFFFFFF);
    }

    @Test
    void labelsNeverOverlap() {
        // many instances with nearly the same box, as a noisy detector gives: earlier placement put every label
        // on the same spot
        List<Instance> inst = new java.util.ArrayList<>();
        for (int k = 0; k < 12; k++) inst.add(rect(k, 0.9f - k * 0.01f, 20 + k % 3, 30, 80, 70));
        List<int[]> at = Overlay.labelPlacements(W, H, inst);
        assertEquals(inst.size(), at.size());
        int drawn = 0;
        for (int i = 0; i < at.size(); i++) {
            int[] a = at.get(i);
            if (a == null) continue;
            drawn++;
            assertTrue(a[0] >= 0 && a[1] >= 0 && a[2] <= W && a[3] <= H, "inside the image");
            for (int j = 0; j < i; j++) {
                int[] b = at.get(j);
                if (b == null) continue;
                boolean overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
                assertTrue(!overlap, "labels " + j + " and " + i + " overlap");
            }
        }
        assertTrue(at.get(0) != null, "the best instance is always labelled");
        assertTrue(drawn >= 2 && drawn < inst.size(), "several spots used, the rest left out: " + drawn);
    }

    @Test
    void writesPngAtomically() throws Exception {
        Path file = tmp.resolve("overlay.png");
        Overlay.defaults().writePng(grey(), result(), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(W, back.getWidth());
        assertEquals(H, back.getHeight());
        BufferedImage direct = Overlay.defaults().render(grey(), result());
        assertEquals(direct.getRGB(30, 60), back.getRGB(30, 60));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(file), s.toList());
        }
    }
}
