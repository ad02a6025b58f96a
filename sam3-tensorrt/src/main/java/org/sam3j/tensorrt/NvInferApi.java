package org.sam3j.tensorrt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.LayerType;
import org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import org.bytedeco.tensorrt.global.nvinfer.NetworkDefinitionCreationFlag;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TensorRtApi} over the JavaCPP TensorRT preset: a direct translation, one call per method. <b>Compiled, not
 * run</b>: it was written without a GPU or libnvinfer. Unverified in particular: whether {@code close()} on the
 * preset's objects frees them (TensorRT 10 objects are deleted, the preset maps no destructor we could check).
 */
final class NvInferApi implements TensorRtApi {
    private static final Logger LOG = LoggerFactory.getLogger(NvInferApi.class);

    private final int device;

    NvInferApi(int device) {
        this.device = device;
    }

    @Override
    public Session open(boolean stronglyTyped) {
        int e = cudart.cudaSetDevice(device);
        if (e != 0) {
            throw new EngineBuildException("cudaSetDevice(" + device + "): " + cudart.cudaGetErrorString(e).getString());
        }
        CollectingLogger logger = new CollectingLogger();
        IBuilder builder = createInferBuilder(logger);
        if (builder == null || builder.isNull()) {
            throw new EngineBuildException("createInferBuilder failed: " + String.join("; ", logger.errors()));
        }
        int flags = stronglyTyped ? 1 << NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value : 0;
        INetworkDefinition network = builder.createNetworkV2(flags);
        IBuilderConfig config = builder.createBuilderConfig();
        IParser parser = nvonnxparser.createParser(network, logger);
        return new NvSession(logger, builder, network, config, parser);
    }

    /** Forwards TensorRT's log to slf4j and keeps its errors for the exception message. */
    private static final class CollectingLogger extends ILogger {
        private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void log(Severity severity, String msg) {
            switch (severity) {
                case kINTERNAL_ERROR, kERROR -> {
                    errors.add(msg);
                    LOG.debug("TensorRT error: {}", msg);
                }
                case kWARNING -> LOG.warn("TensorRT: {}", msg);
                case kINFO -> LOG.debug("TensorRT: {}", msg);
                default -> LOG.trace("TensorRT: {}", msg);
            }
        }

        List<String> errors() {
            synchronized (errors) {
                return List.copyOf(errors);
            }
        }
    }

    private static final class NvSession implements Session {
        private final CollectingLogger logger; // held: TensorRT calls it until the builder is gone
        private final IBuilder builder;
        private final INetworkDefinition network;
        private final IBuilderConfig config;
        private final IParser parser;
        private ITimingCache timingCache;

        NvSession(CollectingLogger logger, IBuilder builder, INetworkDefinition network, IBuilderConfig config, IParser parser) {
            this.logger = logger;
            this.builder = builder;
            this.network = network;
            this.config = config;
            this.parser = parser;
        }

        @Override
        public List<String> parse(byte[] onnx, Path modelPath) {
            try (BytePointer p = new BytePointer(onnx)) {
                boolean ok = modelPath == null ? parser.parse(p, onnx.length)
                        : parser.parse(p, onnx.length, modelPath.toAbsolutePath().toString());
                if (ok) return List.of();
                List<String> out = new ArrayList<>();
                for (int i = 0; i < parser.getNbErrors(); i++) {
                    IParserError err = parser.getError(i);
                    out.add("node " + err.node() + " (" + err.nodeName() + ", " + err.nodeOperator() + "): " + err.desc());
                }
                if (out.isEmpty()) out.add("parse failed without an error");
                return out;
            }
        }

        @Override
        public void setFlag(BuildSettings.Flag flag) {
            config.setFlag(map(flag));
        }

        @Override
        public void clearFlag(BuildSettings.Flag flag) {
            config.clearFlag(map(flag));
        }

        @SuppressWarnings("deprecation") // the FLAGS route's flags: deprecated since TensorRT 10.12, see BuildSettings.Typing
        private static BuilderFlag map(BuildSettings.Flag flag) {
            return switch (flag) {
                case FP16 -> BuilderFlag.kFP16;
                case BF16 -> BuilderFlag.kBF16;
                case TF32 -> BuilderFlag.kTF32;
                case OBEY_PRECISION_CONSTRAINTS -> BuilderFlag.kOBEY_PRECISION_CONSTRAINTS;
            };
        }

        @Override
        @SuppressWarnings("deprecation") // per-layer precisions: the weakly typed FLAGS route only
        public int pinToFp32(Set<BuildSettings.PinnedLayer> kinds) {
            int n = 0;
            for (int i = 0; i < network.getNbLayers(); i++) {
                ILayer layer = network.getLayer(i);
                LayerType t = layer.getType();
                boolean pin = kinds.contains(BuildSettings.PinnedLayer.SOFTMAX) && t == LayerType.kSOFTMAX
                        || kinds.contains(BuildSettings.PinnedLayer.NORMALIZATION) && t == LayerType.kNORMALIZATION
                        || kinds.contains(BuildSettings.PinnedLayer.REDUCE) && t == LayerType.kREDUCE;
                if (!pin) continue;
                layer.setPrecision(DataType.kFLOAT);
                for (int o = 0; o < layer.getNbOutputs(); o++) layer.setOutputType(o, DataType.kFLOAT);
                n++;
            }
            return n;
        }

        @Override
        public void setWorkspace(long bytes) {
            config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, bytes);
        }

        @Override
        public boolean setTimingCache(byte[] serialized) {
            if (timingCache != null) timingCache.close();
            try (BytePointer p = serialized.length == 0 ? null : new BytePointer(serialized)) {
                timingCache = config.createTimingCache(p, serialized.length);
            }
            if (timingCache == null || timingCache.isNull()) {
                timingCache = null;
                return false;
            }
            return config.setTimingCache(timingCache, false); // false: a cache of another device/version is refused
        }

        @Override
        public byte[] buildSerializedNetwork() {
            return copy(builder.buildSerializedNetwork(network, config), "engine");
        }

        @Override
        public byte[] serializeTimingCache() {
            ITimingCache c = config.getTimingCache();
            return c == null || c.isNull() ? new byte[0] : copy(c.serialize(), "timing cache");
        }

        private static byte[] copy(IHostMemory m, String what) {
            if (m == null || m.isNull()) return null;
            try (m) {
                long size = m.size();
                if (size > Integer.MAX_VALUE - 8) {
                    throw new EngineBuildException(what + " of " + size + " bytes exceeds the 2 GiB a Java array holds");
                }
                byte[] out = new byte[(int) size];
                new BytePointer(m.data()).capacity(size).get(out);
                return out;
            }
        }

        @Override
        public List<String> errors() {
            return logger.errors();
        }

        @Override
        public void close() {
            for (Pointer p : new Pointer[] {parser, timingCache, config, network, builder}) {
                if (p != null) p.close();
            }
        }
    }
}
