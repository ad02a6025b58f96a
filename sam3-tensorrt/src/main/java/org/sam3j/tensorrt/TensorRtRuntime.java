package org.sam3j.tensorrt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;

/**
 * Whether TensorRT engines can be built here, and why not: the NVIDIA driver and CUDA runtime ({@code libcuda.so.1},
 * {@code libcudart.so.13}, which the CUDA and TensorRT bindings link), TensorRT 10
 * ({@code libnvinfer.so.10}, {@code libnvonnxparser.so.10}: not bundled, the user's install) and at least one CUDA
 * device. Every missing piece that can be checked on its own is named in one line; nothing throws. The result is
 * remembered for the life of the JVM ({@link #status()}).
 */
public final class TensorRtRuntime {
    /** The TensorRT major version the bindings ({@code org.bytedeco:tensorrt:10.15-1.5.13}) are built for. */
    public static final int MAJOR = 10;

    /**
     * One CUDA device as TensorRT sees it.
     *
     * @param index             CUDA device index
     * @param name              the device's name, e.g. "NVIDIA H200"
     * @param computeCapability e.g. "9.0"
     */
    public record Gpu(int index, String name, String computeCapability) {
        /** Checks the parts. */
        public Gpu {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(computeCapability, "computeCapability");
        }
    }

    /**
     * What was found.
     *
     * @param reason          why engines cannot be built here (every missing piece, "; "-separated), or null
     * @param tensorRtVersion e.g. "10.15.1" (null when TensorRT did not load)
     * @param gpus            the CUDA devices (empty when none or when the CUDA runtime did not load)
     */
    public record Status(String reason, String tensorRtVersion, List<Gpu> gpus) {
        /** Keeps an unmodifiable copy of {@code gpus}. */
        public Status {
            gpus = List.copyOf(gpus);
        }

        /** Whether engines can be built here. */
        public boolean available() {
            return reason == null;
        }

        /**
         * The device {@code index}.
         *
         * @throws IllegalStateException    if engines cannot be built here (the message is the {@link #reason()})
         * @throws IllegalArgumentException if there is no such device
         */
        public Gpu gpu(int index) {
            if (!available()) throw new IllegalStateException("TensorRT unavailable: " + reason);
            if (index < 0 || index >= gpus.size()) {
                throw new IllegalArgumentException("CUDA device " + index + " does not exist (" + gpus.size() + " found)");
            }
            return gpus.get(index);
        }
    }

    /** The native look-ups, apart so that the composition of the reason is testable without them. */
    interface Probe {
        /** Loads the CUDA runtime bindings (and {@code libcudart.so.13}, {@code libcuda.so.1}). */
        void loadCudaRuntime() throws Throwable;

        /** Loads the nvinfer bindings (and {@code libnvinfer.so.10}). */
        void loadTensorRt() throws Throwable;

        /** Loads the ONNX parser bindings (and {@code libnvonnxparser.so.10}). */
        void loadOnnxParser() throws Throwable;

        /** {@code getInferLibVersion()}: major·10000 + minor·100 + patch. */
        int tensorRtVersion();

        /** The CUDA devices; a CUDA error is an {@link IllegalStateException} with its text. */
        List<Gpu> gpus();
    }

    private static Status status;

    private TensorRtRuntime() {}

    /** Probes (once per JVM) and returns what was found. */
    public static synchronized Status status() {
        if (status == null) status = probe(new NativeProbe());
        return status;
    }

    /** Why engines cannot be built here, or null when they can. */
    public static String unavailableReason() {
        return status().reason();
    }

    /** Probes through {@code p}: every independent piece, each missing one named. */
    static Status probe(Probe p) {
        List<String> missing = new ArrayList<>();
        String version = null;
        List<Gpu> gpus = List.of();
        String cuda = load(p::loadCudaRuntime);
        if (cuda != null) {
            missing.add("no NVIDIA driver or CUDA runtime: the CUDA bindings do not load (they need the driver's"
                    + " libcuda.so.1 and the CUDA 13 runtime libcudart.so.13; TensorRT's libnvinfer.so.10 was not checked,"
                    + " its bindings need them too): " + cuda);
        } else {
            String trt = load(p::loadTensorRt);
            if (trt != null) {
                missing.add("libnvinfer.so.10 is not loadable (TensorRT " + MAJOR + " is not bundled with sam3j: install"
                        + " it and put its lib folder on LD_LIBRARY_PATH): " + trt);
            } else {
                int v = p.tensorRtVersion();
                version = v / 10000 + "." + v / 100 % 100 + "." + v % 100;
                if (v / 10000 != MAJOR) {
                    missing.add("TensorRT " + version + " found, the bindings need TensorRT " + MAJOR + ".x");
                } else {
                    String parser = load(p::loadOnnxParser);
                    if (parser != null) {
                        missing.add("libnvonnxparser.so.10 (TensorRT's ONNX parser) is not loadable: " + parser);
                    }
                }
            }
            try {
                gpus = p.gpus();
                if (gpus.isEmpty()) missing.add("no CUDA device: the driver reports none");
            } catch (RuntimeException e) {
                missing.add("no CUDA device: " + e.getMessage());
            }
        }
        return new Status(missing.isEmpty() ? null : String.join("; ", missing), version, gpus);
    }

    @FunctionalInterface
    private interface Load {
        void run() throws Throwable;
    }

    /** Null when {@code l} succeeds, else the cause in one line. */
    private static String load(Load l) {
        try {
            l.run();
            return null;
        } catch (Throwable t) {
            Throwable c = t;
            while (c.getCause() != null && (c.getMessage() == null || c instanceof ExceptionInInitializerError)) {
                c = c.getCause();
            }
            String m = c.getMessage() == null ? "" : c.getMessage().replace('\n', ' ');
            return c.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
        }
    }

    /** The real look-ups through the JavaCPP presets. */
    private static final class NativeProbe implements Probe {
        @Override
        public void loadCudaRuntime() {
            Loader.load(cudart.class);
        }

        @Override
        public void loadTensorRt() {
            Loader.load(nvinfer.class);
        }

        @Override
        public void loadOnnxParser() {
            Loader.load(nvonnxparser.class);
        }

        @Override
        public int tensorRtVersion() {
            return nvinfer.getInferLibVersion();
        }

        @Override
        public List<Gpu> gpus() {
            int[] n = new int[1];
            int e = cudart.cudaGetDeviceCount(n);
            if (e != 0) {
                String what = e == 35 ? "no NVIDIA driver (or one older than CUDA 13)" : e == 100 ? "no CUDA-capable GPU" : "error";
                throw new IllegalStateException(what + ": " + cudart.cudaGetErrorString(e).getString() + " (cudaError " + e + ")");
            }
            List<Gpu> out = new ArrayList<>();
            for (int i = 0; i < n[0]; i++) {
                try (cudaDeviceProp prop = new cudaDeviceProp()) {
                    int pe = cudart.cudaGetDeviceProperties(prop, i);
                    if (pe != 0) {
                        throw new IllegalStateException("cudaGetDeviceProperties(" + i + "): "
                                + cudart.cudaGetErrorString(pe).getString() + " (cudaError " + pe + ")");
                    }
                    out.add(new Gpu(i, prop.name().getString().trim(), prop.major() + "." + prop.minor()));
                }
            }
            return out;
        }
    }
}
