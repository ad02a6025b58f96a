package org.sam3j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins the check values of the synthetic-weights spec v1. */
class SyntheticWeightsTest {
    private static final String QKV_W = "detector.backbone.vision_backbone.trunk.blocks.0.attn.qkv.weight";
    private static final String QKV_B = "detector.backbone.vision_backbone.trunk.blocks.0.attn.qkv.bias";
    private static final String NORM1 = "detector.backbone.vision_backbone.trunk.blocks.0.norm1.weight";

    @Test
    void fnvHashesMatchTheSpec() {
        assertEquals(0xf2a2de8e1d531357L, SyntheticWeights.fnv1a64(QKV_W));
        assertEquals(0xab724547c22d0cb2L, SyntheticWeights.fnv1a64(QKV_B));
        assertEquals(0xa397bd4e12203df1L, SyntheticWeights.fnv1a64(NORM1));
    }

    @Test
    void valuesMatchTheSpecCheckTable() {
        SyntheticWeights w = SyntheticWeights.of(Map.of(
                QKV_W, new long[] {3072, 1024}, QKV_B, new long[] {3072}, NORM1, new long[] {1024}));
        check(w.floats(QKV_W), "0.0473780222", "-0.0298539326", "0.00303917448", "0.0372604989", "-0.0135145579");
        check(w.floats(QKV_B), "0.0056967847", "-0.00615740614", "0.0107191131", "0.0128246211", "-0.0173216742");
        check(w.floats(NORM1), "1.00430644", "1.0566268", "0.989735603", "0.968461573", "1.0828774");
    }

    @Test
    void scalarAndBiasRulesUseTheirOwnScale() {
        float[] scalar = new float[1];
        SyntheticWeights.fill("x.scalar", new long[0], scalar);
        float[] bias = new float[1];
        SyntheticWeights.fill("x.scalar", new long[] {1}, bias);
        // same hash and index: a 0-d tensor uses center 0 / scale 0.02, a 1-d non-bias center 1 / scale 0.1
        double u = scalar[0] / 0.02;
        assertEquals(1 + 0.1 * u, bias[0], 1e-6);
    }

    private static void check(float[] v, String a, String b, String c, String d, String last) {
        assertEquals(Float.parseFloat(a), v[0], 0f);
        assertEquals(Float.parseFloat(b), v[1], 0f);
        assertEquals(Float.parseFloat(c), v[2], 0f);
        assertEquals(Float.parseFloat(d), v[3], 0f);
        assertEquals(Float.parseFloat(last), v[v.length - 1], 0f);
    }
}
