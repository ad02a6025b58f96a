package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.tensorrt.TensorRtRuntime.Gpu;
import org.sam3j.tensorrt.TensorRtRuntime.Status;

/** The reason {@link TensorRtRuntime} gives, from fake native look-ups, and the real probe on this machine. */
class TensorRtRuntimeTest {
    /** Look-ups that fail as configured. */
    static final class FakeProbe implements TensorRtRuntime.Probe {
        Throwable cuda;
        Throwable trt;
        Throwable parser;
        int version = 101501;
        List<Gpu> gpus = List.of(new Gpu(0, "NVIDIA H200", "9.0"));
        RuntimeException gpuError;

        @Override
        public void loadCudaRuntime() throws Throwable {
            if (cuda != null) throw cuda;
        }

        @Override
        public void loadTensorRt() throws Throwable {
            if (trt != null) throw trt;
        }

        @Override
        public void loadOnnxParser() throws Throwable {
            if (parser != null) throw parser;
        }

        @Override
        public int tensorRtVersion() {
            return version;
        }

        @Override
        public List<Gpu> gpus() {
            if (gpuError != null) throw gpuError;
            return gpus;
        }
    }

    @Test
    void everythingPresentIsAvailableWithVersionAndGpus() {
        Status s = TensorRtRuntime.probe(new FakeProbe());
        assertTrue(s.available());
        assertNull(s.reason());
        assertEquals("10.15.1", s.tensorRtVersion());
        assertEquals(new Gpu(0, "NVIDIA H200", "9.0"), s.gpu(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.gpu(1));
        assertEquals("CUDA device 1 does not exist (1 found)", e.getMessage());
    }

    @Test
    void noTensorRtAndNoGpuAreBothNamedInOneLine() {
        FakeProbe p = new FakeProbe();
        p.trt = new UnsatisfiedLinkError("/root/.javacpp/cache/libjninvinfer.so: libnvinfer.so.10: cannot open shared object file");
        p.gpuError = new IllegalStateException("no NVIDIA driver (or one older than CUDA 13): CUDA driver version is insufficient (cudaError 35)");
        Status s = TensorRtRuntime.probe(p);
        assertFalse(s.available());
        assertTrue(s.reason().startsWith("libnvinfer.so.10 is not loadable (TensorRT 10 is not bundled"), s.reason());
        assertTrue(s.reason().contains("UnsatisfiedLinkError: /root/.javacpp/cache/libjninvinfer.so"), s.reason());
        assertTrue(s.reason().endsWith("; no CUDA device: no NVIDIA driver (or one older than CUDA 13): CUDA driver version"
                + " is insufficient (cudaError 35)"), s.reason());
        assertFalse(s.reason().contains("\n"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.gpu(0));
        assertEquals("TensorRT unavailable: " + s.reason(), e.getMessage());
    }

    @Test
    void eachMissingPieceAloneIsNamed() {
        FakeProbe cuda = new FakeProbe();
        cuda.cuda = new ExceptionInInitializerError(new UnsatisfiedLinkError("no jnicudart in java.library.path"));
        assertTrue(TensorRtRuntime.probe(cuda).reason().startsWith("no NVIDIA driver or CUDA runtime: the CUDA bindings do not load (they need the driver's libcuda.so.1"));
        assertTrue(TensorRtRuntime.probe(cuda).reason().endsWith("UnsatisfiedLinkError: no jnicudart in java.library.path"),
                TensorRtRuntime.probe(cuda).reason());

        FakeProbe parser = new FakeProbe();
        parser.parser = new UnsatisfiedLinkError("libnvonnxparser.so.10: cannot open shared object file");
        assertTrue(TensorRtRuntime.probe(parser).reason().startsWith("libnvonnxparser.so.10 (TensorRT's ONNX parser) is not loadable"));

        FakeProbe old = new FakeProbe();
        old.version = 80601;
        assertEquals("TensorRT 8.6.1 found, the bindings need TensorRT 10.x", TensorRtRuntime.probe(old).reason());

        FakeProbe none = new FakeProbe();
        none.gpus = List.of();
        assertEquals("no CUDA device: the driver reports none", TensorRtRuntime.probe(none).reason());
    }

    @Test
    void theRealProbeNeverThrowsAndExplainsItself() {
        Status s = TensorRtRuntime.status();
        assertEquals(s.reason() == null, s.available());
        if (!s.available()) {
            assertFalse(s.reason().isBlank());
            IllegalStateException e = assertThrows(IllegalStateException.class, TensorRtEngines::requireAvailable);
            assertEquals("cannot build TensorRT engines here: " + s.reason(), e.getMessage());
        } else {
            assertNotNull(s.tensorRtVersion());
        }
        System.out.println("TensorRT here: " + (s.available() ? s.tensorRtVersion() + " " + s.gpus() : s.reason()));
    }
}
