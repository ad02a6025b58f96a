package org.sam3j.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.image.RgbImage;
import org.sam3j.model.Sam3Config;
import org.sam3j.model.vision.VisionBackbone;
import org.sam3j.weights.SyntheticWeights;

/**
 * Image encoding (ViT trunk + detector and tracker necks) of one 1008×1008 image on the pure-Java CPU
 * backend with synthetic weights; weights are bound and packed during setup, so a measured call is
 * what {@code setImage} costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx16g"})
public class ImageEncoderBenchmark {
    /** {@code tiny} (reference test configuration) or {@code full} (released architecture). */
    @Param({"tiny"})
    public String config;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    private CpuBackend backend;
    private CompiledGraph encoder;
    private float[] input;

    /** Builds the encoder graph and binds synthetic weights. */
    @Setup(Level.Trial)
    public void setUp() {
        Sam3Config c = config.equals("full") ? Sam3Config.released() : Sam3Config.tiny();
        Graph g = new Graph();
        Tensor image = g.input("image", 1, 3, c.imageSize(), c.imageSize());
        VisionBackbone.Features f = new VisionBackbone(g, c, true).forward(image);
        for (int i = 0; i < 3; i++) {
            g.output("fpn" + i, f.fpn().get(i));
            g.output("sam2_fpn" + i, f.sam2Fpn().get(i));
        }
        backend = threads > 0 ? new CpuBackend(threads) : new CpuBackend();
        encoder = backend.compile(g, SyntheticWeights.forGraph(g));
        byte[] rgb = new byte[1800 * 1200 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 31 % 251);
        input = ImagePreprocessor.toModelInput(RgbImage.of(1800, 1200, rgb), c.imageSize());
        encoder.run(Map.of("image", input)); // first run reads and packs the weights
    }

    /** One image encoding. */
    @Benchmark
    public Map<String, HostTensor> encode() {
        return encoder.run(Map.of("image", input));
    }

    /** Releases the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.close();
        backend.close();
    }
}
