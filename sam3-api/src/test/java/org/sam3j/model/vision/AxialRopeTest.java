package org.sam3j.model.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/** The windowed blocks' RoPE tables over the whole grid: each token at its position inside its window. */
class AxialRopeTest {
    @Test
    void windowTablesRepeatTheWindowsPositionsOverTheGrid() {
        int grid = 6, window = 3, d = 8, half = d / 2;
        Graph g = new Graph();
        Tensor[] t = AxialRope.windowTables(g, "rope", grid, window, d, 10000f);
        float[] cos = t[0].attrs(Attrs.Constant.class).values();
        float[] sin = t[1].attrs(Attrs.Constant.class).values();
        float[][] w = AxialRope.values(window, d, 10000f, 1f);
        for (int y = 0; y < grid; y++) {
            for (int x = 0; x < grid; x++) {
                int token = y * grid + x;
                int local = (y % window) * window + x % window;
                assertArrayEquals(Arrays.copyOfRange(w[0], local * half, local * half + half),
                        Arrays.copyOfRange(cos, token * half, token * half + half), "cos of token " + token);
                assertArrayEquals(Arrays.copyOfRange(w[1], local * half, local * half + half),
                        Arrays.copyOfRange(sin, token * half, token * half + half), "sin of token " + token);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AxialRope.windowTables(new Graph(), "rope", 70, 24, d, 10000f));
        assertTrue(e.getMessage().contains("not a multiple of the attention window 24"), e.getMessage());
    }
}
