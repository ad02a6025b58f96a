package org.sam3j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.graph.Graph;
import org.sam3j.hub.HubClient;
import org.sam3j.hub.ModelSource;
import org.sam3j.io.DType;
import org.sam3j.onnx.OnnxExporter;
import org.sam3j.onnx.OnnxModel;
import org.sam3j.onnx.OnnxStages;
import org.sam3j.tensorrt.TensorRtEngines;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.sam3j.video.TrackerLimits;

/**
 * {@code sam3 export --format onnx|tensorrt}: writes every stage of the model as an ONNX model (opset 17) plus
 * {@code manifest.json} (stages, their inputs and outputs with shapes and dtypes, hashes, precision); with
 * {@code tensorrt} also builds (or finds in the cache) each stage's TensorRT engine, refusing in one line before any
 * work where no GPU or TensorRT is present.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export the model's stages (image encoder, text encoder, the detector's per-image part, detector,"
                + " dense position encoding,"
                + " interactive decoder; the video tracker's memory attention, tracked-frame decoder and memory encoder)"
                + " as ONNX, one .onnx per stage, plus manifest.json.",
                "Weights above 2 GB per stage go to a <stage>.onnx.data file beside the model."})
final class ExportCommand implements Callable<Integer> {
    static final String MANIFEST = "manifest.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "onnx|tensorrt",
            description = "onnx: one .onnx per stage; tensorrt: also a TensorRT engine per stage, built on this GPU and"
                    + " cached (needs an NVIDIA GPU and TensorRT 10's libnvinfer)")
    String format;

    @Option(names = "--model", paramLabel = "M",
            description = "sam3.pt, a .safetensors file, a model directory, or hf:owner/name[@revision]")
    String model;

    @Option(names = "--weights", paramLabel = "synthetic", description = "'synthetic': the specification's synthetic weights")
    String weights;

    @Option(names = "--config", paramLabel = "tiny|full|FILE",
            description = "Architecture: tiny, full, or a JSON file of overrides (default: with --model the checkpoint's"
                    + " own, with --weights synthetic full)")
    String config;

    @Option(names = "--precision", paramLabel = "fp32|fp16|bf16",
            description = "Precision of the exported models: fp16/bf16 run products (linear, matmul, convolutions,"
                    + " attention q/k/v) in that type with their weights stored so, the rest fp32 (default fp32)")
    String precision = "fp32";

    @Option(names = "--bf16-form", paramLabel = "native|float-carried",
            description = "With --precision bf16: native bfloat16 tensors (GPU runtimes, TensorRT; default), or float32"
                    + " tensors holding bfloat16 values, rounded by casts wherever the graph rounds (runs on ONNX"
                    + " Runtime's CPU provider, which has no bfloat16 products)")
    String bf16Form = "native";

    @Option(names = "--stages", paramLabel = "all|image|tracker",
            description = "Which stages: image (encoders, detector, interactive decoder), tracker (the video tracker's"
                    + " step: memory attention with fixed memory slots, tracked-frame decoder, memory encoder), or all"
                    + " (default)")
    String stageGroups = "all";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into (created)")
    Path out;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        // every option is checked before any weight is read
        if (!format.equals("onnx") && !format.equals("tensorrt")) {
            throw new UserException("--format " + format + ": use onnx or tensorrt");
        }
        boolean engines = format.equals("tensorrt");
        if (engines) {
            String why = TensorRtEngines.unavailableReason();
            if (why != null) throw new UserException("--format tensorrt: cannot build TensorRT engines here: " + why);
        }
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new UserException("--precision: " + e.getMessage());
        }
        OnnxExporter.Bf16Form form;
        switch (bf16Form) {
            case "native":
                form = OnnxExporter.Bf16Form.NATIVE;
                break;
            case "float-carried":
                form = OnnxExporter.Bf16Form.FLOAT_CARRIED;
                break;
            default:
                throw new UserException("--bf16-form " + bf16Form + ": use native or float-carried");
        }
        Set<OnnxStages.Group> groups;
        switch (stageGroups) {
            case "all":
                groups = EnumSet.allOf(OnnxStages.Group.class);
                break;
            case "image":
                groups = EnumSet.of(OnnxStages.Group.IMAGE);
                break;
            case "tracker":
                groups = EnumSet.of(OnnxStages.Group.TRACKER);
                break;
            default:
                throw new UserException("--stages " + stageGroups + ": use all, image or tracker");
        }
        if (weights != null && !weights.equals("synthetic")) {
            throw new UserException("--weights accepts only 'synthetic' (for a checkpoint use --model M), got '" + weights + "'");
        }
        if ((model == null) == (weights == null)) {
            throw new UserException(model == null ? "give --model M or --weights synthetic"
                    : "--model and --weights synthetic are alternatives: give one");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserException("--out " + out + ": not a directory");
        Sam3Config cfg = null;
        String cfgName = "from the checkpoint";
        if (config != null || model == null) {
            cfgName = config == null ? "full" : config;
            cfg = config == null || config.equals("full") ? Sam3Config.released()
                    : config.equals("tiny") ? Sam3Config.tiny() : ModelOptions.readConfig(Path.of(config));
        }
        ModelSource source = model != null ? ModelSource.parse(model) : null;
        if (source != null && !(source instanceof ModelSource.HubRepo)) source.toLocalPath(null); // a missing file: now

        CheckpointWeights checkpoint = null;
        try {
            WeightStore store;
            if (source == null) {
                store = SyntheticWeights.of(Sam3Model.parameterShapes(cfg));
            } else {
                checkpoint = CheckpointWeights.open(source.toLocalPath(HubClient.builder().build()));
                if (cfg == null) {
                    cfg = checkpoint.inferConfig();
                } else {
                    checkpoint.checkDepths(cfg);
                }
                store = checkpoint;
            }
            Files.createDirectories(out);
            OnnxExporter exporter = new OnnxExporter(OnnxExporter.PROTOBUF_LIMIT, form);
            List<Map<String, Object>> stages = new ArrayList<>();
            MessageDigest modelHash = sha256();
            for (Map.Entry<String, Graph> e : OnnxStages.of(cfg, p, groups).entrySet()) {
                long t0 = System.nanoTime();
                OnnxModel m = exporter.export(e.getKey(), e.getValue(), store);
                OnnxModel.Written w = m.write(out);
                modelHash.update(w.sha256().getBytes(StandardCharsets.US_ASCII));
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("stage", e.getKey());
                s.put("file", w.model().getFileName().toString());
                s.put("external_data", w.data() == null ? null : w.data().getFileName().toString());
                s.put("sha256", w.sha256());
                s.put("initializer_bytes", m.initializerBytes());
                s.put("precision", m.precision());
                s.put("inputs", values(m.inputs(), m.inputTypes()));
                s.put("outputs", values(m.outputs(), m.outputTypes()));
                stages.add(s);
                o.printf("%-20s %s (%.1f MB, %d ms)%n", e.getKey(), w.model(), Files.size(w.model()) / 1e6
                        + (w.data() == null ? 0 : Files.size(w.data()) / 1e6), (System.nanoTime() - t0) / 1_000_000);
                o.flush();
            }
            String hash = HexFormat.of().formatHex(modelHash.digest());
            if (engines) {
                BackendOptions options = BackendOptions.builder().precision(p).build();
                for (Map<String, Object> st : stages) {
                    Path file = out.resolve((String) st.get("file"));
                    TensorRtEngines.Built b = TensorRtEngines.build((String) st.get("stage"), Files.readAllBytes(file),
                            st.get("external_data") == null ? null : file, hash, options);
                    Map<String, Object> engine = new LinkedHashMap<>();
                    engine.put("file", b.engineFile().toString());
                    engine.put("bytes", b.engineSize());
                    engine.put("outcome", b.outcome().name().toLowerCase(java.util.Locale.ROOT));
                    engine.put("build_ms", b.buildTime().toMillis());
                    st.put("tensorrt_engine", engine);
                    o.printf("%-20s engine %s (%s)%n", st.get("stage"), b.engineFile(), engine.get("outcome"));
                    o.flush();
                }
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", format);
            manifest.put("opset", OnnxExporter.OPSET);
            manifest.put("ir_version", OnnxExporter.IR_VERSION);
            manifest.put("precision", p.label());
            if (p == Precision.BF16) manifest.put("bf16_form", bf16Form);
            manifest.put("precision_note", p == Precision.FP32 ? "every value float32"
                    : "products (linear, matmul, convolutions, attention q/k/v and output) in " + onnxName(p) + " with"
                    + " their weights stored so; attention logits and softmax, normalisation, activations, the residual"
                    + " stream, position encodings, inputs and outputs float32; every change of type an explicit Cast");
            Map<String, Object> modelJson = new LinkedHashMap<>();
            modelJson.put("source", source == null ? "synthetic" : source.toString());
            modelJson.put("weights", store.describe());
            modelJson.put("config", cfgName);
            modelJson.put("config_values", configJson(cfg));
            manifest.put("model", modelJson);
            manifest.put("model_hash", hash);
            if (groups.contains(OnnxStages.Group.TRACKER)) {
                TrackerLimits limits = TrackerLimits.released(cfg);
                Map<String, Object> tracker = new LinkedHashMap<>();
                tracker.put("memory_frames", limits.memoryFrames());
                tracker.put("pointer_tokens", limits.pointerTokens());
                tracker.put("note", "memory_attention holds memory_frames slots of grid² tokens then pointer_tokens"
                        + " slots; fill the first of each and mark them 1 in memory_valid (0: padding, no attention"
                        + " weight); batch 1: one object per run");
                manifest.put("tracker", tracker);
            }
            manifest.put("stages", stages);
            SegmentOutput.writeJson(out.resolve(MANIFEST), manifest);
            o.println("wrote " + stages.size() + " stages and " + out.resolve(MANIFEST));
            return 0;
        } finally {
            if (checkpoint != null) checkpoint.close();
        }
    }

    private static List<Map<String, Object>> values(Map<String, int[]> shapes, Map<String, DType> types) {
        List<Map<String, Object>> l = new ArrayList<>();
        shapes.forEach((name, shape) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", name);
            v.put("shape", shape);
            v.put("dtype", onnxName(types.get(name)));
            l.add(v);
        });
        return l;
    }

    /** ONNX's name of an element type: float32, float16, bfloat16. */
    private static String onnxName(DType t) {
        switch (t) {
            case F32:
                return "float32";
            case F16:
                return "float16";
            case BF16:
                return "bfloat16";
            default:
                throw new IllegalArgumentException("not an exported type: " + t);
        }
    }

    private static String onnxName(Precision p) {
        return p == Precision.FP16 ? "float16" : p == Precision.BF16 ? "bfloat16" : "float32";
    }

    private static Map<String, Object> configJson(Sam3Config c) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("vit_depth", c.vitDepth());
        cfg.put("vit_global_blocks", c.vitGlobalBlocks());
        cfg.put("text_layers", c.textLayers());
        cfg.put("fusion_encoder_layers", c.fusionEncoderLayers());
        cfg.put("decoder_layers", c.decoderLayers());
        cfg.put("geometry_encoder_layers", c.geometryEncoderLayers());
        return cfg;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
