package org.sam3j.backend.cuda;

/**
 * The cuBLASLt calls an {@link LtGemm} plan makes, over raw handles (addresses), so that what a plan
 * creates and destroys can be recorded by a test without a GPU ({@link CublasLt} is the real one).
 * Every method throws {@link CudaException} when the call fails.
 */
interface LtApi {
    /** {@code cublasLtMatmulDescCreate} with {@code CUBLAS_COMPUTE_32F} and float32 scales. */
    long createMatmulDesc();

    /** {@code cublasLtMatmulDescSetAttribute} of a 4-byte value. */
    void setMatmulDescInt(long desc, int attribute, int value);

    /** {@code cublasLtMatmulDescSetAttribute} of an 8-byte value. */
    void setMatmulDescLong(long desc, int attribute, long value);

    /** {@code cublasLtMatmulDescDestroy}. */
    void destroyMatmulDesc(long desc);

    /** {@code cublasLtMatrixLayoutCreate}: column-major {@code rows × cols}, leading dimension {@code ld}. */
    long createLayout(int type, long rows, long cols, long ld);

    /** {@code cublasLtMatrixLayoutSetAttribute} of a 4-byte value. */
    void setLayoutInt(long layout, int attribute, int value);

    /** {@code cublasLtMatrixLayoutSetAttribute} of an 8-byte value. */
    void setLayoutLong(long layout, int attribute, long value);

    /** {@code cublasLtMatrixLayoutDestroy}. */
    void destroyLayout(long layout);

    /** {@code cublasLtMatmulPreferenceCreate}. */
    long createPreference();

    /** {@code cublasLtMatmulPreferenceSetAttribute} of a 4-byte value. */
    void setPreferenceInt(long preference, int attribute, int value);

    /** {@code cublasLtMatmulPreferenceSetAttribute} of an 8-byte value. */
    void setPreferenceLong(long preference, int attribute, long value);

    /** {@code cublasLtMatmulPreferenceDestroy}. */
    void destroyPreference(long preference);

    /**
     * The best algorithm of {@code cublasLtMatmulAlgoGetHeuristic} for {@code D = C} layouts, in host
     * memory this returns (freed by {@link #freeAlgorithm}); throws when cuBLASLt has none ({@code what}
     * names the product).
     */
    long findAlgorithm(long desc, long layoutA, long layoutB, long layoutC, long preference, String what);

    /** Frees what {@link #findAlgorithm} returned. */
    void freeAlgorithm(long algorithm);

    /** {@code cublasLtMatmul} with alpha 1, beta 0, {@code D = C}, launched on {@code stream}. */
    void matmul(long desc, long algorithm, long a, long layoutA, long b, long layoutB, long c, long layoutC,
                long workspace, long workspaceBytes, long stream);
}
