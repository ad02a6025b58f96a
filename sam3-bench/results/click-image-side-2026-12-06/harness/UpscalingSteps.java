import java.util.*;
import org.sam3j.backend.*;
import org.sam3j.graph.*;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.bench.BenchSupport;
/**
 * The mask decoder's upscaling alone on the click's shapes (x [1, 72, 72, 256], feat_s1, feat_s0; random weights), 60 runs
 * in one context, per-step medians of the last 40. Run with -Dsam3j.cpu.fusion=true or false, on the class path
 * (sam3-bench.jar), with --add-modules jdk.incubator.vector.
 */
public class UpscalingSteps {
  public static void main(String[] a) {
    Graph g = new Graph();
    Tensor x = g.input("x", 1, 72, 72, 256);
    Tensor f1 = g.input("f1", 1, 144, 144, 64);
    Tensor f2 = g.input("f2", 1, 288, 288, 32);
    Tensor u = g.gelu(g.layerNorm(g.add(g.convTranspose2x2(x, g.weight("w0", 256, 64, 2, 2), g.weight("b0", 64)), f1), g.weight("lw", 64), g.weight("lb", 64), 1e-6f));
    Tensor v = g.gelu(g.add(g.convTranspose2x2(u, g.weight("w1", 64, 32, 2, 2), g.weight("b1", 32)), f2));
    g.output("y", g.scale(v, 1f));
    Random r = new Random(1);
    InMemoryWeights w = new InMemoryWeights();
    for (Map.Entry<String, Tensor> e : g.weights().entrySet()) { float[] vv = new float[(int) e.getValue().numel()]; for (int i=0;i<vv.length;i++) vv[i]=(float)(r.nextGaussian()*0.05); w.put(e.getKey(), vv, Arrays.stream(e.getValue().shape()).asLongStream().toArray()); }
    Map<String,float[]> in = new HashMap<>();
    for (Map.Entry<String, Tensor> e : g.inputs().entrySet()) { float[] vv = new float[(int) e.getValue().numel()]; for (int i=0;i<vv.length;i++) vv[i]=(float)r.nextGaussian(); in.put(e.getKey(), vv); }
    try (Backend be = BenchSupport.backend(a[0], 2); CompiledGraph cg = be.compile(g, w); ExecutionContext ctx = cg.newContext()) {
      Map<String, List<Long>> t = new TreeMap<>();
      for (int it = 0; it < 60; it++) { ctx.run(in); if (it >= 20) ctx.lastRunNanosByOp().forEach((k,v2)->t.computeIfAbsent(k,z->new ArrayList<>()).add(v2)); }
      t.forEach((k, l) -> { Collections.sort(l); System.out.printf("%-45s median %.2f ms min %.2f%n", k, l.get(l.size()/2)/1e6, l.get(0)/1e6); });
    }
  }
}
