package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
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
 * {@link LtApi} through the JavaCPP cuda preset, on one cuBLASLt handle. Handles travel as addresses
 * and are wrapped for each call; attribute values are copied by cuBLASLt, so their host buffers are
 * freed right after the call. Compiled, not run on a GPU here.
 */
final class CublasLt implements LtApi, AutoCloseable {
    private final cublasLtContext lt;
    /** Host alpha = 1 and beta = 0 of every product (read by cuBLASLt at launch). */
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    /** Calls on {@code lt}, the backend's cuBLASLt handle (not owned). */
    CublasLt(cublasLtContext lt) {
        this.lt = lt;
    }

    /** Frees the host scalars; after every plan made through this is closed. */
    @Override
    public void close() {
        one.close();
        zero.close();
    }

    @Override
    public long createMatmulDesc() {
        try (PointerPointer<?> pp = new PointerPointer<>(1)) {
            CudaRuntime.checkBlas(cublasLtMatmulDescCreate(pp, CUBLAS_COMPUTE_32F, 0 /* CUDA_R_32F scale */),
                    "cublasLtMatmulDescCreate");
            return pp.get(0).address();
        }
    }

    @Override
    public void setMatmulDescInt(long desc, int attribute, int value) {
        try (IntPointer v = new IntPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatmulDescSetAttribute(new cublasLtMatmulDescOpaque_t(ptr(desc)), attribute, v, 4),
                    "cublasLtMatmulDescSetAttribute " + attribute);
        }
    }

    @Override
    public void setMatmulDescLong(long desc, int attribute, long value) {
        try (LongPointer v = new LongPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatmulDescSetAttribute(new cublasLtMatmulDescOpaque_t(ptr(desc)), attribute, v, 8),
                    "cublasLtMatmulDescSetAttribute " + attribute);
        }
    }

    @Override
    public void destroyMatmulDesc(long desc) {
        CudaRuntime.checkBlas(cublasLtMatmulDescDestroy(new cublasLtMatmulDescOpaque_t(ptr(desc))), "cublasLtMatmulDescDestroy");
    }

    @Override
    public long createLayout(int type, long rows, long cols, long ld) {
        try (PointerPointer<?> pp = new PointerPointer<>(1)) {
            CudaRuntime.checkBlas(cublasLtMatrixLayoutCreate(pp, type, rows, cols, ld), "cublasLtMatrixLayoutCreate");
            return pp.get(0).address();
        }
    }

    @Override
    public void setLayoutInt(long layout, int attribute, int value) {
        try (IntPointer v = new IntPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatrixLayoutSetAttribute(new cublasLtMatrixLayoutOpaque_t(ptr(layout)), attribute,
                    v, 4), "cublasLtMatrixLayoutSetAttribute " + attribute);
        }
    }

    @Override
    public void setLayoutLong(long layout, int attribute, long value) {
        try (LongPointer v = new LongPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatrixLayoutSetAttribute(new cublasLtMatrixLayoutOpaque_t(ptr(layout)), attribute,
                    v, 8), "cublasLtMatrixLayoutSetAttribute " + attribute);
        }
    }

    @Override
    public void destroyLayout(long layout) {
        CudaRuntime.checkBlas(cublasLtMatrixLayoutDestroy(new cublasLtMatrixLayoutOpaque_t(ptr(layout))),
                "cublasLtMatrixLayoutDestroy");
    }

    @Override
    public long createPreference() {
        try (PointerPointer<?> pp = new PointerPointer<>(1)) {
            CudaRuntime.checkBlas(cublasLtMatmulPreferenceCreate(pp), "cublasLtMatmulPreferenceCreate");
            return pp.get(0).address();
        }
    }

    @Override
    public void setPreferenceInt(long preference, int attribute, int value) {
        try (IntPointer v = new IntPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatmulPreferenceSetAttribute(new cublasLtMatmulPreferenceOpaque_t(ptr(preference)),
                    attribute, v, 4), "cublasLtMatmulPreferenceSetAttribute " + attribute);
        }
    }

    @Override
    public void setPreferenceLong(long preference, int attribute, long value) {
        try (LongPointer v = new LongPointer(1).put(value)) {
            CudaRuntime.checkBlas(cublasLtMatmulPreferenceSetAttribute(new cublasLtMatmulPreferenceOpaque_t(ptr(preference)),
                    attribute, v, 8), "cublasLtMatmulPreferenceSetAttribute " + attribute);
        }
    }

    @Override
    public void destroyPreference(long preference) {
        CudaRuntime.checkBlas(cublasLtMatmulPreferenceDestroy(new cublasLtMatmulPreferenceOpaque_t(ptr(preference))),
                "cublasLtMatmulPreferenceDestroy");
    }

    @Override
    public long findAlgorithm(long desc, long layoutA, long layoutB, long layoutC, long preference, String what) {
        // plain malloc'd host memory (no JavaCPP deallocator that the garbage collector could run early)
        Pointer mem = Pointer.calloc(1, Pointer.sizeof(cublasLtMatmulHeuristicResult_t.class));
        if (mem == null || mem.isNull()) throw new OutOfMemoryError("host memory for a cuBLASLt heuristic result");
        try {
            int[] found = new int[1];
            CudaRuntime.checkBlas(cublasLtMatmulAlgoGetHeuristic(lt, new cublasLtMatmulDescOpaque_t(ptr(desc)),
                    new cublasLtMatrixLayoutOpaque_t(ptr(layoutA)), new cublasLtMatrixLayoutOpaque_t(ptr(layoutB)),
                    new cublasLtMatrixLayoutOpaque_t(ptr(layoutC)), new cublasLtMatrixLayoutOpaque_t(ptr(layoutC)),
                    new cublasLtMatmulPreferenceOpaque_t(ptr(preference)), 1, new cublasLtMatmulHeuristicResult_t(mem),
                    found), "cublasLtMatmulAlgoGetHeuristic for " + what);
            if (found[0] == 0) throw new CudaException("cuBLASLt has no algorithm for " + what, 0);
            return mem.address();
        } catch (RuntimeException e) {
            Pointer.free(mem);
            throw e;
        }
    }

    @Override
    public void freeAlgorithm(long algorithm) {
        Pointer.free(ptr(algorithm));
    }

    @Override
    public void matmul(long desc, long algorithm, long a, long layoutA, long b, long layoutB, long c, long layoutC,
                       long workspace, long workspaceBytes, long stream) {
        cublasLtMatrixLayoutOpaque_t lc = new cublasLtMatrixLayoutOpaque_t(ptr(layoutC));
        Pointer pc = ptr(c);
        CudaRuntime.checkBlas(cublasLtMatmul(lt, new cublasLtMatmulDescOpaque_t(ptr(desc)), one, ptr(a),
                new cublasLtMatrixLayoutOpaque_t(ptr(layoutA)), ptr(b), new cublasLtMatrixLayoutOpaque_t(ptr(layoutB)), zero,
                pc, lc, pc, lc, new cublasLtMatmulHeuristicResult_t(ptr(algorithm)).algo(), ptr(workspace), workspaceBytes,
                new CUstream_st(ptr(stream))), "cublasLtMatmul");
    }

    private static Pointer ptr(long address) {
        return DeviceMemory.address(address);
    }
}
