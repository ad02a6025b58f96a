package org.sam3j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;

/**
 * The Hugging Face layout against every official parameter of the fixtures' {@code param_shapes}.
 *
 * <p>The HF files here are made by the <em>inverse</em> conversion (official to HF, spec §5.4), written
 * independently of {@link HfKeyMapping} in the style of the HF convert scripts: an ordered chain of
 * renames followed by the structural steps (split fused q/k/v, drop the CLS position row, transpose the
 * CLIP text projection, stack the point embeddings, add the duplicated Fourier matrix).
 */
class HfKeyMappingTest {

    /** Official parameters the HF layout drops on purpose, each with the reason. */
    private static final Map<Pattern, String> DROPPED = Map.of(
            Pattern.compile("detector\\.geometry_encoder\\.points_.*"),
            "geometry encoder point branch: PCS ignores points and HF removed it (spec §1.5, §5.4 rule 6)",
            Pattern.compile(".*\\.freqs_cis"),
            "ViT RoPE buffers: recomputed by both implementations (spec §5.4 rule 6); not in param_shapes anyway");

    /** §5.2: tensors per top-level HF prefix, as functions of the depths (the released config gives the table). */
    private static Map<String, Integer> expectedCounts(FixtureSet set) {
        var c = set.config();
        int vit = c.get("vit_depth").asInt();
        int text = c.get("text_layers").asInt();
        int geo = c.get("geometry_encoder_layers").asInt();
        int fusion = c.get("fusion_encoder_layers").asInt();
        int dec = c.get("decoder_layers").asInt();
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("detector_model.vision_encoder.backbone.", 4 + 16 * vit); // patch, pos, ln_pre w/b + 16 per block
        m.put("detector_model.vision_encoder.neck.", 22);
        m.put("detector_model.text_encoder.", 5 + 16 * text); // tok, pos, final ln w/b, projection + 16 per layer
        m.put("detector_model.text_projection.", 2);
        m.put("detector_model.geometry_encoder.", 16 + 26 * geo);
        m.put("detector_model.detr_encoder.", 26 * fusion);
        m.put("detector_model.detr_decoder.", 31 + 36 * dec);
        m.put("detector_model.dot_product_scoring.", 10);
        m.put("detector_model.mask_decoder.", 32);
        m.put("tracker_neck.", 22);
        m.put("tracker_model.", 307);
        return m;
    }

    private static final Map<String, Integer> RELEASED_TABLE = Map.ofEntries(
            Map.entry("detector_model.vision_encoder.backbone.", 516), Map.entry("detector_model.vision_encoder.neck.", 22),
            Map.entry("detector_model.text_encoder.", 389), Map.entry("detector_model.text_projection.", 2),
            Map.entry("detector_model.geometry_encoder.", 94), Map.entry("detector_model.detr_encoder.", 156),
            Map.entry("detector_model.detr_decoder.", 247), Map.entry("detector_model.dot_product_scoring.", 10),
            Map.entry("detector_model.mask_decoder.", 32), Map.entry("tracker_neck.", 22), Map.entry("tracker_model.", 307));

    // ---------------------------------------------------------------- the inverse conversion (official -> HF)

    /** One HF tensor: its shape and (lazily) its values. */
    private record HfTensor(long[] shape, Supplier<float[]> values) {}

    private record Rename(Pattern pattern, Function<MatchResult, String> replacement) {}

    private static final List<Rename> RENAMES = new ArrayList<>();

    private static void ren(String regex, String replacement) {
        RENAMES.add(new Rename(Pattern.compile(regex), r -> expand(r, replacement)));
    }

    private static void ren(String regex, Function<MatchResult, String> replacement) {
        RENAMES.add(new Rename(Pattern.compile(regex), replacement));
    }

    private static String expand(MatchResult r, String replacement) {
        String out = replacement;
        for (int g = r.groupCount(); g >= 1; g--) out = out.replace("$" + g, r.group(g));
        return out;
    }

    private static final String[] PROMPT_MASK_EMBED = {"conv1", "layer_norm1", null, "conv2", "layer_norm2", null, "conv3"};
    private static final String[] UPSCALING = {"upscale_conv1", "upscale_layer_norm", null, "upscale_conv2"};
    private static final String[] SAM_MLP = {"proj_in", "layers.0", "proj_out"};

    static {
        // 1. module prefixes
        ren("^detector\\.backbone\\.vision_backbone\\.trunk\\.", "detector_model.vision_encoder.backbone.");
        ren("^detector\\.backbone\\.vision_backbone\\.convs\\.", "detector_model.vision_encoder.neck.fpn_layers.");
        ren("^detector\\.backbone\\.vision_backbone\\.sam2_convs\\.", "tracker_neck.fpn_layers.");
        ren("^detector\\.backbone\\.language_backbone\\.encoder\\.", "detector_model.text_encoder.");
        ren("^detector\\.backbone\\.language_backbone\\.resizer\\.", "detector_model.text_projection.");
        ren("^detector\\.geometry_encoder\\.", "detector_model.geometry_encoder.");
        ren("^detector\\.transformer\\.encoder\\.", "detector_model.detr_encoder.");
        ren("^detector\\.transformer\\.decoder\\.", "detector_model.detr_decoder.");
        ren("^detector\\.dot_prod_scoring\\.", "detector_model.dot_product_scoring.");
        ren("^detector\\.segmentation_head\\.", "detector_model.mask_decoder.");
        ren("^tracker\\.sam_prompt_encoder\\.", "tracker_model.prompt_encoder.");
        ren("^tracker\\.sam_mask_decoder\\.", "tracker_model.mask_decoder.");
        ren("^tracker\\.transformer\\.encoder\\.", "tracker_model.memory_attention.");
        ren("^tracker\\.maskmem_backbone\\.", "tracker_model.memory_encoder.");
        ren("^tracker\\.", "tracker_model.");

        // 2. ViT and necks
        ren("backbone\\.patch_embed\\.proj\\.", "backbone.embeddings.patch_embeddings.projection.");
        ren("backbone\\.pos_embed$", "backbone.embeddings.position_embeddings");
        ren("backbone\\.ln_pre\\.", "backbone.layer_norm.");
        ren("backbone\\.blocks\\.(\\d+)\\.norm(\\d)\\.", "backbone.layers.$1.layer_norm$2.");
        ren("backbone\\.blocks\\.(\\d+)\\.attn\\.proj\\.", "backbone.layers.$1.attention.o_proj.");
        ren("backbone\\.blocks\\.(\\d+)\\.attn\\.qkv\\.", "backbone.layers.$1.attention.qkv.");
        ren("backbone\\.blocks\\.(\\d+)\\.mlp\\.", "backbone.layers.$1.mlp.");
        ren("fpn_layers\\.(\\d+)\\.dconv_2x2_0\\.", "fpn_layers.$1.scale_layers.0.");
        ren("fpn_layers\\.(\\d+)\\.dconv_2x2_1\\.", "fpn_layers.$1.scale_layers.2.");
        ren("fpn_layers\\.(\\d+)\\.dconv_2x2\\.", "fpn_layers.$1.scale_layers.0.");
        ren("fpn_layers\\.(\\d+)\\.conv_1x1\\.", "fpn_layers.$1.proj1.");
        ren("fpn_layers\\.(\\d+)\\.conv_3x3\\.", "fpn_layers.$1.proj2.");

        // 3. CLIP text model
        ren("text_encoder\\.token_embedding\\.", "text_encoder.text_model.embeddings.token_embedding.");
        ren("text_encoder\\.positional_embedding$", "text_encoder.text_model.embeddings.position_embedding.weight");
        ren("text_encoder\\.ln_final\\.", "text_encoder.text_model.final_layer_norm.");
        ren("text_encoder\\.text_projection$", "text_encoder.text_projection.weight");
        ren("text_encoder\\.transformer\\.resblocks\\.(\\d+)\\.attn\\.", "text_encoder.text_model.encoder.layers.$1.self_attn.");
        ren("text_encoder\\.transformer\\.resblocks\\.(\\d+)\\.ln_(\\d)\\.", "text_encoder.text_model.encoder.layers.$1.layer_norm$2.");
        ren("text_encoder\\.transformer\\.resblocks\\.(\\d+)\\.mlp\\.c_fc\\.", "text_encoder.text_model.encoder.layers.$1.mlp.fc1.");
        ren("text_encoder\\.transformer\\.resblocks\\.(\\d+)\\.mlp\\.c_proj\\.", "text_encoder.text_model.encoder.layers.$1.mlp.fc2.");

        // 4. geometry encoder, fusion encoder, decoder layers
        ren("geometry_encoder\\.encode\\.(\\d+)\\.", "geometry_encoder.layers.$1.");
        ren("geometry_encoder\\.img_pre_norm\\.", "geometry_encoder.vision_layer_norm.");
        ren("geometry_encoder\\.norm\\.", "geometry_encoder.prompt_layer_norm.");
        ren("geometry_encoder\\.encode_norm\\.", "geometry_encoder.output_layer_norm.");
        ren("(geometry_encoder|detr_encoder)\\.layers\\.(\\d+)\\.cross_attn_image\\.", "$1.layers.$2.cross_attn.");
        ren("(geometry_encoder|detr_encoder)\\.layers\\.(\\d+)\\.linear(\\d)\\.", "$1.layers.$2.mlp.fc$3.");
        ren("(geometry_encoder|detr_encoder)\\.layers\\.(\\d+)\\.norm(\\d)\\.", "$1.layers.$2.layer_norm$3.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.ca_text\\.", "detr_decoder.layers.$1.text_cross_attn.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.cross_attn\\.", "detr_decoder.layers.$1.vision_cross_attn.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.linear(\\d)\\.", "detr_decoder.layers.$1.mlp.fc$2.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.norm1\\.", "detr_decoder.layers.$1.vision_cross_attn_layer_norm.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.catext_norm\\.", "detr_decoder.layers.$1.text_cross_attn_layer_norm.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.norm2\\.", "detr_decoder.layers.$1.self_attn_layer_norm.");
        ren("detr_decoder\\.layers\\.(\\d+)\\.norm3\\.", "detr_decoder.layers.$1.mlp_layer_norm.");
        ren("detr_decoder\\.norm\\.", "detr_decoder.output_layer_norm.");
        ren("detr_decoder\\.bbox_embed\\.", "detr_decoder.box_head.");
        ren("detr_decoder\\.presence_token_head\\.", "detr_decoder.presence_head.");
        ren("detr_decoder\\.presence_token_out_norm\\.", "detr_decoder.presence_layer_norm.");
        ren("detr_decoder\\.boxRPB_embed_([xy])\\.", "detr_decoder.box_rpb_embed_$1.");
        ren("dot_product_scoring\\.prompt_mlp\\.out_norm\\.", "dot_product_scoring.text_mlp_out_norm.");
        ren("dot_product_scoring\\.prompt_mlp\\.", "dot_product_scoring.text_mlp.");
        ren("dot_product_scoring\\.prompt_proj\\.", "dot_product_scoring.text_proj.");
        ren("dot_product_scoring\\.hs_proj\\.", "dot_product_scoring.query_proj.");
        // detector MLPs: layers.i -> layer(i+1)
        ren("(box_head|presence_head|ref_point_head|box_rpb_embed_[xy]|text_mlp)\\.layers\\.(\\d+)\\.",
                r -> r.group(1) + ".layer" + (Integer.parseInt(r.group(2)) + 1) + ".");

        // 5. segmentation head
        ren("^detector_model\\.mask_decoder\\.mask_predictor\\.mask_embed\\.", "detector_model.mask_decoder.mask_embedder.");
        ren("^detector_model\\.mask_decoder\\.cross_attend_prompt\\.", "detector_model.mask_decoder.prompt_cross_attn.");
        ren("^detector_model\\.mask_decoder\\.cross_attn_norm\\.", "detector_model.mask_decoder.prompt_cross_attn_norm.");
        ren("^detector_model\\.mask_decoder\\.instance_seg_head\\.", "detector_model.mask_decoder.instance_projection.");
        ren("^detector_model\\.mask_decoder\\.semantic_seg_head\\.", "detector_model.mask_decoder.semantic_projection.");

        // 6. tracker
        ren("^tracker_model\\.maskmem_tpos_enc$", "tracker_model.memory_temporal_positional_encoding");
        ren("^tracker_model\\.no_mem_embed$", "tracker_model.no_memory_embedding");
        ren("^tracker_model\\.no_mem_pos_enc$", "tracker_model.no_memory_positional_encoding");
        ren("^tracker_model\\.no_obj_ptr$", "tracker_model.no_object_pointer");
        ren("^tracker_model\\.no_obj_embed_spatial$", "tracker_model.occlusion_spatial_embedding_parameter");
        ren("^tracker_model\\.obj_ptr_proj\\.", "tracker_model.object_pointer_proj.");
        ren("^tracker_model\\.obj_ptr_tpos_proj\\.", "tracker_model.temporal_positional_encoding_projection_layer.");
        ren("prompt_encoder\\.pe_layer\\.positional_encoding_gaussian_matrix$", "prompt_encoder.shared_embedding.positional_embedding");
        ren("prompt_encoder\\.mask_downscaling\\.(\\d)\\.", r -> "prompt_encoder.mask_embed." + PROMPT_MASK_EMBED[Integer.parseInt(r.group(1))] + ".");
        ren("^tracker_model\\.mask_decoder\\.output_upscaling\\.(\\d)\\.",
                r -> "tracker_model.mask_decoder." + UPSCALING[Integer.parseInt(r.group(1))] + ".");
        ren("(output_hypernetworks_mlps\\.\\d+|iou_prediction_head|pred_obj_score_head|object_pointer_proj)\\.layers\\.(\\d)\\.",
                r -> r.group(1) + "." + SAM_MLP[Integer.parseInt(r.group(2))] + ".");
        ren("mask_decoder\\.transformer\\.layers\\.(\\d+)\\.mlp\\.lin1\\.", "mask_decoder.transformer.layers.$1.mlp.proj_in.");
        ren("mask_decoder\\.transformer\\.layers\\.(\\d+)\\.mlp\\.lin2\\.", "mask_decoder.transformer.layers.$1.mlp.proj_out.");
        ren("(mask_decoder\\.transformer|memory_attention)\\.layers\\.(\\d+)\\.norm(\\d)\\.", "$1.layers.$2.layer_norm$3.");
        ren("mask_decoder\\.transformer\\.norm_final_attn\\.", "mask_decoder.transformer.layer_norm_final_attn.");
        ren("memory_attention\\.norm\\.", "memory_attention.layer_norm.");
        ren("memory_encoder\\.mask_downsampler\\.encoder\\.(\\d+)\\.", r -> {
            int i = Integer.parseInt(r.group(1));
            return "memory_encoder.mask_downsampler." + (i == 12 ? "final_conv" : "layers." + i / 3 + (i % 3 == 0 ? ".conv" : ".layer_norm")) + ".";
        });
        ren("memory_encoder\\.pix_feat_proj\\.", "memory_encoder.feature_projection.");
        ren("memory_encoder\\.out_proj\\.", "memory_encoder.projection.");
        ren("memory_encoder\\.fuser\\.layers\\.(\\d+)\\.dwconv\\.", "memory_encoder.memory_fuser.layers.$1.depthwise_conv.");
        ren("memory_encoder\\.fuser\\.layers\\.(\\d+)\\.norm\\.", "memory_encoder.memory_fuser.layers.$1.layer_norm.");
        ren("memory_encoder\\.fuser\\.layers\\.(\\d+)\\.pwconv(\\d)\\.", "memory_encoder.memory_fuser.layers.$1.pointwise_conv$2.");
        ren("memory_encoder\\.fuser\\.layers\\.(\\d+)\\.gamma$", "memory_encoder.memory_fuser.layers.$1.scale");

        // 7. every attention output projection is o_proj, except CLIP's
        ren("^((?!detector_model\\.text_encoder\\.).*)\\.out_proj\\.", "$1.o_proj.");
    }

    private static String renamed(String official) {
        String name = official;
        for (Rename r : RENAMES) {
            Matcher m = r.pattern.matcher(name);
            StringBuilder sb = new StringBuilder();
            while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(r.replacement.apply(m.toMatchResult())));
            m.appendTail(sb);
            name = sb.toString();
        }
        return name;
    }

    private static boolean dropped(String official) {
        return DROPPED.keySet().stream().anyMatch(p -> p.matcher(official).matches());
    }

    /** The HF layout of the official parameters, values computed on demand from {@code values}. */
    private static Map<String, HfTensor> toHf(Map<String, long[]> official, WeightStore values) {
        Map<String, HfTensor> out = new TreeMap<>();
        Map<Integer, String> points = new TreeMap<>();
        for (Map.Entry<String, long[]> e : official.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            if (dropped(name)) continue;
            String hf = renamed(name);
            Matcher point = Pattern.compile("tracker\\.sam_prompt_encoder\\.point_embeddings\\.(\\d+)\\.weight").matcher(name);
            if (point.matches()) {
                points.put(Integer.parseInt(point.group(1)), name);
            } else if (hf.contains(".qkv.") || hf.endsWith(".in_proj_weight") || hf.endsWith(".in_proj_bias")) {
                // chunk(3) along the first axis into q, k, v
                long[] part = shape.clone();
                part[0] /= 3;
                int len = (int) (numel(shape) / 3);
                String[] qkv = {"q_proj", "k_proj", "v_proj"};
                for (int i = 0; i < 3; i++) {
                    int k = i;
                    String target = hf.contains(".qkv.") ? hf.replace(".qkv.", "." + qkv[i] + ".")
                            : hf.replaceAll("in_proj_(weight|bias)$", qkv[i] + ".$1");
                    out.put(target, new HfTensor(part, () -> Arrays.copyOfRange(values.floats(name), k * len, (k + 1) * len)));
                }
            } else if (hf.endsWith(".embeddings.position_embeddings")) {
                // [1, 577, D] -> drop the CLS row -> [1, 576, D]
                long[] s = {shape[0], shape[1] - 1, shape[2]};
                out.put(hf, new HfTensor(s, () -> {
                    float[] v = values.floats(name);
                    return Arrays.copyOfRange(v, (int) shape[2], v.length);
                }));
            } else if (hf.equals("detector_model.text_encoder.text_projection.weight")) {
                // official [1024, 512] (x @ W) -> HF Linear weight [512, 1024]
                out.put(hf, new HfTensor(new long[] {shape[1], shape[0]}, () -> transpose(values.floats(name), shape)));
            } else {
                out.put(hf, new HfTensor(shape, () -> values.floats(name)));
            }
        }
        if (!points.isEmpty()) {
            // point_embeddings.{0..3}.weight [1, 256] -> cat(dim 0) -> point_embed.weight [4, 256]
            assertEquals(List.of(0, 1, 2, 3), new ArrayList<>(points.keySet()));
            long[] one = official.get(points.get(0));
            out.put("tracker_model.prompt_encoder.point_embed.weight", new HfTensor(new long[] {4, one[1]}, () -> {
                float[] all = new float[(int) (4 * one[1])];
                for (int i = 0; i < 4; i++) System.arraycopy(values.floats(points.get(i)), 0, all, (int) (i * one[1]), (int) one[1]);
                return all;
            }));
        }
        HfTensor fourier = out.get("tracker_model.prompt_encoder.shared_embedding.positional_embedding");
        if (fourier != null) out.put("tracker_model.shared_image_embedding.positional_embedding", fourier); // HF's copy
        return out;
    }

    private static float[] transpose(float[] v, long[] shape) {
        int r = (int) shape[0];
        int c = (int) shape[1];
        float[] t = new float[v.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) t[j * r + i] = v[i * c + j];
        }
        return t;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    private static FixtureSet fixture(String config) throws Exception {
        return FixtureSet.open(SharedData.resolve("fixtures/sam3/" + config));
    }

    /** A safetensors file with these tensors' header but no data written (a sparse file of zeros). */
    private static Path writeHeaderOnly(Path file, Map<String, HfTensor> tensors) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, HfTensor> e : tensors.entrySet()) {
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", "F32");
            var shape = node.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            long size = numel(e.getValue().shape()) * 4;
            node.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = mapper.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            raf.write(header);
            raf.setLength(8L + padded + offset);
        }
        return file;
    }

    private static Map<String, Integer> countByPrefix(Set<String> keys, Set<String> prefixes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String p : prefixes) counts.put(p, 0);
        for (String k : keys) {
            List<String> hits = prefixes.stream().filter(k::startsWith).toList();
            assertEquals(1, hits.size(), "one table prefix holds " + k);
            counts.merge(hits.get(0), 1, Integer::sum);
        }
        return counts;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void tinyHuggingFaceFileRoundTripsEveryOfficialParameter(@TempDir Path dir) throws Exception {
        FixtureSet set = fixture("tiny");
        Map<String, long[]> params = set.paramShapes();
        SyntheticWeights syn = SyntheticWeights.of(params);
        Map<String, HfTensor> hf = toHf(params, syn);
        assertEquals(expectedCounts(set), countByPrefix(hf.keySet(), expectedCounts(set).keySet()));

        List<StoredTensor> tensors = new ArrayList<>();
        hf.forEach((name, t) -> tensors.add(StoredTensor.ofFloats(name, t.shape(), t.values().get())));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        tensors.clear();

        Set<String> read = new TreeSet<>();
        int checked = 0;
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            assertTrue(w.isHuggingFaceLayout());
            for (Map.Entry<String, long[]> e : params.entrySet()) {
                String name = e.getKey();
                if (dropped(name)) {
                    assertFalse(w.contains(name), name);
                    WeightLoadingException x = assertThrows(WeightLoadingException.class, () -> w.floats(name));
                    assertTrue(x.getMessage().contains("missing parameter '" + name + "'"), x.getMessage());
                    continue;
                }
                assertTrue(w.contains(name), name);
                assertArrayEquals(e.getValue(), w.shape(name), name);
                float[] expected = syn.floats(name);
                if (name.equals("detector.backbone.vision_backbone.trunk.pos_embed")) {
                    Arrays.fill(expected, 0, (int) e.getValue()[2], 0f); // the CLS row is not in the HF file
                }
                assertArrayEquals(expected, w.floats(name), name);
                read.addAll(HfKeyMapping.source(name).hfNames());
                checked++;
            }
            // every HF tensor is read by some parameter, except HF's duplicate of the Fourier matrix
            Set<String> unread = new TreeSet<>(w.fileKeys());
            unread.removeAll(read);
            assertEquals(HfKeyMapping.HF_ONLY_KEYS, unread);
        }
        assertEquals(params.size() - 6, checked, "all but the 6 geometry point-branch tensors");
    }

    @Test
    void fullConfigMapsEveryOfficialNameWithItsShape(@TempDir Path dir) throws Exception {
        FixtureSet set = fixture("full");
        Map<String, long[]> params = set.paramShapes();
        Map<String, HfTensor> hf = toHf(params, SyntheticWeights.of(params));
        Map<String, Integer> counts = countByPrefix(hf.keySet(), expectedCounts(set).keySet());
        assertEquals(expectedCounts(set), counts);
        assertEquals(new TreeMap<>(RELEASED_TABLE), new TreeMap<>(counts), "spec §5.2 table");
        // param_shapes (1433) = the released checkpoint's tensors (no freqs_cis buffers in the fixtures), so the
        // HF count follows exactly: +4 per split attention (93), -6 point-branch, -3 point embeddings stacked, +1 copy
        assertEquals(1433, params.size());
        assertEquals(1433 + 4 * 93 - 6 - 3 + 1, hf.size());
        assertEquals(1797, hf.size());

        // a header-only file (sparse: ~3.4 GB of holes) exercises open/contains/shape without writing data
        writeHeaderOnly(dir.resolve("model.safetensors"), hf);
        Set<String> read = new TreeSet<>();
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            assertEquals(1797, w.fileKeys().size());
            for (Map.Entry<String, long[]> e : params.entrySet()) {
                String name = e.getKey();
                if (dropped(name)) {
                    assertNull(HfKeyMapping.source(name), name);
                    assertFalse(w.contains(name), name);
                    continue;
                }
                assertTrue(w.contains(name), name);
                assertArrayEquals(e.getValue(), w.shape(name), name);
                read.addAll(HfKeyMapping.source(name).hfNames());
            }
            Set<String> unread = new TreeSet<>(w.fileKeys());
            unread.removeAll(read);
            assertEquals(HfKeyMapping.HF_ONLY_KEYS, unread);
        }
    }

    @Test
    void transformsOfTheMapping() {
        HfKeyMapping.Source text = HfKeyMapping.source("detector.backbone.language_backbone.encoder.text_projection");
        assertEquals(HfKeyMapping.Kind.TRANSPOSE, text.kind());
        assertEquals(List.of("detector_model.text_encoder.text_projection.weight"), text.hfNames());

        HfKeyMapping.Source point = HfKeyMapping.source("tracker.sam_prompt_encoder.point_embeddings.2.weight");
        assertEquals(HfKeyMapping.Kind.ROW, point.kind());
        assertEquals(2, point.amount());
        assertEquals(List.of("tracker_model.prompt_encoder.point_embed.weight"), point.hfNames());

        HfKeyMapping.Source inProj = HfKeyMapping.source("detector.transformer.decoder.layers.3.ca_text.in_proj_bias");
        assertEquals(HfKeyMapping.Kind.CONCAT, inProj.kind());
        assertEquals(List.of("detector_model.detr_decoder.layers.3.text_cross_attn.q_proj.bias",
                "detector_model.detr_decoder.layers.3.text_cross_attn.k_proj.bias",
                "detector_model.detr_decoder.layers.3.text_cross_attn.v_proj.bias"), inProj.hfNames());

        // CLIP keeps out_proj; every other attention's output projection is o_proj
        assertEquals(List.of("detector_model.text_encoder.text_model.encoder.layers.0.self_attn.out_proj.weight"),
                HfKeyMapping.source("detector.backbone.language_backbone.encoder.transformer.resblocks.0.attn.out_proj.weight").hfNames());
        assertEquals(List.of("tracker_model.memory_attention.layers.1.cross_attn_image.o_proj.bias"),
                HfKeyMapping.source("tracker.transformer.encoder.layers.1.cross_attn_image.out_proj.bias").hfNames());

        assertNull(HfKeyMapping.source("detector.geometry_encoder.points_direct_project.weight"));
        assertNull(HfKeyMapping.source("detector.backbone.vision_backbone.trunk.blocks.0.attn.freqs_cis"));
        assertNull(HfKeyMapping.source("detector.nonexistent.weight"));
        assertNotNull(HfKeyMapping.source("detector.backbone.vision_backbone.trunk.blocks.31.attn.qkv.weight"));
    }

    @Test
    void transposeAndRowAreReadBack(@TempDir Path dir) throws Exception {
        float[] proj = {1, 2, 3, 4, 5, 6}; // HF [2, 3]
        float[] points = {10, 11, 20, 21, 30, 31, 40, 41}; // HF [4, 2]
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                StoredTensor.ofFloats("detector_model.text_encoder.text_projection.weight", new long[] {2, 3}, proj),
                StoredTensor.ofFloats("tracker_model.prompt_encoder.point_embed.weight", new long[] {4, 2}, points)), Map.of());
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            String text = "detector.backbone.language_backbone.encoder.text_projection";
            assertArrayEquals(new long[] {3, 2}, w.shape(text));
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, w.floats(text));
            for (int i = 0; i < 4; i++) {
                String p = "tracker.sam_prompt_encoder.point_embeddings." + i + ".weight";
                assertTrue(w.contains(p), p);
                assertArrayEquals(new long[] {1, 2}, w.shape(p));
                assertArrayEquals(new float[] {10 * (i + 1), 10 * (i + 1) + 1}, w.floats(p));
            }
            String fifth = "tracker.sam_prompt_encoder.point_embeddings.4.weight";
            assertFalse(w.contains(fifth));
            assertThrows(WeightLoadingException.class, () -> w.shape(fifth));
        }
    }

    @Test
    void splitProjectionsOfDifferentWidthsAreRefused(@TempDir Path dir) throws Exception {
        String hf = "detector_model.detr_encoder.layers.0.self_attn.";
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                StoredTensor.ofFloats(hf + "q_proj.weight", new long[] {2, 4}, new float[8]),
                StoredTensor.ofFloats(hf + "k_proj.weight", new long[] {2, 4}, new float[8]),
                StoredTensor.ofFloats(hf + "v_proj.weight", new long[] {2, 3}, new float[6])), Map.of());
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            String name = "detector.transformer.encoder.layers.0.self_attn.in_proj_weight";
            assertTrue(w.contains(name));
            WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> w.floats(name));
            assertTrue(e.getMessage().contains("cannot build parameter '" + name + "'"), e.getMessage());
        }
    }

    @Test
    void unknownKeyUnderAKnownPrefixIsUnexpected(@TempDir Path dir) throws Exception {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                StoredTensor.ofFloats("detector_model.detr_decoder.output_layer_norm.weight", new long[] {2}, new float[2]),
                StoredTensor.ofFloats("tracker_model.shared_image_embedding.positional_embedding", new long[] {2, 1}, new float[2]),
                StoredTensor.ofFloats("detector_model.detr_decoder.layers.0.bogus.weight", new long[] {2}, new float[2]),
                StoredTensor.ofFloats("tracker_model.prompt_encoder.point_embeddings.0.weight", new long[] {1, 2}, new float[2])),
                Map.of());
        WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> CheckpointWeights.open(dir));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected key 'detector_model.detr_decoder.layers.0.bogus.weight'"), e.getMessage());
        // the official name under its HF prefix is not the HF layout either (HF stacks them into point_embed.weight)
        assertTrue(e.getMessage().contains("unexpected key 'tracker_model.prompt_encoder.point_embeddings.0.weight'"), e.getMessage());
        assertFalse(e.getMessage().contains("shared_image_embedding"), e.getMessage());
    }

    @Test
    void everyHfNameOfTheMappingIsAKnownHfKey() throws Exception {
        for (String name : fixture("full").paramShapes().keySet()) {
            HfKeyMapping.Source s = HfKeyMapping.source(name);
            if (s == null) {
                assertTrue(dropped(name), "no HF source only for dropped parameters: " + name);
                continue;
            }
            for (String h : s.hfNames()) assertTrue(HfKeyMapping.isKnownHfKey(h), h);
        }
        assertFalse(HfKeyMapping.isKnownHfKey("detector_model.vision_encoder.backbone.layers.0.attention.qkv.weight"));
        assertFalse(HfKeyMapping.isKnownHfKey("detector_model.text_encoder.text_model.encoder.layers.0.self_attn.o_proj.weight"));
    }
}
