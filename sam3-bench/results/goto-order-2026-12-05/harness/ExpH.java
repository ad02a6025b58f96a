/*
 * The softmax's exponential loop of VectorAttention.softmax (its in-range branch, copied here so that it runs alone,
 * on one strip's 48 × 32 scores in L1), timed per vector of 16 scores.
 * Usage: javac --add-modules jdk.incubator.vector -d out ExpH.java; java --add-modules jdk.incubator.vector -cp out ExpH
 */
import jdk.incubator.vector.*;
public class ExpH {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final int LANES = 16, STRIP = 32;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f, ROUND = 12582912f, BIAS_BITS = 8388735f;
    static void exp(float[] sP, float[] mx, float[] lo, int kc) {
        for (int h = 0; h < STRIP; h += LANES) {
            final FloatVector mh = FloatVector.fromArray(F, mx, h);
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0, at = h; j < kc; j++, at += STRIP) {
                FloatVector z = FloatVector.fromArray(F, sP, at).sub(mh);
                FloatVector n = z.mul(LOG2E).add(ROUND).sub(ROUND);
                FloatVector r = z.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                FloatVector e = r.mul(1.9875691500E-4f).add(1.3981999507E-3f).mul(r).add(8.3334519073E-3f).mul(r)
                        .add(4.1665795894E-2f).mul(r).add(1.6666665459E-1f).mul(r).add(5.0000001201E-1f).mul(r)
                        .mul(r).add(r).add(1f);
                e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                e.intoArray(sP, at);
                sum = sum.add(e);
            }
            sum.intoArray(lo, h);
        }
    }
    public static void main(String[] a) {
        float[] sP = new float[48 * 32], src = new float[48*32], mx = new float[32], lo = new float[32];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < src.length; i++) src[i] = (float) -Math.abs(r.nextGaussian());
        int calls = 500_000;
        for (int rep = 0; rep < 6; rep++) {
            long t = System.nanoTime();
            for (int c = 0; c < calls; c++) { System.arraycopy(src, 0, sP, 0, src.length); exp(sP, mx, lo, 48); }
            long dt = System.nanoTime() - t;
            System.out.printf("%.1f ns per call (%.2f ns per vector)%n", dt / (double) calls, dt / (double) calls / 96);
        }
    }
}
