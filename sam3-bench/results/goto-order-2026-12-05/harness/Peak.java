/*
 * The machine's multiply-add peak: 16 independent 512-bit fused multiply-adds per loop iteration, no memory access.
 * Usage: javac --add-modules jdk.incubator.vector -d out Peak.java; java --add-modules jdk.incubator.vector -cp out Peak
 * (Peak.main run on two threads of one JVM at once gave the same rate on each).
 */
import jdk.incubator.vector.*;
public class Peak {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static float run(long iters, float[] x) {
    FloatVector b = FloatVector.fromArray(F, x, 0), c = FloatVector.fromArray(F, x, 16);
    FloatVector a0=FloatVector.zero(F),a1=a0,a2=a0,a3=a0,a4=a0,a5=a0,a6=a0,a7=a0,a8=a0,a9=a0,a10=a0,a11=a0,a12=a0,a13=a0,a14=a0,a15=a0;
    for (long i=0;i<iters;i++){
      a0=b.fma(c,a0);a1=b.fma(c,a1);a2=b.fma(c,a2);a3=b.fma(c,a3);a4=b.fma(c,a4);a5=b.fma(c,a5);a6=b.fma(c,a6);a7=b.fma(c,a7);
      a8=b.fma(c,a8);a9=b.fma(c,a9);a10=b.fma(c,a10);a11=b.fma(c,a11);a12=b.fma(c,a12);a13=b.fma(c,a13);a14=b.fma(c,a14);a15=b.fma(c,a15);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15).reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] a){
    float[] x=new float[32]; for(int i=0;i<32;i++)x[i]=0.999f;
    long n=200_000_000L;
    for(int r=0;r<5;r++){ long t=System.nanoTime(); float s=run(n,x); long dt=System.nanoTime()-t;
      System.out.printf("%.1f GFLOP/s (%s)%n", n*16*16*2.0/dt, s); }
  }
}
