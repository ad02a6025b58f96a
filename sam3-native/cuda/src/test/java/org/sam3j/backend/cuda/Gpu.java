package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Device memory for kernel-level GPU tests: uploads and downloads in any element type (converted on
 * the device), freed on close. Tests using it call {@link #assumeAvailable()} first, so that they are
 * skipped with the reason where there is no GPU.
 */
final class Gpu implements AutoCloseable {
    private final DeviceMemory mem = new DeviceMemory();
    private final List<DeviceMemory.Buffer> buffers = new ArrayList<>();

    /** Skips the calling test unless the CUDA backend can run (reason e.g. "no CUDA device: ..."). */
    static void assumeAvailable() {
        String why = CudaRuntime.unavailableReason();
        if (why != null && !told) {
            told = true;
            System.err.println("[sam3j cuda] GPU tests skipped: " + why);
        }
        assumeTrue(why == null, why);
    }

    private static boolean told;

    Gpu() {
        CudaRuntime.check(cudaSetDevice(0), "cudaSetDevice");
        CudaRuntime.check(CudaKernels.s3c_set_device(0), "s3c_set_device");
    }

    static int bytes(int dtype) {
        return dtype == CudaKernels.S3C_F32 ? 4 : 2;
    }

    long alloc(long bytes) {
        DeviceMemory.Buffer b = mem.allocate(bytes, DeviceMemory.Kind.WORKSPACE, "test");
        buffers.add(b);
        return b.address;
    }

    /** Uploads float32 values as {@code dtype} (rounded to nearest even on the device). */
    long upload(float[] v, int dtype) {
        long f = alloc((long) v.length * 4);
        try (FloatPointer h = new FloatPointer(v)) {
            CudaRuntime.check(cudaMemcpy(DeviceMemory.address(f), h, (long) v.length * 4, cudaMemcpyHostToDevice), "upload");
        }
        if (dtype == CudaKernels.S3C_F32) return f;
        long d = alloc((long) v.length * bytes(dtype));
        CudaRuntime.check(CudaKernels.s3c_convert(f, CudaKernels.S3C_F32, d, dtype, v.length, 0), "convert");
        return d;
    }

    long uploadInts(int[] v) {
        long d = alloc((long) v.length * 4);
        try (IntPointer h = new IntPointer(v)) {
            CudaRuntime.check(cudaMemcpy(DeviceMemory.address(d), h, (long) v.length * 4, cudaMemcpyHostToDevice), "upload");
        }
        return d;
    }

    long uploadBytes(byte[] v) {
        long d = alloc(v.length);
        try (BytePointer h = new BytePointer(v)) {
            CudaRuntime.check(cudaMemcpy(DeviceMemory.address(d), h, v.length, cudaMemcpyHostToDevice), "upload");
        }
        return d;
    }

    /** Downloads {@code n} values stored as {@code dtype}, as float32. */
    float[] download(long address, int n, int dtype) {
        sync();
        long src = address;
        if (dtype != CudaKernels.S3C_F32) {
            src = alloc((long) n * 4);
            CudaRuntime.check(CudaKernels.s3c_convert(address, dtype, src, CudaKernels.S3C_F32, n, 0), "convert");
            sync();
        }
        float[] out = new float[n];
        try (FloatPointer h = new FloatPointer(n)) {
            CudaRuntime.check(cudaMemcpy(h, DeviceMemory.address(src), (long) n * 4, cudaMemcpyDeviceToHost), "download");
            h.get(out);
        }
        return out;
    }

    byte[] downloadBytes(long address, int n) {
        sync();
        byte[] out = new byte[n];
        try (BytePointer h = new BytePointer(n)) {
            CudaRuntime.check(cudaMemcpy(h, DeviceMemory.address(address), n, cudaMemcpyDeviceToHost), "download");
            h.get(out);
        }
        return out;
    }

    /** The values as {@code dtype} would store them (round trip through the device conversion). */
    float[] rounded(float[] v, int dtype) {
        return dtype == CudaKernels.S3C_F32 ? v.clone() : download(upload(v, dtype), v.length, dtype);
    }

    void sync() {
        CudaRuntime.check(CudaKernels.s3c_stream_synchronize(0), "synchronize");
    }

    @Override
    public void close() {
        for (DeviceMemory.Buffer b : buffers) mem.free(b);
        buffers.clear();
    }

    /** max |a − b| / max |b|: error relative to the reference's scale. */
    static double relError(float[] actual, double[] expected) {
        double maxDiff = 0;
        double maxRef = 1e-12;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }

    /** Tolerance of a kernel result relative to its scale, per element type. */
    static double tolerance(int dtype) {
        return dtype == CudaKernels.S3C_F32 ? 2e-5 : dtype == CudaKernels.S3C_F16 ? 4e-3 : 2.5e-2;
    }

    static String name(int dtype) {
        return dtype == CudaKernels.S3C_F32 ? "f32" : dtype == CudaKernels.S3C_F16 ? "f16" : "bf16";
    }
}
