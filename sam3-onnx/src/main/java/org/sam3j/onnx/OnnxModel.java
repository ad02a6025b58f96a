package org.sam3j.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sam3j.io.AtomicFiles;
import org.sam3j.io.DType;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.weights.WeightStore;

/**
 * One exported stage: the ONNX {@link ModelProto} and, when its weights were moved out of the protobuf (see
 * {@link OnnxExporter}), the list of tensors of its external data file, whose values are read from the weight store
 * again when the files are written. Serialise it with {@link #toByteArray()} (inline weights only) or {@link #write}.
 */
public final class OnnxModel {
    /** A weight in the external data file: its name, element type (F32, F16 or BF16), byte offset and byte length. */
    public record ExternalTensor(String name, DType type, long offset, long length) {}

    /** What {@link #write} wrote: the model file, the data file (or null) and the SHA-256 of both together. */
    public record Written(Path model, Path data, String sha256) {}

    private final String stage;
    private final ModelProto proto;
    private final String precision;
    private final Map<String, int[]> inputs;
    private final Map<String, DType> inputTypes;
    private final Map<String, int[]> outputs;
    private final Map<String, DType> outputTypes;
    private final String dataFileName;
    private final List<ExternalTensor> external;
    private final WeightStore weights;
    private final long initializerBytes;

    OnnxModel(String stage, ModelProto proto, String precision, Map<String, int[]> inputs, Map<String, DType> inputTypes,
              Map<String, int[]> outputs, Map<String, DType> outputTypes, String dataFileName, List<ExternalTensor> external,
              WeightStore weights, long initializerBytes) {
        this.stage = stage;
        this.proto = proto;
        this.precision = precision;
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        this.inputTypes = Collections.unmodifiableMap(new LinkedHashMap<>(inputTypes));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.outputTypes = Collections.unmodifiableMap(new LinkedHashMap<>(outputTypes));
        this.dataFileName = dataFileName;
        this.external = external;
        this.weights = weights;
        this.initializerBytes = initializerBytes;
    }

    /** The version written as the producer's ({@code sam3j} and the jar's version when known). */
    static String producerVersion() {
        String v = OnnxModel.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** The stage's name. */
    public String stage() {
        return stage;
    }

    /** The model (weights inline, or references into the external data file). */
    public ModelProto proto() {
        return proto;
    }

    /**
     * The precision of the exported graph's values: {@code fp32}, {@code fp16} or {@code bf16} (the reduced type of a
     * {@link org.sam3j.graph.PrecisionPolicy} graph, whose other values are FP32), {@code mixed} if both appear.
     */
    public String precision() {
        return precision;
    }

    /** The graph inputs the model reads, by name, with their shapes. Shapes must not be modified. */
    public Map<String, int[]> inputs() {
        return inputs;
    }

    /** The element types of {@link #inputs()}, by name. */
    public Map<String, DType> inputTypes() {
        return inputTypes;
    }

    /** The graph outputs, by name, with their shapes. Shapes must not be modified. */
    public Map<String, int[]> outputs() {
        return outputs;
    }

    /** The element types of {@link #outputs()}, by name (FP32 for every graph {@code PrecisionPolicy} made). */
    public Map<String, DType> outputTypes() {
        return outputTypes;
    }

    /** Whether the weights live in an external data file. */
    public boolean hasExternalData() {
        return dataFileName != null;
    }

    /** Bytes of all initializers (weights and constants). */
    public long initializerBytes() {
        return initializerBytes;
    }

    /**
     * The serialised model, weights inline.
     *
     * @throws IllegalStateException if the weights are in an external data file (use {@link #write})
     */
    public byte[] toByteArray() {
        if (hasExternalData()) {
            throw new IllegalStateException("stage '" + stage + "' keeps its weights in an external data file; write it to a"
                    + " directory instead");
        }
        return proto.toByteArray();
    }

    /**
     * Writes {@code <stage>.onnx} (and {@code <stage>.onnx.data} when the weights are external) into {@code dir},
     * each file atomically.
     */
    public Written write(Path dir) throws IOException {
        Files.createDirectories(dir);
        MessageDigest digest = sha256();
        Path model = dir.resolve(stage + ".onnx");
        AtomicFiles.write(model, ch -> {
            try (OutputStream o = new DigestOutputStream(new BufferedOutputStream(nonClosing(java.nio.channels.Channels.newOutputStream(ch)), 1 << 16), digest)) {
                proto.writeTo(o);
            }
        });
        Path data = null;
        if (hasExternalData()) {
            data = dir.resolve(dataFileName);
            AtomicFiles.write(data, ch -> {
                try (OutputStream o = new DigestOutputStream(new BufferedOutputStream(nonClosing(java.nio.channels.Channels.newOutputStream(ch)), 1 << 20), digest)) {
                    writeExternal(o);
                }
            });
        }
        return new Written(model, data, HexFormat.of().formatHex(digest.digest()));
    }

    private void writeExternal(OutputStream o) throws IOException {
        long pos = 0;
        List<ExternalTensor> sorted = new ArrayList<>(external);
        sorted.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        for (ExternalTensor t : sorted) {
            while (pos < t.offset()) {
                o.write(0);
                pos++;
            }
            byte[] b = OnnxExporter.tensorBytes(weights.floats(t.name()), t.type());
            o.write(b);
            pos += b.length;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** A stream over AtomicFiles' channel, protected from being closed by the wrapping streams (AtomicFiles forces and closes it). */
    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
