package org.sam3j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The window attribute of attention: validation, cost, and its spelled-out form. */
class AttentionWindowsTest {
    @Test
    void windowsMustTileTheGrid() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 12 * 10, 2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.windowedAttention(x, x, x, 1f, 12, 10, 4));
        assertTrue(e.getMessage().contains("does not tile the token grid 12×10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.windowedAttention(x, x, x, 1f, 10, 10, 5)); // 100 ≠ 120 tokens
        assertThrows(IllegalArgumentException.class, () -> g.windowedAttention(x, x, x, 1f, 12, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new Attrs.Attention(1f, 0, 12, 10));
        Tensor y = g.windowedAttention(x, x, x, 1f, 12, 10, 2);
        Attrs.Attention a = y.attrs(Attrs.Attention.class);
        assertTrue(a.windowed());
        assertEquals(30, a.windowCount());
        assertFalse(new Attrs.Attention(1f).windowed());
    }

    @Test
    void windowedFlopsCountOnlyEachWindowsKeys() {
        Graph g = new Graph();
        int b = 2, gh = 8, gw = 12, w = 4, h = 3, d = 5, dv = 7;
        Tensor q = g.input("q", b, gh * gw, h, d);
        Tensor k = g.input("k", b, gh * gw, h, d);
        Tensor v = g.input("v", b, gh * gw, h, dv);
        Tensor y = g.windowedAttention(q, k, v, 0.5f, gh, gw, w);
        assertEquals(2L * b * h * (gh * gw) * (w * w) * (d + dv), OpCost.flops(y));
        // the same as the partitioned form's batched attention
        Attrs.Attention a = y.attrs(Attrs.Attention.class);
        Tensor p = g.attention(AttentionWindows.partition(g, q, a), AttentionWindows.partition(g, k, a),
                AttentionWindows.partition(g, v, a), null, 0.5f);
        assertEquals(OpCost.flops(p), OpCost.flops(y));
        assertEquals(2L * b * h * (gh * gw) * (gh * gw) * (d + dv), OpCost.flops(g.attention(q, k, v, null, 0.5f)));
    }

    @Test
    void partitionedReplacesOnlyWindowedAttention() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 36, 2, 4);
        Tensor wgt = g.weight("w", 4);
        Tensor y = g.windowedAttention(g.mul(x, wgt), x, x, 0.5f, 6, 6, 3);
        g.output("y", g.attention(y, x, x, null, 0.5f));
        Graph p = AttentionWindows.partitioned(g);
        assertTrue(AttentionWindows.any(g));
        assertFalse(AttentionWindows.any(p));
        assertEquals(g.inputs().keySet(), p.inputs().keySet());
        assertEquals(g.weights().keySet(), p.weights().keySet());
        Tensor out = p.outputs().get("y");
        assertEquals(Op.ATTENTION, out.op());
        Tensor inner = out.input(0);
        assertEquals(Op.RESHAPE, inner.op());
        assertEquals(Op.PERMUTE, inner.input(0).op());
        Tensor windows = inner.input(0).input(0).input(0);
        assertEquals(Op.ATTENTION, windows.op());
        assertEquals(4, windows.dim(0)); // 4 windows of 9 tokens
        assertEquals(9, windows.dim(1));
        assertSame(p, AttentionWindows.partitioned(p));
    }
}
