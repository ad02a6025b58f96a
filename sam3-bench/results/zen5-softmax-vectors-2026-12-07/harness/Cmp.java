package org.sam3j.backend.cpu;
import java.util.Random;
/**
 * Throwaway: the softmax step of three copies of VectorAttention, in one process, 40 000 calls each per round on a
 * chunk of 48 keys (strips rotating over a 576-query block). VA2 is VectorAttention.java at 81d49c4 renamed, its
 * scores/softmax/values made package-private (sed); VA3 the same with the exponential's two vectors of a strip
 * interleaved in one loop and its constants hoisted (no faster: 0.42 against 0.43 us); VA4 with the range check and
 * the running sums' update a vector at a time (0.34 us), as committed in 176af9b. Compiled against
 * sam3-api/target/classes into package org.sam3j.backend.cpu, run with --add-modules jdk.incubator.vector.
 */
public final class Cmp {
    interface Sm { void run(int kc, int i0); }
    public static void main(String[] a) {
        int d = 64, KC = CpuAttention.KC, STRIP = VA2.STRIP, w = 576;
        Random r = new Random(1);
        float[] k = new float[KC * STRIP];
        for (int i = 0; i < k.length; i++) k[i] = (float) r.nextGaussian();
        VA2.Scratch s2 = new VA2.Scratch(); s2.ensure(d, d, w);
        VA3.Scratch s3 = new VA3.Scratch(); s3.ensure(d, d, w);
        VA4.Scratch s4 = new VA4.Scratch(); s4.ensure(d, d, w);
        java.util.Arrays.fill(s2.m, -Float.MAX_VALUE); java.util.Arrays.fill(s3.m, -Float.MAX_VALUE); java.util.Arrays.fill(s4.m, -Float.MAX_VALUE);
        Sm[] v = {(kc, i0) -> { System.arraycopy(k, 0, s2.sP, 0, KC * STRIP); VA2.softmax(s2, kc, i0); },
                  (kc, i0) -> { System.arraycopy(k, 0, s3.sP, 0, KC * STRIP); VA3.softmax(s3, kc, i0); },
                  (kc, i0) -> { System.arraycopy(k, 0, s4.sP, 0, KC * STRIP); VA4.softmax(s4, kc, i0); }};
        for (int round = 0; round < 8; round++) {
            StringBuilder sb = new StringBuilder();
            for (int x = 0; x < v.length; x++) {
                int reps = 40000;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) v[x].run(KC, (i % 18) * STRIP);
                sb.append(String.format("v%d %.3f us  ", x, (System.nanoTime() - t0) / 1e3 / reps));
            }
            System.out.println(sb);
        }
    }
}
