package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_BIAS;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_POINTER;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_EPILOGUE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSA;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSB;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;

/**
 * One planned cuBLASLt matrix product in row-major terms:
 * {@code C[M, N] = A[M, K] · op(B) (+ bias[N])}, with {@code B} stored {@code [N, K]} when {@code transB}
 * (a {@code torch.nn.Linear} weight) or {@code [K, N]}, optionally strided-batched. Compute type
 * {@code CUBLAS_COMPUTE_32F} in every precision: pure float32 for FP32 (TF32 off) and float32
 * accumulation for FP16/BF16 storage.
 *
 * <p>cuBLAS is column-major, so the row-major product is computed as {@code Cᵀ = op(B)ᵀ · Aᵀ}:
 * cuBLAS's first operand is our {@code B}, its second our {@code A}, and {@code m = N}, {@code n = M}.
 * The bias epilogue adds {@code bias} per row of the column-major {@code Cᵀ}, i.e. per output feature.
 * Descriptors and the algorithm are chosen once (heuristic, given the operands' actual alignment);
 * {@link #run} only launches.
 *
 * <p>Every handle is registered for release as soon as it exists, so a plan that fails midway (a
 * descriptor, layout or preference that cannot be made, no algorithm) frees what it had made, newest
 * first, before the error reaches the caller; the bindings' only use of constants of the preset is as
 * compile-time values, so {@code LtGemmTest} records the calls through a fake {@link LtApi} without a
 * GPU. Compiled, not run on a GPU here.
 */
final class LtGemm implements AutoCloseable {
    /** Shape of a product. */
    record Shape(int m, int n, int k, boolean transB, int batch, long strideA, long strideB, long strideC) {}

    private final LtApi api;
    private final ReleaseStack handles = new ReleaseStack();
    private final long desc;
    private final long layoutA; // cuBLAS A = our B
    private final long layoutB; // cuBLAS B = our A
    private final long layoutC;
    private final long algorithm;
    private final long workspace;
    private final long workspaceBytes;

    /**
     * Plans a product; on failure every handle made so far is destroyed and the error thrown (with any
     * failure of those releases suppressed).
     *
     * @param api      the cuBLASLt calls
     * @param align    byte alignment of {@code [A, B, C]} (addresses and batch strides), for the heuristic
     * @param bias     device address of the bias (precision's type, {@code N} values), or 0
     */
    LtGemm(LtApi api, Precision p, Shape s, long[] align, long bias, long workspace, long workspaceBytes) {
        this.api = api;
        this.workspace = workspace;
        this.workspaceBytes = workspaceBytes;
        int type = p.cudaDataType();
        ReleaseStack search = new ReleaseStack(); // the preference: only needed to find the algorithm
        try {
            long d = api.createMatmulDesc();
            handles.push("matmul descriptor", () -> api.destroyMatmulDesc(d));
            api.setMatmulDescInt(d, CUBLASLT_MATMUL_DESC_TRANSA, s.transB() ? CUBLAS_OP_T : CUBLAS_OP_N);
            api.setMatmulDescInt(d, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
            if (bias != 0) {
                api.setMatmulDescInt(d, CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_BIAS);
                api.setMatmulDescLong(d, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
                api.setMatmulDescInt(d, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, type);
            }
            // our B: [N, K] row-major is K×N column-major (ld K, transposed); [K, N] is N×K (ld N)
            long la = s.transB() ? layout(type, s.k(), s.n(), s.k(), s.batch(), s.strideB())
                    : layout(type, s.n(), s.k(), s.n(), s.batch(), s.strideB());
            long lb = layout(type, s.k(), s.m(), s.k(), s.batch(), s.strideA());
            long lc = layout(type, s.n(), s.m(), s.n(), s.batch(), s.strideC());

            long pref = api.createPreference();
            search.push("matmul preference", () -> api.destroyPreference(pref));
            api.setPreferenceLong(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, workspaceBytes);
            api.setPreferenceInt(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, (int) align[1]);
            api.setPreferenceInt(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, (int) align[0]);
            api.setPreferenceInt(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, (int) align[2]);
            api.setPreferenceInt(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, (int) align[2]);
            long algo = api.findAlgorithm(d, la, lb, lc, pref, s + " in " + p);
            handles.push("matmul algorithm", () -> api.freeAlgorithm(algo));
            search.close();
            desc = d;
            layoutA = la;
            layoutB = lb;
            layoutC = lc;
            algorithm = algo;
        } catch (RuntimeException e) {
            throw handles.releaseAfter(search.releaseAfter(e));
        }
    }

    /** Launches {@code c = a · op(b) (+ bias)} on {@code stream} (device addresses). */
    void run(long a, long b, long c, long stream) {
        // cuBLAS A = our B
        api.matmul(desc, algorithm, b, layoutA, a, layoutB, c, layoutC, workspace, workspaceBytes, stream);
    }

    /** Destroys the descriptors and frees the algorithm (each attempted; the first failure thrown). */
    @Override
    public void close() {
        handles.close();
    }

    /** Largest power of two (at most 256) dividing every value: the alignment cuBLASLt may assume. */
    static long alignment(long... values) {
        long a = 256;
        for (long v : values) {
            if (v == 0) continue;
            a = Math.min(a, Long.lowestOneBit(v));
        }
        return a;
    }

    private long layout(int type, int rows, int cols, int ld, int batch, long stride) {
        long l = api.createLayout(type, rows, cols, ld);
        handles.push("matrix layout", () -> api.destroyLayout(l));
        if (batch > 1) {
            api.setLayoutInt(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, batch);
            api.setLayoutLong(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, stride);
        }
        return l;
    }
}
