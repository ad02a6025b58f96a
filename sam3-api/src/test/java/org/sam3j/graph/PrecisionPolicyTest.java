package org.sam3j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;
import org.sam3j.io.DType;

/** Types in the graph and the one policy that decides what runs in FP16/BF16. */
class PrecisionPolicyTest {
    /** A transformer-like block: x → LN → linear → GELU → linear (+ residual) → attention over a reshape. */
    private static Graph block() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 4, 8);
        Tensor h = g.layerNorm(x, g.weight("ln.weight", 8), g.weight("ln.bias", 8), 1e-5f);
        Tensor up = g.linear(h, g.weight("fc1.weight", 16, 8), g.weight("fc1.bias", 16));
        Tensor down = g.linear(g.gelu(up), g.weight("fc2.weight", 8, 16), g.weight("fc2.bias", 8));
        Tensor y = g.add(x, down);
        Tensor q = g.reshape(g.linear(y, g.weight("q.weight", 8, 8), null), 1, 4, 2, 4);
        Tensor a = g.attention(q, q, q, null, 0.5f);
        g.output("y", y);
        g.output("a", a);
        return g;
    }

    @Test
    void fp32IsTheGraphItself() {
        Graph g = block();
        assertSame(g, PrecisionPolicy.apply(g, Precision.FP32));
    }

    @Test
    void productsRunReducedEverythingElseFp32() {
        for (Precision p : List.of(Precision.BF16, Precision.FP16)) {
            DType low = PrecisionPolicy.storageType(p);
            Graph r = PrecisionPolicy.apply(block(), p);
            for (Tensor t : r.nodes()) {
                if (t.op() == Op.LINEAR || t.op() == Op.ATTENTION) {
                    assertEquals(low, t.dtype(), t.toString());
                    for (int i = 0; i < t.inputCount(); i++) assertEquals(low, t.input(i).dtype(), t + " operand " + i);
                } else if (t.op() == Op.LAYER_NORM || t.op() == Op.GELU || t.op() == Op.ADD) {
                    assertEquals(DType.F32, t.dtype(), t.toString());
                }
            }
            assertEquals(low, r.weights().get("fc1.weight").dtype(), "a product's weight is stored reduced");
            assertEquals(low, r.weights().get("fc2.bias").dtype());
            assertEquals(DType.F32, r.weights().get("ln.weight").dtype(), "normalisation parameters stay FP32");
            assertEquals(DType.F32, r.inputs().get("x").dtype());
            r.outputs().values().forEach(o -> assertEquals(DType.F32, o.dtype(), "outputs stay FP32"));
            // q's reshape keeps the reduced type: no cast pair between the linear layer and attention
            Tensor attention = r.nodes().stream().filter(t -> t.op() == Op.ATTENTION).findFirst().orElseThrow();
            assertEquals(Op.RESHAPE, attention.input(0).op());
            assertEquals(Op.LINEAR, attention.input(0).input(0).op());
            long casts = r.nodes().stream().filter(t -> t.op() == Op.CAST).count();
            // into fc1, out of fc1, into fc2, out of fc2, into q, out of attention
            assertEquals(6, casts, r.nodes().toString());
        }
    }

    @Test
    void aWeightAProductReadsIsStoredReducedAndWidenedForFp32Readers() {
        Graph g = new Graph();
        Tensor x = g.input("x", 4, 4);
        Tensor w = g.weight("w", 4, 4);
        g.output("y", g.add(g.linear(x, w, null), g.reshape(w, 4, 4)));
        Graph r = PrecisionPolicy.apply(g, Precision.FP16);
        assertEquals(DType.F16, r.weights().get("w").dtype());
        Tensor linear = r.nodes().stream().filter(t -> t.op() == Op.LINEAR).findFirst().orElseThrow();
        assertSame(r.weights().get("w"), linear.input(1), "the product binds the stored weight itself");
        Tensor add = r.nodes().stream().filter(t -> t.op() == Op.ADD).findFirst().orElseThrow();
        assertEquals(Op.CAST, add.input(1).op(), "the FP32 reader widens it: " + add.input(1));
    }

    @Test
    void attributesAreReadAsTheirRecordType() {
        Graph g = new Graph();
        Tensor c = g.cast(g.input("x", 2, 3), DType.F16);
        assertEquals(DType.F16, c.attrs(Attrs.Cast.class).to());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.attrs(Attrs.Slice.class));
        assertTrue(e.getMessage().contains("has no Slice attributes"), e.getMessage());
    }

    @Test
    void operandsOfDifferentTypesNeedAnExplicitCast() {
        Graph g = new Graph();
        Tensor a = g.input("a", 2, 3);
        Tensor b = g.cast(g.input("b", 2, 3), DType.BF16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.add(a, b));
        assertTrue(e.getMessage().contains("cast one explicitly"), e.getMessage());
        assertEquals(DType.BF16, g.add(g.cast(a, DType.BF16), b).dtype());
        assertThrows(IllegalArgumentException.class, () -> g.cast(a, DType.I32));
        Tensor q = g.cast(g.input("q", 1, 2, 1, 4), DType.F16);
        Tensor bias = g.input("bias", 1, 1, 2, 2);
        assertEquals(DType.F16, g.attention(q, q, q, bias, 1f).dtype(), "the attention bias stays FP32");
        assertThrows(IllegalArgumentException.class, () -> g.attention(q, q, q, g.cast(bias, DType.F16), 1f));
    }
}
