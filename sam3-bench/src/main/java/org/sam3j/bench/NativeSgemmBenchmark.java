package org.sam3j.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
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
import org.sam3j.backend.openblas.OpenBlas;

/**
 * The machine's best-case SGEMM rate: one {@code cblas_sgemm} on operands already in native memory, OpenBLAS's
 * own threads set to the processor count, at the same shape as {@link SgemmBenchmark}. No staging of Java
 * arrays, no Java threads: the strictest denominator for {@link Report}'s efficiency.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx2g"})
public class NativeSgemmBenchmark {
    /** {@code MxNxK}. */
    @Param({"5184x4736x1024"})
    public String shape;

    /** OpenBLAS threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;
    private int m;
    private int n;
    private int k;

    /** Native operands. */
    @Setup(Level.Trial)
    public void setUp() {
        if (!OpenBlas.isAvailable()) throw new IllegalStateException(OpenBlas.failure());
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        OpenBlas.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        a = new FloatPointer((long) m * k);
        b = new FloatPointer((long) n * k);
        c = new FloatPointer((long) m * n);
        java.util.Random r = new java.util.Random(1);
        for (long i = 0; i < (long) m * k; i++) a.put(i, (float) r.nextGaussian());
        for (long i = 0; i < (long) n * k; i++) b.put(i, (float) r.nextGaussian());
    }

    /** {@code C = A · Bᵀ}, row-major, B stored as a Linear weight {@code [N, K]}. */
    @Benchmark
    public FloatPointer sgemm() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasTrans, m, n, k, 1f, a, k, b, k, 0f, c, n);
        return c;
    }

    /** Frees the operands. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.record("NativeSgemmBenchmark.sgemm", Map.of("shape", shape, "threads", threads),
                Map.of("flops", 2L * m * n * k));
        a.close();
        b.close();
        c.close();
    }
}
