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
import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmul;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulAlgoGetHeuristic;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescSetAttribute;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceSetAttribute;
import static org.bytedeco.cuda.global.cublas.cublasLtMatrixLayoutCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatrixLayoutDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatrixLayoutSetAttribute;

import org.bytedeco.cuda.cublas.cublasLtContext;
import org.bytedeco.cuda.cublas.cublasLtMatmulDescOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulHeuristicResult_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulPreferenceOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatrixLayoutOpaque_t;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

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
 */
final class LtGemm implements AutoCloseable {
    /** Shape of a product. */
    record Shape(int m, int n, int k, boolean transB, int batch, long strideA, long strideB, long strideC) {}

    private final cublasLtContext lt;
    private final cublasLtMatmulDescOpaque_t desc;
    private final cublasLtMatrixLayoutOpaque_t layoutA; // cuBLAS A = our B
    private final cublasLtMatrixLayoutOpaque_t layoutB; // cuBLAS B = our A
    private final cublasLtMatrixLayoutOpaque_t layoutC;
    private final cublasLtMatmulHeuristicResult_t heuristic;
    private final FloatPointer alpha = new FloatPointer(1f);
    private final FloatPointer beta = new FloatPointer(0f);
    private final long workspace;
    private final long workspaceBytes;

    /**
     * Plans a product.
     *
     * @param align    byte alignment of {@code [A, B, C]} (addresses and batch strides), for the heuristic
     * @param bias     device address of the bias (precision's type, {@code N} values), or 0
     */
    LtGemm(cublasLtContext lt, Precision p, Shape s, long[] align, long bias, long workspace, long workspaceBytes) {
        this.lt = lt;
        this.workspace = workspace;
        this.workspaceBytes = workspaceBytes;
        int type = p.cudaDataType();
        PointerPointer<?> pp = new PointerPointer<>(1);
        CudaRuntime.checkBlas(cublasLtMatmulDescCreate(pp, CUBLAS_COMPUTE_32F, 0 /* CUDA_R_32F scale */),
                "cublasLtMatmulDescCreate");
        desc = new cublasLtMatmulDescOpaque_t(pp.get(0));
        setDesc(CUBLASLT_MATMUL_DESC_TRANSA, intValue(s.transB() ? CUBLAS_OP_T : CUBLAS_OP_N), 4);
        setDesc(CUBLASLT_MATMUL_DESC_TRANSB, intValue(CUBLAS_OP_N), 4);
        if (bias != 0) {
            setDesc(CUBLASLT_MATMUL_DESC_EPILOGUE, intValue(CUBLASLT_EPILOGUE_BIAS), 4);
            setDesc(CUBLASLT_MATMUL_DESC_BIAS_POINTER, new LongPointer(1).put(bias), 8);
            setDesc(CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, intValue(type), 4);
        }
        // our B: [N, K] row-major is K×N column-major (ld K, transposed); [K, N] is N×K (ld N)
        layoutA = s.transB() ? layout(type, s.k(), s.n(), s.k(), s.batch(), s.strideB())
                : layout(type, s.n(), s.k(), s.n(), s.batch(), s.strideB());
        layoutB = layout(type, s.k(), s.m(), s.k(), s.batch(), s.strideA());
        layoutC = layout(type, s.n(), s.m(), s.n(), s.batch(), s.strideC());

        PointerPointer<?> pref = new PointerPointer<>(1);
        CudaRuntime.checkBlas(cublasLtMatmulPreferenceCreate(pref), "cublasLtMatmulPreferenceCreate");
        cublasLtMatmulPreferenceOpaque_t preference = new cublasLtMatmulPreferenceOpaque_t(pref.get(0));
        try {
            setPref(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, new LongPointer(1).put(workspaceBytes), 8);
            setPref(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, intValue((int) align[1]), 4);
            setPref(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, intValue((int) align[0]), 4);
            setPref(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, intValue((int) align[2]), 4);
            setPref(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, intValue((int) align[2]), 4);
            heuristic = new cublasLtMatmulHeuristicResult_t(1);
            int[] found = new int[1];
            CudaRuntime.checkBlas(cublasLtMatmulAlgoGetHeuristic(lt, desc, layoutA, layoutB, layoutC, layoutC,
                    preference, 1, heuristic, found), "cublasLtMatmulAlgoGetHeuristic for " + s);
            if (found[0] == 0) throw new CudaException("cuBLASLt has no algorithm for " + s + " in " + p, 0);
        } finally {
            cublasLtMatmulPreferenceDestroy(preference);
        }
    }

    /** Launches {@code c = a · op(b) (+ bias)} on {@code stream} (device addresses). */
    void run(long a, long b, long c, CUstream_st stream) {
        Pointer pa = DeviceMemory.address(b); // cuBLAS A = our B
        Pointer pb = DeviceMemory.address(a);
        Pointer pc = DeviceMemory.address(c);
        CudaRuntime.checkBlas(cublasLtMatmul(lt, desc, alpha, pa, layoutA, pb, layoutB, beta, pc, layoutC, pc, layoutC,
                heuristic.algo(), DeviceMemory.address(workspace), workspaceBytes, stream), "cublasLtMatmul");
    }

    @Override
    public void close() {
        cublasLtMatrixLayoutDestroy(layoutA);
        cublasLtMatrixLayoutDestroy(layoutB);
        cublasLtMatrixLayoutDestroy(layoutC);
        cublasLtMatmulDescDestroy(desc);
        heuristic.close();
        alpha.close();
        beta.close();
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

    private void setDesc(int attr, Pointer value, long bytes) {
        CudaRuntime.checkBlas(cublasLtMatmulDescSetAttribute(desc, attr, value, bytes), "cublasLtMatmulDescSetAttribute " + attr);
    }

    private static void setPref(cublasLtMatmulPreferenceOpaque_t p, int attr, Pointer value, long bytes) {
        CudaRuntime.checkBlas(cublasLtMatmulPreferenceSetAttribute(p, attr, value, bytes),
                "cublasLtMatmulPreferenceSetAttribute " + attr);
    }

    private static IntPointer intValue(int v) {
        return new IntPointer(1).put(v);
    }

    private static cublasLtMatrixLayoutOpaque_t layout(int type, int rows, int cols, int ld, int batch, long stride) {
        PointerPointer<?> pp = new PointerPointer<>(1);
        CudaRuntime.checkBlas(cublasLtMatrixLayoutCreate(pp, type, rows, cols, ld), "cublasLtMatrixLayoutCreate");
        cublasLtMatrixLayoutOpaque_t l = new cublasLtMatrixLayoutOpaque_t(pp.get(0));
        if (batch > 1) {
            CudaRuntime.checkBlas(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                    new IntPointer(1).put(batch), 4), "batch count");
            CudaRuntime.checkBlas(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                    new LongPointer(1).put(stride), 8), "batch stride");
        }
        return l;
    }
}
