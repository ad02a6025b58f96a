/*
 * Micro-kernel shapes in the Vector API, outside the project: R rows x 16V columns of C in registers, A packed k-major
 * (R values per step side by side), B a contiguous strip, all in L1 or L2; one thread. Generated (one method per shape).
 * Usage: javac --add-modules jdk.incubator.vector -d out KernelShapes.java;
 *        java --add-modules jdk.incubator.vector -cp out kh.KernelShapes KC   (KC = 64, 256, 1024)
 * Prints GFLOP/s per shape, six times.
 */
package kh;
import jdk.incubator.vector.*;
public class KernelShapes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static void k8x2(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, 7*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = p * 8;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 6]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 7]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s6_0.intoArray(c, 6*ldc + 0);
        s6_1.intoArray(c, 6*ldc + 16);
        s7_0.intoArray(c, 7*ldc + 0);
        s7_1.intoArray(c, 7*ldc + 16);
    }
    static void k12x2(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, 7*ldc + 16);
        FloatVector s8_0 = FloatVector.fromArray(F, c, 8*ldc + 0);
        FloatVector s8_1 = FloatVector.fromArray(F, c, 8*ldc + 16);
        FloatVector s9_0 = FloatVector.fromArray(F, c, 9*ldc + 0);
        FloatVector s9_1 = FloatVector.fromArray(F, c, 9*ldc + 16);
        FloatVector s10_0 = FloatVector.fromArray(F, c, 10*ldc + 0);
        FloatVector s10_1 = FloatVector.fromArray(F, c, 10*ldc + 16);
        FloatVector s11_0 = FloatVector.fromArray(F, c, 11*ldc + 0);
        FloatVector s11_1 = FloatVector.fromArray(F, c, 11*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = p * 12;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 6]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 7]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 8]);
              s8_0 = y.fma(x0, s8_0);
              s8_1 = y.fma(x1, s8_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 9]);
              s9_0 = y.fma(x0, s9_0);
              s9_1 = y.fma(x1, s9_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 10]);
              s10_0 = y.fma(x0, s10_0);
              s10_1 = y.fma(x1, s10_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 11]);
              s11_0 = y.fma(x0, s11_0);
              s11_1 = y.fma(x1, s11_1);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s6_0.intoArray(c, 6*ldc + 0);
        s6_1.intoArray(c, 6*ldc + 16);
        s7_0.intoArray(c, 7*ldc + 0);
        s7_1.intoArray(c, 7*ldc + 16);
        s8_0.intoArray(c, 8*ldc + 0);
        s8_1.intoArray(c, 8*ldc + 16);
        s9_0.intoArray(c, 9*ldc + 0);
        s9_1.intoArray(c, 9*ldc + 16);
        s10_0.intoArray(c, 10*ldc + 0);
        s10_1.intoArray(c, 10*ldc + 16);
        s11_0.intoArray(c, 11*ldc + 0);
        s11_1.intoArray(c, 11*ldc + 16);
    }
    static void k14x2(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, 7*ldc + 16);
        FloatVector s8_0 = FloatVector.fromArray(F, c, 8*ldc + 0);
        FloatVector s8_1 = FloatVector.fromArray(F, c, 8*ldc + 16);
        FloatVector s9_0 = FloatVector.fromArray(F, c, 9*ldc + 0);
        FloatVector s9_1 = FloatVector.fromArray(F, c, 9*ldc + 16);
        FloatVector s10_0 = FloatVector.fromArray(F, c, 10*ldc + 0);
        FloatVector s10_1 = FloatVector.fromArray(F, c, 10*ldc + 16);
        FloatVector s11_0 = FloatVector.fromArray(F, c, 11*ldc + 0);
        FloatVector s11_1 = FloatVector.fromArray(F, c, 11*ldc + 16);
        FloatVector s12_0 = FloatVector.fromArray(F, c, 12*ldc + 0);
        FloatVector s12_1 = FloatVector.fromArray(F, c, 12*ldc + 16);
        FloatVector s13_0 = FloatVector.fromArray(F, c, 13*ldc + 0);
        FloatVector s13_1 = FloatVector.fromArray(F, c, 13*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = p * 14;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 6]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 7]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 8]);
              s8_0 = y.fma(x0, s8_0);
              s8_1 = y.fma(x1, s8_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 9]);
              s9_0 = y.fma(x0, s9_0);
              s9_1 = y.fma(x1, s9_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 10]);
              s10_0 = y.fma(x0, s10_0);
              s10_1 = y.fma(x1, s10_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 11]);
              s11_0 = y.fma(x0, s11_0);
              s11_1 = y.fma(x1, s11_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 12]);
              s12_0 = y.fma(x0, s12_0);
              s12_1 = y.fma(x1, s12_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 13]);
              s13_0 = y.fma(x0, s13_0);
              s13_1 = y.fma(x1, s13_1);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s6_0.intoArray(c, 6*ldc + 0);
        s6_1.intoArray(c, 6*ldc + 16);
        s7_0.intoArray(c, 7*ldc + 0);
        s7_1.intoArray(c, 7*ldc + 16);
        s8_0.intoArray(c, 8*ldc + 0);
        s8_1.intoArray(c, 8*ldc + 16);
        s9_0.intoArray(c, 9*ldc + 0);
        s9_1.intoArray(c, 9*ldc + 16);
        s10_0.intoArray(c, 10*ldc + 0);
        s10_1.intoArray(c, 10*ldc + 16);
        s11_0.intoArray(c, 11*ldc + 0);
        s11_1.intoArray(c, 11*ldc + 16);
        s12_0.intoArray(c, 12*ldc + 0);
        s12_1.intoArray(c, 12*ldc + 16);
        s13_0.intoArray(c, 13*ldc + 0);
        s13_1.intoArray(c, 13*ldc + 16);
    }
    static void k6x4(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s0_2 = FloatVector.fromArray(F, c, 0*ldc + 32);
        FloatVector s0_3 = FloatVector.fromArray(F, c, 0*ldc + 48);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s1_2 = FloatVector.fromArray(F, c, 1*ldc + 32);
        FloatVector s1_3 = FloatVector.fromArray(F, c, 1*ldc + 48);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s2_2 = FloatVector.fromArray(F, c, 2*ldc + 32);
        FloatVector s2_3 = FloatVector.fromArray(F, c, 2*ldc + 48);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s3_2 = FloatVector.fromArray(F, c, 3*ldc + 32);
        FloatVector s3_3 = FloatVector.fromArray(F, c, 3*ldc + 48);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s4_2 = FloatVector.fromArray(F, c, 4*ldc + 32);
        FloatVector s4_3 = FloatVector.fromArray(F, c, 4*ldc + 48);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s5_2 = FloatVector.fromArray(F, c, 5*ldc + 32);
        FloatVector s5_3 = FloatVector.fromArray(F, c, 5*ldc + 48);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 64;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final FloatVector x2 = FloatVector.fromArray(F, bs, bp + 32);
            final FloatVector x3 = FloatVector.fromArray(F, bs, bp + 48);
            final int o = p * 6;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
              s0_2 = y.fma(x2, s0_2);
              s0_3 = y.fma(x3, s0_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
              s1_2 = y.fma(x2, s1_2);
              s1_3 = y.fma(x3, s1_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
              s2_2 = y.fma(x2, s2_2);
              s2_3 = y.fma(x3, s2_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
              s3_2 = y.fma(x2, s3_2);
              s3_3 = y.fma(x3, s3_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
              s4_2 = y.fma(x2, s4_2);
              s4_3 = y.fma(x3, s4_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
              s5_2 = y.fma(x2, s5_2);
              s5_3 = y.fma(x3, s5_3);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s0_2.intoArray(c, 0*ldc + 32);
        s0_3.intoArray(c, 0*ldc + 48);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s1_2.intoArray(c, 1*ldc + 32);
        s1_3.intoArray(c, 1*ldc + 48);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s2_2.intoArray(c, 2*ldc + 32);
        s2_3.intoArray(c, 2*ldc + 48);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s3_2.intoArray(c, 3*ldc + 32);
        s3_3.intoArray(c, 3*ldc + 48);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s4_2.intoArray(c, 4*ldc + 32);
        s4_3.intoArray(c, 4*ldc + 48);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s5_2.intoArray(c, 5*ldc + 32);
        s5_3.intoArray(c, 5*ldc + 48);
    }
    static void k4x4(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s0_2 = FloatVector.fromArray(F, c, 0*ldc + 32);
        FloatVector s0_3 = FloatVector.fromArray(F, c, 0*ldc + 48);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s1_2 = FloatVector.fromArray(F, c, 1*ldc + 32);
        FloatVector s1_3 = FloatVector.fromArray(F, c, 1*ldc + 48);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s2_2 = FloatVector.fromArray(F, c, 2*ldc + 32);
        FloatVector s2_3 = FloatVector.fromArray(F, c, 2*ldc + 48);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s3_2 = FloatVector.fromArray(F, c, 3*ldc + 32);
        FloatVector s3_3 = FloatVector.fromArray(F, c, 3*ldc + 48);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 64;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final FloatVector x2 = FloatVector.fromArray(F, bs, bp + 32);
            final FloatVector x3 = FloatVector.fromArray(F, bs, bp + 48);
            final int o = p * 4;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
              s0_2 = y.fma(x2, s0_2);
              s0_3 = y.fma(x3, s0_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
              s1_2 = y.fma(x2, s1_2);
              s1_3 = y.fma(x3, s1_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
              s2_2 = y.fma(x2, s2_2);
              s2_3 = y.fma(x3, s2_3);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
              s3_2 = y.fma(x2, s3_2);
              s3_3 = y.fma(x3, s3_3);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s0_2.intoArray(c, 0*ldc + 32);
        s0_3.intoArray(c, 0*ldc + 48);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s1_2.intoArray(c, 1*ldc + 32);
        s1_3.intoArray(c, 1*ldc + 48);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s2_2.intoArray(c, 2*ldc + 32);
        s2_3.intoArray(c, 2*ldc + 48);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s3_2.intoArray(c, 3*ldc + 32);
        s3_3.intoArray(c, 3*ldc + 48);
    }
    static void k16x1(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s8_0 = FloatVector.fromArray(F, c, 8*ldc + 0);
        FloatVector s9_0 = FloatVector.fromArray(F, c, 9*ldc + 0);
        FloatVector s10_0 = FloatVector.fromArray(F, c, 10*ldc + 0);
        FloatVector s11_0 = FloatVector.fromArray(F, c, 11*ldc + 0);
        FloatVector s12_0 = FloatVector.fromArray(F, c, 12*ldc + 0);
        FloatVector s13_0 = FloatVector.fromArray(F, c, 13*ldc + 0);
        FloatVector s14_0 = FloatVector.fromArray(F, c, 14*ldc + 0);
        FloatVector s15_0 = FloatVector.fromArray(F, c, 15*ldc + 0);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 16;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final int o = p * 16;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 6]);
              s6_0 = y.fma(x0, s6_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 7]);
              s7_0 = y.fma(x0, s7_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 8]);
              s8_0 = y.fma(x0, s8_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 9]);
              s9_0 = y.fma(x0, s9_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 10]);
              s10_0 = y.fma(x0, s10_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 11]);
              s11_0 = y.fma(x0, s11_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 12]);
              s12_0 = y.fma(x0, s12_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 13]);
              s13_0 = y.fma(x0, s13_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 14]);
              s14_0 = y.fma(x0, s14_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 15]);
              s15_0 = y.fma(x0, s15_0);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s1_0.intoArray(c, 1*ldc + 0);
        s2_0.intoArray(c, 2*ldc + 0);
        s3_0.intoArray(c, 3*ldc + 0);
        s4_0.intoArray(c, 4*ldc + 0);
        s5_0.intoArray(c, 5*ldc + 0);
        s6_0.intoArray(c, 6*ldc + 0);
        s7_0.intoArray(c, 7*ldc + 0);
        s8_0.intoArray(c, 8*ldc + 0);
        s9_0.intoArray(c, 9*ldc + 0);
        s10_0.intoArray(c, 10*ldc + 0);
        s11_0.intoArray(c, 11*ldc + 0);
        s12_0.intoArray(c, 12*ldc + 0);
        s13_0.intoArray(c, 13*ldc + 0);
        s14_0.intoArray(c, 14*ldc + 0);
        s15_0.intoArray(c, 15*ldc + 0);
    }
    static void k24x1(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s8_0 = FloatVector.fromArray(F, c, 8*ldc + 0);
        FloatVector s9_0 = FloatVector.fromArray(F, c, 9*ldc + 0);
        FloatVector s10_0 = FloatVector.fromArray(F, c, 10*ldc + 0);
        FloatVector s11_0 = FloatVector.fromArray(F, c, 11*ldc + 0);
        FloatVector s12_0 = FloatVector.fromArray(F, c, 12*ldc + 0);
        FloatVector s13_0 = FloatVector.fromArray(F, c, 13*ldc + 0);
        FloatVector s14_0 = FloatVector.fromArray(F, c, 14*ldc + 0);
        FloatVector s15_0 = FloatVector.fromArray(F, c, 15*ldc + 0);
        FloatVector s16_0 = FloatVector.fromArray(F, c, 16*ldc + 0);
        FloatVector s17_0 = FloatVector.fromArray(F, c, 17*ldc + 0);
        FloatVector s18_0 = FloatVector.fromArray(F, c, 18*ldc + 0);
        FloatVector s19_0 = FloatVector.fromArray(F, c, 19*ldc + 0);
        FloatVector s20_0 = FloatVector.fromArray(F, c, 20*ldc + 0);
        FloatVector s21_0 = FloatVector.fromArray(F, c, 21*ldc + 0);
        FloatVector s22_0 = FloatVector.fromArray(F, c, 22*ldc + 0);
        FloatVector s23_0 = FloatVector.fromArray(F, c, 23*ldc + 0);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 16;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final int o = p * 24;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1]);
              s1_0 = y.fma(x0, s1_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2]);
              s2_0 = y.fma(x0, s2_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 3]);
              s3_0 = y.fma(x0, s3_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 4]);
              s4_0 = y.fma(x0, s4_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 5]);
              s5_0 = y.fma(x0, s5_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 6]);
              s6_0 = y.fma(x0, s6_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 7]);
              s7_0 = y.fma(x0, s7_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 8]);
              s8_0 = y.fma(x0, s8_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 9]);
              s9_0 = y.fma(x0, s9_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 10]);
              s10_0 = y.fma(x0, s10_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 11]);
              s11_0 = y.fma(x0, s11_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 12]);
              s12_0 = y.fma(x0, s12_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 13]);
              s13_0 = y.fma(x0, s13_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 14]);
              s14_0 = y.fma(x0, s14_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 15]);
              s15_0 = y.fma(x0, s15_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 16]);
              s16_0 = y.fma(x0, s16_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 17]);
              s17_0 = y.fma(x0, s17_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 18]);
              s18_0 = y.fma(x0, s18_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 19]);
              s19_0 = y.fma(x0, s19_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 20]);
              s20_0 = y.fma(x0, s20_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 21]);
              s21_0 = y.fma(x0, s21_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 22]);
              s22_0 = y.fma(x0, s22_0);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 23]);
              s23_0 = y.fma(x0, s23_0);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s1_0.intoArray(c, 1*ldc + 0);
        s2_0.intoArray(c, 2*ldc + 0);
        s3_0.intoArray(c, 3*ldc + 0);
        s4_0.intoArray(c, 4*ldc + 0);
        s5_0.intoArray(c, 5*ldc + 0);
        s6_0.intoArray(c, 6*ldc + 0);
        s7_0.intoArray(c, 7*ldc + 0);
        s8_0.intoArray(c, 8*ldc + 0);
        s9_0.intoArray(c, 9*ldc + 0);
        s10_0.intoArray(c, 10*ldc + 0);
        s11_0.intoArray(c, 11*ldc + 0);
        s12_0.intoArray(c, 12*ldc + 0);
        s13_0.intoArray(c, 13*ldc + 0);
        s14_0.intoArray(c, 14*ldc + 0);
        s15_0.intoArray(c, 15*ldc + 0);
        s16_0.intoArray(c, 16*ldc + 0);
        s17_0.intoArray(c, 17*ldc + 0);
        s18_0.intoArray(c, 18*ldc + 0);
        s19_0.intoArray(c, 19*ldc + 0);
        s20_0.intoArray(c, 20*ldc + 0);
        s21_0.intoArray(c, 21*ldc + 0);
        s22_0.intoArray(c, 22*ldc + 0);
        s23_0.intoArray(c, 23*ldc + 0);
    }
    public static void main(String[] args) {
        int kc = Integer.parseInt(args[0]);
        float[] ap = new float[kc * 32]; float[] bs = new float[kc * 64]; float[] c = new float[32 * 64];
        java.util.Random rn = new java.util.Random(1);
        for (int i = 0; i < ap.length; i++) ap[i] = rn.nextFloat() * 1e-3f;
        for (int i = 0; i < bs.length; i++) bs[i] = rn.nextFloat() * 1e-3f;
        for (int rep = 0; rep < 6; rep++) {
            StringBuilder sb = new StringBuilder();
            { int it = 4000000 / kc * 64 / 256 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k8x2(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 8x32: %.0f", 2.0 * 256 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 384 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k12x2(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 12x32: %.0f", 2.0 * 384 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 448 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k14x2(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 14x32: %.0f", 2.0 * 448 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 384 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k6x4(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 6x64: %.0f", 2.0 * 384 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 256 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k4x4(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 4x64: %.0f", 2.0 * 256 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 256 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k16x1(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 16x16: %.0f", 2.0 * 256 * kc * it / s / 1e9)); }
            { int it = 4000000 / kc * 64 / 384 * 8 / 8; long t = System.nanoTime();
              for (int i = 0; i < it; i++) k24x1(ap, bs, kc, c, 64);
              double s = (System.nanoTime() - t) / 1e9; sb.append(String.format(" 24x16: %.0f", 2.0 * 384 * kc * it / s / 1e9)); }
            System.out.println(sb);
        }
    }
}
