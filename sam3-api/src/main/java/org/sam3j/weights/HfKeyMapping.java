package org.sam3j.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the Hugging Face {@code model.safetensors} layout stores each internal (official {@code sam3.pt})
 * parameter: one HF tensor under another name, several concatenated along the first axis (fused
 * {@code qkv} projections), or one padded with leading zero rows (the ViT position embedding, whose
 * CLS row HF drops). Parts of the model not built yet have no rule; their keys count as known but unused.
 */
final class HfKeyMapping {
    /** One internal parameter's source in the HF file. */
    record Source(List<String> hfNames, int padRows) {}

    private record Rule(Pattern internal, String[] hf, int padRows) {}

    private static final String VIT = "detector\\.backbone\\.vision_backbone\\.trunk\\.";
    private static final String HF_VIT = "detector_model.vision_encoder.backbone.";
    private static final List<Rule> RULES = new ArrayList<>();

    static {
        rule(VIT + "patch_embed\\.proj\\.weight", HF_VIT + "embeddings.patch_embeddings.projection.weight");
        RULES.add(new Rule(Pattern.compile(VIT + "pos_embed"), new String[] {HF_VIT + "embeddings.position_embeddings"}, 1));
        rule(VIT + "ln_pre\\.(weight|bias)", HF_VIT + "layer_norm.$1");
        rule(VIT + "blocks\\.(\\d+)\\.norm1\\.(weight|bias)", HF_VIT + "layers.$1.layer_norm1.$2");
        rule(VIT + "blocks\\.(\\d+)\\.norm2\\.(weight|bias)", HF_VIT + "layers.$1.layer_norm2.$2");
        rule(VIT + "blocks\\.(\\d+)\\.attn\\.qkv\\.(weight|bias)", HF_VIT + "layers.$1.attention.q_proj.$2",
                HF_VIT + "layers.$1.attention.k_proj.$2", HF_VIT + "layers.$1.attention.v_proj.$2");
        rule(VIT + "blocks\\.(\\d+)\\.attn\\.proj\\.(weight|bias)", HF_VIT + "layers.$1.attention.o_proj.$2");
        rule(VIT + "blocks\\.(\\d+)\\.mlp\\.(fc1|fc2)\\.(weight|bias)", HF_VIT + "layers.$1.mlp.$2.$3");
        neck("convs", "detector_model.vision_encoder.neck.fpn_layers.");
        neck("sam2_convs", "tracker_neck.fpn_layers.");
        rule("tracker\\.sam_mask_decoder\\.(conv_s0|conv_s1)\\.(weight|bias)", "tracker_model.mask_decoder.$1.$2");
    }

    private static void neck(String name, String hf) {
        String p = "detector\\.backbone\\.vision_backbone\\." + name + "\\.";
        rule(p + "0\\.dconv_2x2_0\\.(weight|bias)", hf + "0.scale_layers.0.$1");
        rule(p + "0\\.dconv_2x2_1\\.(weight|bias)", hf + "0.scale_layers.2.$1");
        rule(p + "1\\.dconv_2x2\\.(weight|bias)", hf + "1.scale_layers.0.$1");
        rule(p + "(\\d)\\.conv_1x1\\.(weight|bias)", hf + "$1.proj1.$2");
        rule(p + "(\\d)\\.conv_3x3\\.(weight|bias)", hf + "$1.proj2.$2");
    }

    private static void rule(String internal, String... hf) {
        RULES.add(new Rule(Pattern.compile(internal), hf, 0));
    }

    /** Top-level prefixes of a SAM 3 HF checkpoint. */
    static final List<String> KNOWN_PREFIXES = List.of("detector_model.", "tracker_neck.", "tracker_model.");

    private HfKeyMapping() {}

    /** Whether a key set looks like the HF layout. */
    static boolean isHfLayout(Set<String> keys) {
        return keys.stream().anyMatch(k -> k.startsWith("detector_model."));
    }

    /** Where an internal parameter comes from, or null if no rule covers it. */
    static Source source(String internal) {
        for (Rule r : RULES) {
            Matcher m = r.internal.matcher(internal);
            if (m.matches()) {
                List<String> resolved = new ArrayList<>();
                for (String h : r.hf) resolved.add(substitute(h, m));
                return new Source(resolved, r.padRows);
            }
        }
        return null;
    }

    private static String substitute(String template, Matcher m) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '$' && i + 1 < template.length() && Character.isDigit(template.charAt(i + 1))) {
                sb.append(m.group(template.charAt(i + 1) - '0'));
                i++;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
