package org.sam3j.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.backend.Backend;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;

/**
 * The sustained SGEMM rate of a backend's matrix-product engine on this machine, at the shape of the encoder's
 * MLP ({@code 5184 × 4736 × 1024}: 72×72 tokens, the released ViT's hidden width), with the weight operand
 * prepared once as the backend does and operands on the Java heap as the backend has them. Its rate
 * ({@code 2·m·n·k / time}) is the denominator of {@link Report}'s efficiency; {@code openblas} is the machine's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx8g"})
public class SgemmBenchmark {
    /** Engine: the {@code openblas} or {@code cpu} backend's. */
    @Param({"openblas", "cpu"})
    public String backend;

    /** {@code MxNxK}. */
    @Param({"5184x4736x1024"})
    public String shape;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    /** OpenBLAS backend only: {@code workers} (Java workers over row blocks) or {@code openblas} (its own threads). */
    @Param({"workers"})
    public String threading;

    private Backend be;
    private GemmEngine gemm;
    private Parallel par;
    private GemmEngine.Prepared b;
    private float[] a;
    private float[] c;
    private int m;
    private int k;
    private long flops;

    /** Random operands; B prepared once. */
    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        int n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        flops = 2L * m * n * k;
        be = BenchSupport.backend(backend, threads, threading);
        if (!(be instanceof CpuBackend)) throw new IllegalStateException(backend + " is not a CPU backend");
        gemm = ((CpuBackend) be).gemm();
        par = new Parallel(((CpuBackend) be).threads());
        java.util.Random r = new java.util.Random(1);
        a = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        b = gemm.prepare(par, w, 0, k, true, k, n);
        c = new float[m * n];
    }

    /** {@code C = A · Bᵀ}. */
    @Benchmark
    public float[] sgemm() {
        gemm.gemm(par, m, a, 0, k, b, c, 0, b.n(), null);
        return c;
    }

    /** Releases the engine. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        BenchSupport.record("SgemmBenchmark.sgemm", Map.of("backend", backend, "shape", shape, "threads", threads, "threading", threading),
                Map.of("flops", flops));
        if (b instanceof AutoCloseable) ((AutoCloseable) b).close();
        par.close();
        be.close();
    }
}
