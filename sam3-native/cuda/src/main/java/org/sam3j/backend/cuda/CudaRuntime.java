package org.sam3j.backend.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.Loader;

/**
 * Whether the CUDA backend can run here, and why not. Three things must hold, checked in this order
 * and remembered for the life of the JVM:
 * <ol>
 *   <li>the kernels are built and load ({@code libsam3cuda.so} and its JNI glue, built when nvcc was
 *       present at build time; they load on any Linux x86-64 machine where the CUDA 13 runtime
 *       {@code libcudart.so.13} is on the library path, driver or not), and use that shared runtime;</li>
 *   <li>a driver and at least one GPU are present ({@code s3c_device_count});</li>
 *   <li>the JavaCPP {@code cuda} preset loads its JNI libraries against the system's
 *       {@code libcudart.so.13}, {@code libcublas.so.13} and {@code libcublasLt.so.13}, and the process
 *       then holds one CUDA runtime (the dynamic linker loads the soname {@code libcudart.so.13} once,
 *       for the kernels and the preset alike: one context per device, one allocator).</li>
 * </ol>
 * Tests use {@link #unavailableReason()} as the reason of a skipped test.
 */
public final class CudaRuntime {
    /**
     * System property: {@code true} runs compiled graphs in debug mode (a stream synchronisation after
     * every operation, so that a kernel fault is reported as a {@link CudaException} naming the operation;
     * no CUDA Graph capture). Slow; for finding faults. Read when a graph is compiled.
     */
    public static final String DEBUG_PROPERTY = "sam3j.cuda.debug";

    /**
     * What was found.
     *
     * @param kernelsLoaded whether step 1 succeeded (the host-side functions of the kernels are usable)
     * @param devices       CUDA devices found (0 without driver or GPU)
     * @param reason        why the backend cannot run, or null when it can
     */
    public record Status(boolean kernelsLoaded, int devices, String reason) {
        /** Whether the backend can run. */
        public boolean available() {
            return reason == null;
        }
    }

    private static Status status;
    private static String kernelsReason;
    private static boolean kernelsProbed;

    private CudaRuntime() {}

    /**
     * Why the kernel library cannot be loaded, or null when it loads. Needs no GPU: the host-side
     * functions of {@link CudaKernels} (index math, argument checks) work once this returns null.
     */
    public static synchronized String kernelsUnavailableReason() {
        if (!kernelsProbed) {
            kernelsProbed = true;
            try {
                Loader.load(CudaKernels.class);
                int v = CudaKernels.s3c_version();
                if (v != 1) {
                    kernelsReason = "libsam3cuda.so has API version " + v + ", the bindings expect 1";
                } else if (!isSharedCudart(CudaKernels.s3c_cudart_library().getString())) {
                    kernelsReason = "libsam3cuda.so carries its own CUDA runtime ("
                            + CudaKernels.s3c_cudart_library().getString() + "), a second one beside the JavaCPP"
                            + " preset's; rebuild it with native/build.sh (links the shared libcudart.so.13)";
                }
            } catch (Throwable t) {
                kernelsReason = "CUDA kernels not loadable (libsam3cuda.so is built only by the Maven profile cuda,"
                        + " -Pcuda or automatic where an NVIDIA driver is loaded, with nvcc present; it needs the CUDA 13"
                        + " runtime libcudart.so.13 on the library path): " + message(t);
            }
        }
        return kernelsReason;
    }

    /** Probes (once) and returns the status. */
    public static synchronized Status status() {
        if (status != null) return status;
        String k = kernelsUnavailableReason();
        if (k != null) return status = new Status(false, 0, k);
        int[] n = new int[1];
        int e = CudaKernels.s3c_device_count(n);
        if (e != 0) {
            String what = e == 35 ? "no NVIDIA driver (or one older than CUDA 13)" : e == 100 ? "no CUDA-capable GPU" : "error";
            return status = new Status(true, 0, "no CUDA device: " + what + ": "
                    + CudaKernels.s3c_error_string(e).getString() + " (cudaError " + e + ")");
        }
        if (n[0] == 0) return status = new Status(true, 0, "no CUDA device: the driver reports none");
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
            Loader.load(org.bytedeco.cuda.global.cublas.class);
        } catch (Throwable t) {
            return status = new Status(true, n[0], n[0] + " CUDA device(s), but the JavaCPP cuda preset cannot load"
                    + " libcudart.so.13 / libcublas.so.13 / libcublasLt.so.13 (put their folder on LD_LIBRARY_PATH): "
                    + message(t));
        }
        Set<String> runtimes = cudartMappings(procSelfMaps());
        if (runtimes.size() > 1) {
            return status = new Status(true, n[0], "two CUDA runtimes are loaded (" + runtimes + "): device pointers and"
                    + " streams of the kernels and of the JavaCPP preset would not interoperate");
        }
        return status = new Status(true, n[0], null);
    }

    /** Whether the CUDA backend can run here. */
    public static boolean available() {
        return status().available();
    }

    /** Why the CUDA backend cannot run here, or null when it can. */
    public static String unavailableReason() {
        return status().reason();
    }

    /** Number of CUDA devices (0 when unavailable). */
    public static int deviceCount() {
        Status s = status();
        return s.available() ? s.devices() : 0;
    }

    /** Throws {@link IllegalStateException} with the reason when the backend cannot run. */
    static void require() {
        String r = unavailableReason();
        if (r != null) throw new IllegalStateException("CUDA backend unavailable: " + r);
    }

    /** One line about the kernels: API version, architectures, CUDA runtime they were built with. */
    public static String describeKernels() {
        String k = kernelsUnavailableReason();
        if (k != null) return k;
        int rt = CudaKernels.s3c_runtime_version();
        return "libsam3cuda v" + CudaKernels.s3c_version() + " (" + CudaKernels.s3c_architectures().getString()
                + "; built for CUDA runtime " + rt / 1000 + "." + rt % 1000 / 10 + ", using "
                + CudaKernels.s3c_cudart_library().getString() + ")";
    }

    /** Whether {@code path} (of the kernels' runtime, see {@code s3c_cudart_library}) is a shared libcudart. */
    static boolean isSharedCudart(String path) {
        if (path == null || path.isEmpty()) return false;
        return Paths.get(path).getFileName().toString().startsWith("libcudart.so");
    }

    /**
     * The distinct files named {@code libcudart.so*} mapped into a process, from the text of its
     * {@code /proc/<pid>/maps} (real paths, so that links to one file count once).
     */
    static Set<String> cudartMappings(String maps) {
        Set<String> files = new TreeSet<>();
        for (String line : maps.split("\n")) {
            int slash = line.indexOf('/');
            if (slash < 0) continue;
            String file = line.substring(slash).trim();
            if (!Paths.get(file).getFileName().toString().startsWith("libcudart.so")) continue;
            try {
                files.add(Paths.get(file).toRealPath().toString());
            } catch (IOException | RuntimeException e) {
                files.add(file);
            }
        }
        return files;
    }

    /** This process's memory map, or "" where there is none (not Linux). */
    static String procSelfMaps() {
        Path maps = Paths.get("/proc/self/maps");
        try {
            return Files.isReadable(maps) ? Files.readString(maps) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@value #DEBUG_PROPERTY} asks for debug mode. */
    static boolean debugRequested() {
        return Boolean.parseBoolean(System.getProperty(DEBUG_PROPERTY, "false"));
    }

    // ------------------------------------------------------------------ error checks

    /** Throws a {@link CudaException} for a non-zero CUDA or kernel error code. */
    static void check(int code, String what) {
        if (code == 0) return;
        String msg = code == CudaKernels.S3C_ERR_INVALID_ARGUMENT
                ? CudaKernels.s3c_last_message().getString()
                : CudaKernels.s3c_error_string(code).getString();
        throw new CudaException(what + " failed: " + msg + " (" + code + ")", code);
    }

    /** Throws a {@link CudaException} for a non-zero {@code cublasStatus_t}. */
    static void checkBlas(int status, String what) {
        if (status == 0) return;
        throw new CudaException(what + " failed: cublasStatus " + status, status);
    }

    private static String message(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getMessage() == null) c = c.getCause();
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
