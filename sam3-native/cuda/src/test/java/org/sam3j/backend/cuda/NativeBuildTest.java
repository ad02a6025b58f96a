package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the native build produced, checked without a GPU: the library exists (or the build said why
 * not), exports exactly the C API of sam3cuda.h, loads through the JavaCPP bindings on a machine
 * without a driver, and carries the architectures it should.
 */
class NativeBuildTest {
    /** Function names declared in the header. */
    static Set<String> declaredFunctions() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(s3c_[a-z0-9_]+)\\(").matcher(Files.readString(NativePaths.header()));
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test
    void headerDeclaresTheKernels() throws IOException {
        Set<String> names = declaredFunctions();
        for (String f : new String[] {"s3c_attention", "s3c_layer_norm", "s3c_group_norm", "s3c_unary", "s3c_binary",
            "s3c_softmax", "s3c_im2col", "s3c_conv_transpose2x2_scatter", "s3c_upsample_nearest", "s3c_resize_bilinear",
            "s3c_max_pool2x2", "s3c_roi_align", "s3c_gather", "s3c_preprocess_rgb8", "s3c_upsample_masks", "s3c_rope",
            "s3c_permute", "s3c_convert"}) {
            assertTrue(names.contains(f), f + " declared");
        }
    }

    @Test
    void libraryExportsExactlyTheHeaderFunctions() throws Exception {
        NativePaths.assumeLibraryBuilt();
        Process p;
        try {
            p = new ProcessBuilder("nm", "-D", "--defined-only", NativePaths.library().toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "nm not available: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "nm failed: " + out);
        Set<String> exported = new TreeSet<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && "TtWw".contains(f[1])) exported.add(f[2].replaceAll("@.*", ""));
        }
        assertEquals(declaredFunctions(), exported, "exported functions of libsam3cuda.so");
    }

    @Test
    void kernelsLoadWithoutAGpu() {
        if (NativePaths.checkoutNative() != null) {
            NativePaths.assumeLibraryBuilt(); // built here: then it must load
        } else {
            NativePaths.assumeKernelsLoad(); // from the bundle: packaged in the jar
        }
        assertNull(CudaRuntime.kernelsUnavailableReason(), "the kernel library loads without a driver");
        assertEquals(1, CudaKernels.s3c_version());
        String archs = CudaKernels.s3c_architectures().getString();
        assertTrue(archs.contains("sm_80") && archs.contains("sm_90") && archs.contains("compute_90"), archs);
        assertTrue(CudaKernels.s3c_runtime_version() >= 13000, "CUDA 13 runtime");
        assertTrue(CudaRuntime.describeKernels().startsWith("libsam3cuda v1"), CudaRuntime.describeKernels());
    }

    /**
     * One CUDA runtime: the kernels' cudart functions come from the shared libcudart.so.13 (the soname the
     * JavaCPP preset's libjnicudart.so needs too), and the process maps exactly one libcudart file. Needs
     * the library, not a GPU.
     */
    @Test
    void kernelsUseTheSharedCudaRuntime() throws IOException {
        NativePaths.assumeKernelsLoad();
        String cudart = CudaKernels.s3c_cudart_library().getString();
        assertTrue(CudaRuntime.isSharedCudart(cudart), "the kernels' CUDA runtime comes from " + cudart);
        assertTrue(Path.of(cudart).getFileName().toString().startsWith("libcudart.so.13"), "CUDA 13 runtime: " + cudart);
        Set<String> mapped = CudaRuntime.cudartMappings(CudaRuntime.procSelfMaps());
        assertEquals(Set.of(Path.of(cudart).toRealPath().toString()), mapped,
                "exactly the kernels' libcudart is mapped into the process");
        assertTrue(CudaRuntime.describeKernels().contains(cudart), CudaRuntime.describeKernels());
    }

    @Test
    void twoMappedRuntimesAreCounted() {
        String maps = "7f00-7f01 r-xp 00000000 08:01 1 /opt/a/libcudart.so.13.0.88\n"
                + "7f01-7f02 r--p 00001000 08:01 1 /opt/a/libcudart.so.13.0.88\n"
                + "7f02-7f03 r-xp 00000000 08:01 2 /tmp/x/libsam3cuda.so\n"
                + "7f03-7f04 rw-p 00000000 00:00 0 \n"
                + "7f04-7f05 r-xp 00000000 08:01 3 /usr/local/cuda-13.1/lib64/libcudart.so.13\n";
        assertEquals(Set.of("/opt/a/libcudart.so.13.0.88", "/usr/local/cuda-13.1/lib64/libcudart.so.13"),
                CudaRuntime.cudartMappings(maps));
        assertTrue(CudaRuntime.isSharedCudart("/usr/local/cuda/lib64/libcudart.so.13"));
        assertTrue(!CudaRuntime.isSharedCudart("/tmp/javacpp/libsam3cuda.so"), "a static runtime is inside libsam3cuda.so");
        assertTrue(!CudaRuntime.isSharedCudart(""));
    }

    @Test
    void statusAlwaysAnswersWithAReason() {
        CudaRuntime.Status s = CudaRuntime.status();
        assertNotNull(s);
        if (!s.available()) {
            assertNotNull(s.reason());
            assertTrue(s.reason().length() > 10, s.reason());
            assertEquals(0, CudaRuntime.deviceCount());
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> CudaBackend.create(0, Precision.FP32));
            assertTrue(e.getMessage().contains(s.reason()), e.getMessage());
        } else {
            assertTrue(s.devices() > 0);
        }
    }

    @Test
    void withoutADriverTheDeviceCountIsAnError() {
        NativePaths.assumeKernelsLoad();
        int[] n = {-1};
        int e = CudaKernels.s3c_device_count(n);
        if (e != 0) {
            assertEquals(0, n[0]);
            assertTrue(CudaRuntime.unavailableReason().startsWith("no CUDA device: "), CudaRuntime.unavailableReason());
        } else {
            assertTrue(n[0] >= 0);
        }
    }
}
