package org.sam3j.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the Hugging Face {@code model.safetensors} layout ({@code Sam3VideoModel}, spec §5.2) stores each
 * internal (official {@code sam3.pt}) parameter. Each rule pairs an internal name template with the HF
 * name template(s) it comes from and a {@link Kind} saying how the HF tensors are turned back into the
 * internal one (spec §5.4):
 * <ul>
 *   <li>{@link Kind#RENAME}: one HF tensor, same shape;</li>
 *   <li>{@link Kind#CONCAT}: several HF tensors concatenated along the first axis (fused {@code qkv} and
 *       {@code in_proj_*} projections, which HF splits into {@code q_proj}, {@code k_proj}, {@code v_proj});</li>
 *   <li>{@link Kind#PAD_ROWS}: one HF tensor with leading zero rows on its second-to-last axis (the ViT
 *       position embedding, whose CLS row HF drops);</li>
 *   <li>{@link Kind#TRANSPOSE}: the transpose of one 2-D HF tensor (the CLIP {@code text_projection});</li>
 *   <li>{@link Kind#ROW}: one row (first-axis index, kept as a dimension of 1) of one HF tensor (the four
 *       prompt-encoder point embeddings, which HF stacks into {@code point_embed.weight}).</li>
 * </ul>
 *
 * <p>Templates are literal text with placeholders: {@code {n}} and {@code {m}} match a decimal index,
 * {@code {p}} matches {@code weight} or {@code bias}, {@code {qkv}} matches {@code q_proj}, {@code k_proj}
 * or {@code v_proj}. A placeholder matched in the internal name is substituted into the HF template; the
 * same templates, read the other way, tell which HF keys the layout may hold ({@link #isKnownHfKey}).
 *
 * <p>Official parameters HF drops have no rule, so a graph that asks for them gets a "missing parameter"
 * error: the geometry encoder's point branch ({@code detector.geometry_encoder.points_*}; PCS never uses
 * it) and the ViT {@code freqs_cis} RoPE buffers (recomputed, never read from a checkpoint).
 */
final class HfKeyMapping {
    /** How HF tensors become an internal parameter. */
    enum Kind { RENAME, CONCAT, PAD_ROWS, TRANSPOSE, ROW }

    /**
     * One internal parameter's source in the HF file.
     *
     * @param hfNames the HF tensors read (several only for {@link Kind#CONCAT})
     * @param kind    how they are combined
     * @param amount  the zero rows prepended ({@link Kind#PAD_ROWS}) or the row taken ({@link Kind#ROW}); else 0
     */
    record Source(List<String> hfNames, Kind kind, int amount) {}

    private static final Map<String, String> PLACEHOLDERS =
            Map.of("n", "\\d+", "m", "\\d+", "p", "weight|bias", "qkv", "q_proj|k_proj|v_proj");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)\\}");

    /** One rule: internal template, HF templates, how to combine, and the amount or index placeholder. */
    private record Rule(Pattern internal, List<String> hf, List<Pattern> hfPatterns, List<String> hfLiteralPrefixes,
            Kind kind, int amount, String rowGroup) {}

    private static final List<Rule> RULES = new ArrayList<>();

    /** Top-level prefixes of a SAM 3 HF checkpoint. */
    static final List<String> KNOWN_PREFIXES = List.of("detector_model.", "tracker_neck.", "tracker_model.");

    /**
     * HF keys that no internal parameter is read from: {@code Sam3VideoModel} keeps a second copy of the
     * prompt encoder's random-Fourier matrix (the convert script writes the same tensor under both names).
     */
    static final Set<String> HF_ONLY_KEYS = Set.of("tracker_model.shared_image_embedding.positional_embedding");

    // internal (official) prefixes
    private static final String VIT = "detector.backbone.vision_backbone.trunk.";
    private static final String TEXT = "detector.backbone.language_backbone.encoder.";
    private static final String GEO = "detector.geometry_encoder.";
    private static final String ENC = "detector.transformer.encoder.layers.{n}.";
    private static final String DEC = "detector.transformer.decoder.";
    private static final String SCORE = "detector.dot_prod_scoring.";
    private static final String SEG = "detector.segmentation_head.";
    private static final String PROMPT = "tracker.sam_prompt_encoder.";
    private static final String MASK = "tracker.sam_mask_decoder.";
    private static final String MEMATT = "tracker.transformer.encoder.";
    private static final String MEMENC = "tracker.maskmem_backbone.";
    // HF prefixes
    private static final String H_VIT = "detector_model.vision_encoder.backbone.";
    private static final String H_TEXT = "detector_model.text_encoder.";
    private static final String H_GEO = "detector_model.geometry_encoder.";
    private static final String H_ENC = "detector_model.detr_encoder.layers.{n}.";
    private static final String H_DEC = "detector_model.detr_decoder.";
    private static final String H_SCORE = "detector_model.dot_product_scoring.";
    private static final String H_SEG = "detector_model.mask_decoder.";
    private static final String H_TRK = "tracker_model.";
    private static final String H_PROMPT = "tracker_model.prompt_encoder.";
    private static final String H_MASK = "tracker_model.mask_decoder.";
    private static final String H_MEMATT = "tracker_model.memory_attention.";
    private static final String H_MEMENC = "tracker_model.memory_encoder.";

    static {
        // --- vision trunk (ViT) ---
        rename(VIT + "patch_embed.proj.weight", H_VIT + "embeddings.patch_embeddings.projection.weight");
        add(VIT + "pos_embed", List.of(H_VIT + "embeddings.position_embeddings"), Kind.PAD_ROWS, 1, null); // CLS row
        rename(VIT + "ln_pre.{p}", H_VIT + "layer_norm.{p}");
        rename(VIT + "blocks.{n}.norm1.{p}", H_VIT + "layers.{n}.layer_norm1.{p}");
        rename(VIT + "blocks.{n}.norm2.{p}", H_VIT + "layers.{n}.layer_norm2.{p}");
        concat(VIT + "blocks.{n}.attn.qkv.{p}", H_VIT + "layers.{n}.attention.q_proj.{p}",
                H_VIT + "layers.{n}.attention.k_proj.{p}", H_VIT + "layers.{n}.attention.v_proj.{p}");
        rename(VIT + "blocks.{n}.attn.proj.{p}", H_VIT + "layers.{n}.attention.o_proj.{p}");
        rename(VIT + "blocks.{n}.mlp.fc1.{p}", H_VIT + "layers.{n}.mlp.fc1.{p}");
        rename(VIT + "blocks.{n}.mlp.fc2.{p}", H_VIT + "layers.{n}.mlp.fc2.{p}");

        // --- necks: detector (convs) and tracker (sam2_convs) ---
        neck("convs", "detector_model.vision_encoder.neck.fpn_layers.");
        neck("sam2_convs", "tracker_neck.fpn_layers.");

        // --- text encoder (CLIP text model) and resizer ---
        rename(TEXT + "token_embedding.weight", H_TEXT + "text_model.embeddings.token_embedding.weight");
        rename(TEXT + "positional_embedding", H_TEXT + "text_model.embeddings.position_embedding.weight");
        mha(TEXT + "transformer.resblocks.{n}.attn.", H_TEXT + "text_model.encoder.layers.{n}.self_attn.", "out_proj");
        rename(TEXT + "transformer.resblocks.{n}.ln_1.{p}", H_TEXT + "text_model.encoder.layers.{n}.layer_norm1.{p}");
        rename(TEXT + "transformer.resblocks.{n}.ln_2.{p}", H_TEXT + "text_model.encoder.layers.{n}.layer_norm2.{p}");
        rename(TEXT + "transformer.resblocks.{n}.mlp.c_fc.{p}", H_TEXT + "text_model.encoder.layers.{n}.mlp.fc1.{p}");
        rename(TEXT + "transformer.resblocks.{n}.mlp.c_proj.{p}", H_TEXT + "text_model.encoder.layers.{n}.mlp.fc2.{p}");
        rename(TEXT + "ln_final.{p}", H_TEXT + "text_model.final_layer_norm.{p}");
        add(TEXT + "text_projection", List.of(H_TEXT + "text_projection.weight"), Kind.TRANSPOSE, 0, null); // [512,1024] in HF
        rename("detector.backbone.language_backbone.resizer.{p}", "detector_model.text_projection.{p}");

        // --- geometry encoder (points_* dropped by HF: no rule) ---
        rename(GEO + "label_embed.weight", H_GEO + "label_embed.weight");
        rename(GEO + "cls_embed.weight", H_GEO + "cls_embed.weight");
        rename(GEO + "boxes_direct_project.{p}", H_GEO + "boxes_direct_project.{p}");
        rename(GEO + "boxes_pool_project.{p}", H_GEO + "boxes_pool_project.{p}");
        rename(GEO + "boxes_pos_enc_project.{p}", H_GEO + "boxes_pos_enc_project.{p}");
        rename(GEO + "final_proj.{p}", H_GEO + "final_proj.{p}");
        rename(GEO + "img_pre_norm.{p}", H_GEO + "vision_layer_norm.{p}");
        rename(GEO + "norm.{p}", H_GEO + "prompt_layer_norm.{p}");
        rename(GEO + "encode_norm.{p}", H_GEO + "output_layer_norm.{p}");
        mha(GEO + "encode.{n}.self_attn.", H_GEO + "layers.{n}.self_attn.", "o_proj");
        mha(GEO + "encode.{n}.cross_attn_image.", H_GEO + "layers.{n}.cross_attn.", "o_proj");
        rename(GEO + "encode.{n}.linear1.{p}", H_GEO + "layers.{n}.mlp.fc1.{p}");
        rename(GEO + "encode.{n}.linear2.{p}", H_GEO + "layers.{n}.mlp.fc2.{p}");
        rename(GEO + "encode.{n}.norm{m}.{p}", H_GEO + "layers.{n}.layer_norm{m}.{p}");

        // --- fusion encoder (transformer.encoder -> detr_encoder) ---
        mha(ENC + "self_attn.", H_ENC + "self_attn.", "o_proj");
        mha(ENC + "cross_attn_image.", H_ENC + "cross_attn.", "o_proj");
        rename(ENC + "linear1.{p}", H_ENC + "mlp.fc1.{p}");
        rename(ENC + "linear2.{p}", H_ENC + "mlp.fc2.{p}");
        rename(ENC + "norm{m}.{p}", H_ENC + "layer_norm{m}.{p}");

        // --- DETR decoder ---
        mha(DEC + "layers.{n}.self_attn.", H_DEC + "layers.{n}.self_attn.", "o_proj");
        mha(DEC + "layers.{n}.ca_text.", H_DEC + "layers.{n}.text_cross_attn.", "o_proj");
        mha(DEC + "layers.{n}.cross_attn.", H_DEC + "layers.{n}.vision_cross_attn.", "o_proj");
        rename(DEC + "layers.{n}.linear1.{p}", H_DEC + "layers.{n}.mlp.fc1.{p}");
        rename(DEC + "layers.{n}.linear2.{p}", H_DEC + "layers.{n}.mlp.fc2.{p}");
        rename(DEC + "layers.{n}.norm1.{p}", H_DEC + "layers.{n}.vision_cross_attn_layer_norm.{p}");
        rename(DEC + "layers.{n}.catext_norm.{p}", H_DEC + "layers.{n}.text_cross_attn_layer_norm.{p}");
        rename(DEC + "layers.{n}.norm2.{p}", H_DEC + "layers.{n}.self_attn_layer_norm.{p}");
        rename(DEC + "layers.{n}.norm3.{p}", H_DEC + "layers.{n}.mlp_layer_norm.{p}");
        rename(DEC + "norm.{p}", H_DEC + "output_layer_norm.{p}");
        rename(DEC + "query_embed.weight", H_DEC + "query_embed.weight");
        rename(DEC + "reference_points.weight", H_DEC + "reference_points.weight");
        rename(DEC + "presence_token.weight", H_DEC + "presence_token.weight");
        rename(DEC + "presence_token_out_norm.{p}", H_DEC + "presence_layer_norm.{p}");
        numberedMlp(DEC + "bbox_embed.", H_DEC + "box_head.", 3);
        numberedMlp(DEC + "presence_token_head.", H_DEC + "presence_head.", 3);
        numberedMlp(DEC + "ref_point_head.", H_DEC + "ref_point_head.", 2);
        numberedMlp(DEC + "boxRPB_embed_x.", H_DEC + "box_rpb_embed_x.", 2);
        numberedMlp(DEC + "boxRPB_embed_y.", H_DEC + "box_rpb_embed_y.", 2);

        // --- dot-product scoring ---
        numberedMlp(SCORE + "prompt_mlp.", H_SCORE + "text_mlp.", 2);
        rename(SCORE + "prompt_mlp.out_norm.{p}", H_SCORE + "text_mlp_out_norm.{p}");
        rename(SCORE + "prompt_proj.{p}", H_SCORE + "text_proj.{p}");
        rename(SCORE + "hs_proj.{p}", H_SCORE + "query_proj.{p}");

        // --- segmentation head ---
        rename(SEG + "pixel_decoder.conv_layers.{n}.{p}", H_SEG + "pixel_decoder.conv_layers.{n}.{p}");
        rename(SEG + "pixel_decoder.norms.{n}.{p}", H_SEG + "pixel_decoder.norms.{n}.{p}");
        rename(SEG + "mask_predictor.mask_embed.layers.{n}.{p}", H_SEG + "mask_embedder.layers.{n}.{p}");
        mha(SEG + "cross_attend_prompt.", H_SEG + "prompt_cross_attn.", "o_proj");
        rename(SEG + "cross_attn_norm.{p}", H_SEG + "prompt_cross_attn_norm.{p}");
        rename(SEG + "instance_seg_head.{p}", H_SEG + "instance_projection.{p}");
        rename(SEG + "semantic_seg_head.{p}", H_SEG + "semantic_projection.{p}");

        // --- tracker: top-level embeddings and heads ---
        rename("tracker.maskmem_tpos_enc", H_TRK + "memory_temporal_positional_encoding");
        rename("tracker.no_mem_embed", H_TRK + "no_memory_embedding");
        rename("tracker.no_mem_pos_enc", H_TRK + "no_memory_positional_encoding");
        rename("tracker.no_obj_ptr", H_TRK + "no_object_pointer");
        rename("tracker.no_obj_embed_spatial", H_TRK + "occlusion_spatial_embedding_parameter");
        rename("tracker.mask_downsample.{p}", H_TRK + "mask_downsample.{p}");
        samMlp("tracker.obj_ptr_proj.", H_TRK + "object_pointer_proj.");
        rename("tracker.obj_ptr_tpos_proj.{p}", H_TRK + "temporal_positional_encoding_projection_layer.{p}");

        // --- tracker: SAM prompt encoder ---
        rename(PROMPT + "pe_layer.positional_encoding_gaussian_matrix", H_PROMPT + "shared_embedding.positional_embedding");
        add(PROMPT + "point_embeddings.{n}.weight", List.of(H_PROMPT + "point_embed.weight"), Kind.ROW, 0, "n"); // [4,256]
        rename(PROMPT + "not_a_point_embed.weight", H_PROMPT + "not_a_point_embed.weight");
        rename(PROMPT + "no_mask_embed.weight", H_PROMPT + "no_mask_embed.weight");
        rename(PROMPT + "mask_downscaling.0.{p}", H_PROMPT + "mask_embed.conv1.{p}");
        rename(PROMPT + "mask_downscaling.1.{p}", H_PROMPT + "mask_embed.layer_norm1.{p}");
        rename(PROMPT + "mask_downscaling.3.{p}", H_PROMPT + "mask_embed.conv2.{p}");
        rename(PROMPT + "mask_downscaling.4.{p}", H_PROMPT + "mask_embed.layer_norm2.{p}");
        rename(PROMPT + "mask_downscaling.6.{p}", H_PROMPT + "mask_embed.conv3.{p}");

        // --- tracker: SAM mask decoder (two-way transformer and heads) ---
        rename(MASK + "iou_token.weight", H_MASK + "iou_token.weight");
        rename(MASK + "mask_tokens.weight", H_MASK + "mask_tokens.weight");
        rename(MASK + "obj_score_token.weight", H_MASK + "obj_score_token.weight");
        rename(MASK + "conv_s0.{p}", H_MASK + "conv_s0.{p}");
        rename(MASK + "conv_s1.{p}", H_MASK + "conv_s1.{p}");
        rename(MASK + "output_upscaling.0.{p}", H_MASK + "upscale_conv1.{p}");
        rename(MASK + "output_upscaling.1.{p}", H_MASK + "upscale_layer_norm.{p}");
        rename(MASK + "output_upscaling.3.{p}", H_MASK + "upscale_conv2.{p}");
        samMlp(MASK + "output_hypernetworks_mlps.{n}.", H_MASK + "output_hypernetworks_mlps.{n}.");
        samMlp(MASK + "iou_prediction_head.", H_MASK + "iou_prediction_head.");
        samMlp(MASK + "pred_obj_score_head.", H_MASK + "pred_obj_score_head.");
        splitAttention(MASK + "transformer.layers.{n}.self_attn.", H_MASK + "transformer.layers.{n}.self_attn.");
        splitAttention(MASK + "transformer.layers.{n}.cross_attn_token_to_image.",
                H_MASK + "transformer.layers.{n}.cross_attn_token_to_image.");
        splitAttention(MASK + "transformer.layers.{n}.cross_attn_image_to_token.",
                H_MASK + "transformer.layers.{n}.cross_attn_image_to_token.");
        rename(MASK + "transformer.layers.{n}.norm{m}.{p}", H_MASK + "transformer.layers.{n}.layer_norm{m}.{p}");
        rename(MASK + "transformer.layers.{n}.mlp.lin1.{p}", H_MASK + "transformer.layers.{n}.mlp.proj_in.{p}");
        rename(MASK + "transformer.layers.{n}.mlp.lin2.{p}", H_MASK + "transformer.layers.{n}.mlp.proj_out.{p}");
        splitAttention(MASK + "transformer.final_attn_token_to_image.", H_MASK + "transformer.final_attn_token_to_image.");
        rename(MASK + "transformer.norm_final_attn.{p}", H_MASK + "transformer.layer_norm_final_attn.{p}");

        // --- tracker: memory attention (transformer.encoder -> memory_attention) ---
        splitAttention(MEMATT + "layers.{n}.self_attn.", H_MEMATT + "layers.{n}.self_attn.");
        splitAttention(MEMATT + "layers.{n}.cross_attn_image.", H_MEMATT + "layers.{n}.cross_attn_image.");
        rename(MEMATT + "layers.{n}.linear1.{p}", H_MEMATT + "layers.{n}.linear1.{p}");
        rename(MEMATT + "layers.{n}.linear2.{p}", H_MEMATT + "layers.{n}.linear2.{p}");
        rename(MEMATT + "layers.{n}.norm{m}.{p}", H_MEMATT + "layers.{n}.layer_norm{m}.{p}");
        rename(MEMATT + "norm.{p}", H_MEMATT + "layer_norm.{p}");

        // --- tracker: memory encoder (maskmem_backbone -> memory_encoder) ---
        // mask_downsampler.encoder is a Sequential of [conv, LayerNorm2d, GELU] x4 + conv: 0,1 / 3,4 / 6,7 / 9,10 / 12
        for (int stage = 0; stage < 4; stage++) {
            rename(MEMENC + "mask_downsampler.encoder." + (3 * stage) + ".{p}",
                    H_MEMENC + "mask_downsampler.layers." + stage + ".conv.{p}");
            rename(MEMENC + "mask_downsampler.encoder." + (3 * stage + 1) + ".{p}",
                    H_MEMENC + "mask_downsampler.layers." + stage + ".layer_norm.{p}");
        }
        rename(MEMENC + "mask_downsampler.encoder.12.{p}", H_MEMENC + "mask_downsampler.final_conv.{p}");
        rename(MEMENC + "pix_feat_proj.{p}", H_MEMENC + "feature_projection.{p}");
        rename(MEMENC + "fuser.layers.{n}.dwconv.{p}", H_MEMENC + "memory_fuser.layers.{n}.depthwise_conv.{p}");
        rename(MEMENC + "fuser.layers.{n}.norm.{p}", H_MEMENC + "memory_fuser.layers.{n}.layer_norm.{p}");
        rename(MEMENC + "fuser.layers.{n}.pwconv1.{p}", H_MEMENC + "memory_fuser.layers.{n}.pointwise_conv1.{p}");
        rename(MEMENC + "fuser.layers.{n}.pwconv2.{p}", H_MEMENC + "memory_fuser.layers.{n}.pointwise_conv2.{p}");
        rename(MEMENC + "fuser.layers.{n}.gamma", H_MEMENC + "memory_fuser.layers.{n}.scale");
        rename(MEMENC + "out_proj.{p}", H_MEMENC + "projection.{p}");
    }

    /** A SimpleFPN neck: level 0 has two transposed convs (HF scale_layers 0 and 2; 1 is the GELU). */
    private static void neck(String name, String hf) {
        String p = "detector.backbone.vision_backbone." + name + ".";
        rename(p + "{n}.dconv_2x2_0.{p}", hf + "{n}.scale_layers.0.{p}");
        rename(p + "{n}.dconv_2x2_1.{p}", hf + "{n}.scale_layers.2.{p}");
        rename(p + "{n}.dconv_2x2.{p}", hf + "{n}.scale_layers.0.{p}");
        rename(p + "{n}.conv_1x1.{p}", hf + "{n}.proj1.{p}");
        rename(p + "{n}.conv_3x3.{p}", hf + "{n}.proj2.{p}");
    }

    /** An {@code nn.MultiheadAttention}: packed in_proj split into q/k/v; out_proj renamed to {@code out}. */
    private static void mha(String internal, String hf, String out) {
        concat(internal + "in_proj_weight", hf + "q_proj.weight", hf + "k_proj.weight", hf + "v_proj.weight");
        concat(internal + "in_proj_bias", hf + "q_proj.bias", hf + "k_proj.bias", hf + "v_proj.bias");
        rename(internal + "out_proj.{p}", hf + out + ".{p}");
    }

    /** A SAM-style attention with separate projections: q/k/v kept, out_proj renamed to o_proj. */
    private static void splitAttention(String internal, String hf) {
        rename(internal + "{qkv}.{p}", hf + "{qkv}.{p}");
        rename(internal + "out_proj.{p}", hf + "o_proj.{p}");
    }

    /** A detector {@code MLP}: {@code layers.i} becomes {@code layer(i+1)}. */
    private static void numberedMlp(String internal, String hf, int layers) {
        for (int i = 0; i < layers; i++) rename(internal + "layers." + i + ".{p}", hf + "layer" + (i + 1) + ".{p}");
    }

    /** A 3-layer SAM {@code MLP}: {@code layers.0/1/2} become {@code proj_in/layers.0/proj_out}. */
    private static void samMlp(String internal, String hf) {
        rename(internal + "layers.0.{p}", hf + "proj_in.{p}");
        rename(internal + "layers.1.{p}", hf + "layers.0.{p}");
        rename(internal + "layers.2.{p}", hf + "proj_out.{p}");
    }

    private static void rename(String internal, String hf) {
        add(internal, List.of(hf), Kind.RENAME, 0, null);
    }

    private static void concat(String internal, String... hf) {
        add(internal, List.of(hf), Kind.CONCAT, 0, null);
    }

    private static void add(String internal, List<String> hf, Kind kind, int amount, String rowGroup) {
        List<Pattern> patterns = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (String h : hf) {
            patterns.add(compile(h));
            int brace = h.indexOf('{');
            prefixes.add(brace < 0 ? h : h.substring(0, brace));
        }
        RULES.add(new Rule(compile(internal), List.copyOf(hf), List.copyOf(patterns), List.copyOf(prefixes), kind, amount,
                rowGroup));
    }

    /** A template as a regex: literal text quoted, each placeholder a named group. */
    private static Pattern compile(String template) {
        StringBuilder re = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        while (m.find()) {
            String alternatives = PLACEHOLDERS.get(m.group(1));
            if (alternatives == null) throw new IllegalStateException("unknown placeholder in " + template);
            re.append(Pattern.quote(template.substring(last, m.start())));
            re.append("(?<").append(m.group(1)).append('>').append(alternatives).append(')');
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(re.toString());
    }

    private HfKeyMapping() {}

    /** Whether a key set looks like the HF layout. */
    static boolean isHfLayout(Set<String> keys) {
        return keys.stream().anyMatch(k -> KNOWN_PREFIXES.stream().anyMatch(k::startsWith));
    }

    /** Where an internal parameter comes from, or null if no rule covers it (e.g. weights HF drops). */
    static Source source(String internal) {
        for (Rule r : RULES) {
            Matcher m = r.internal.matcher(internal);
            if (m.matches()) {
                List<String> resolved = new ArrayList<>();
                for (String h : r.hf) resolved.add(substitute(h, m));
                int amount = r.rowGroup == null ? r.amount : Integer.parseInt(m.group(r.rowGroup));
                return new Source(List.copyOf(resolved), r.kind, amount);
            }
        }
        return null;
    }

    /** Whether an HF key is one the layout holds: the source of some rule, or a known HF-only duplicate. */
    static boolean isKnownHfKey(String hfKey) {
        if (HF_ONLY_KEYS.contains(hfKey)) return true;
        for (Rule r : RULES) {
            for (int i = 0; i < r.hfPatterns.size(); i++) {
                if (hfKey.startsWith(r.hfLiteralPrefixes.get(i)) && r.hfPatterns.get(i).matcher(hfKey).matches()) return true;
            }
        }
        return false;
    }

    private static String substitute(String template, Matcher m) {
        Matcher p = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (p.find()) p.appendReplacement(sb, Matcher.quoteReplacement(m.group(p.group(1))));
        p.appendTail(sb);
        return sb.toString();
    }
}
