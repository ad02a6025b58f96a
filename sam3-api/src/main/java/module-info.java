/**
 * sam3j: Meta's SAM 3 (text, point, box and mask prompted segmentation) in a JVM application.
 *
 * <p>The public API is the package {@link org.sam3j}: {@link org.sam3j.Sam3Model} (load once),
 * {@link org.sam3j.Sam3Predictor} (set an image, ask many {@link org.sam3j.Prompt}s), {@link org.sam3j.MaskResult}
 * and its value types. Everything else is the runtime behind it: the backend SPI ({@code org.sam3j.backend}, the
 * graph IR in {@code org.sam3j.graph} and the weights in {@code org.sam3j.weights}) is exported only to sam3j's own
 * backend modules, the remaining packages only to sam3j's tools (CLI and server, benchmarks, Spark job).
 */
module org.sam3j {
    requires transitive java.desktop; // BufferedImage appears in the public API
    requires java.net.http;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;
    requires metadata.extractor;
    requires static org.bytedeco.javacpp;
    requires static org.bytedeco.opencv; // only for MatImages, an optional bridge
    // the Vector API kernels (VectorAttention) when the JVM runs with --add-modules jdk.incubator.vector
    requires static jdk.incubator.vector;

    exports org.sam3j;

    // The backend SPI: what a backend module implements and compiles.
    exports org.sam3j.backend to
            org.sam3j.openblas, org.sam3j.cuda, org.sam3j.tensorrt, org.sam3j.onnx,
            org.sam3j.bench, org.sam3j.samples, org.sam3j.spark;
    exports org.sam3j.graph to
            org.sam3j.openblas, org.sam3j.cuda, org.sam3j.tensorrt, org.sam3j.onnx, org.sam3j.bench;
    exports org.sam3j.weights to
            org.sam3j.openblas, org.sam3j.cuda, org.sam3j.tensorrt, org.sam3j.onnx,
            org.sam3j.bench, org.sam3j.samples, org.sam3j.spark;
    exports org.sam3j.backend.cpu to org.sam3j.openblas, org.sam3j.bench, org.sam3j.samples;

    // Internals that sam3j's own tools reuse.
    exports org.sam3j.verify to org.sam3j.cuda, org.sam3j.onnx, org.sam3j.samples;
    exports org.sam3j.image to org.sam3j.bench, org.sam3j.samples, org.sam3j.spark;
    exports org.sam3j.io to org.sam3j.openblas, org.sam3j.onnx, org.sam3j.tensorrt, org.sam3j.bench, org.sam3j.samples;
    exports org.sam3j.text to org.sam3j.bench, org.sam3j.samples, org.sam3j.spark;
    exports org.sam3j.postprocess to org.sam3j.samples, org.sam3j.spark;
    exports org.sam3j.hub to org.sam3j.samples;
    exports org.sam3j.runner to org.sam3j.onnx, org.sam3j.bench;
    exports org.sam3j.model.tracker to org.sam3j.onnx; // the tracker stages' graphs (memory attention, memory encoder)
    exports org.sam3j.internal to org.sam3j.onnx;
    exports org.sam3j.video to org.sam3j.onnx; // the tracker's settings size the exported memory attention

    uses org.sam3j.backend.BackendProvider;
}
