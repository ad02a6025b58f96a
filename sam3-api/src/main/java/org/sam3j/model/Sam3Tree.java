package org.sam3j.model;

import java.util.Objects;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.detector.ConceptDetector;
import org.sam3j.model.nn.Scope;
import org.sam3j.model.text.TextEncoder;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.model.tracker.SamMaskDecoder;
import org.sam3j.model.tracker.SamPromptEncoder;
import org.sam3j.model.vision.VisionBackbone;

/**
 * The root SAM 3 module: where each component sits in the checkpoint tree ({@code detector.*}, {@code tracker.*}
 * as in the official {@code sam3.pt}). Every module declares its parameters relative to the scope it is given, so
 * a parameter's checkpoint name is its module path, and this class is the one place that names the components'
 * paths. A graph builds the components it needs, each call declaring that component's parameters in the graph
 * (declaring one twice returns the same weight nodes).
 *
 * <p>{@code new Sam3Tree(Scope.at(g, "model"), config)} loads the same modules under another prefix.
 */
public final class Sam3Tree {
    private final Scope root;
    private final Sam3Config config;

    /** The tree rooted at {@code root}. */
    public Sam3Tree(Scope root, Sam3Config config) {
        this.root = Objects.requireNonNull(root, "root");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The tree at the root of {@code g} (official checkpoint names). */
    public static Sam3Tree of(Graph g, Sam3Config config) {
        return new Sam3Tree(Scope.root(g), config);
    }

    /** The root scope. */
    public Scope scope() {
        return root;
    }

    /** The architecture. */
    public Sam3Config config() {
        return config;
    }

    /** The concept model ({@code detector}). */
    public Scope detector() {
        return root.child("detector");
    }

    /** The SAM 2-style tracker ({@code tracker}). */
    public Scope tracker() {
        return root.child("tracker");
    }

    /**
     * The image backbone ({@code detector.backbone.vision_backbone}), with the mask decoder's high-resolution
     * projections when {@code trackerNeck}.
     */
    public VisionBackbone visionBackbone(boolean trackerNeck) {
        return new VisionBackbone(detector().child("backbone.vision_backbone"), maskDecoderScope(), config, trackerNeck);
    }

    /** The text encoder ({@code detector.backbone.language_backbone}). */
    public TextEncoder textEncoder() {
        return new TextEncoder(detector().child("backbone.language_backbone"), config);
    }

    /** The detector's per-prompt modules for a prompt layout of {@code textTokens} tokens and {@code boxSlots} boxes. */
    public ConceptDetector conceptDetector(int textTokens, int boxSlots) {
        return new ConceptDetector(detector(), config, textTokens, boxSlots);
    }

    /** The tracker's prompt encoder ({@code tracker.sam_prompt_encoder}). */
    public SamPromptEncoder promptEncoder() {
        return new SamPromptEncoder(promptEncoderScope(), config.dModel(), config.gridSize());
    }

    /** Where the prompt encoder sits ({@code tracker.sam_prompt_encoder}), e.g. to name one of its parameters. */
    public Scope promptEncoderScope() {
        return tracker().child("sam_prompt_encoder");
    }

    /** The tracker's mask decoder ({@code tracker.sam_mask_decoder}). */
    public SamMaskDecoder maskDecoder() {
        return new SamMaskDecoder(maskDecoderScope(), config);
    }

    /** The embedding added to an image level that has no memory ({@code tracker.no_mem_embed}, {@code [1, 1, C]}). */
    public Tensor noMemEmbed() {
        return tracker().weight("no_mem_embed", 1, 1, config.dModel());
    }

    /** The tracker's memory encoder ({@code tracker.maskmem_backbone}). */
    public MemoryEncoder memoryEncoder() {
        return new MemoryEncoder(tracker().child("maskmem_backbone"), config);
    }

    /** The tracker's memory attention ({@code tracker.transformer.encoder}). */
    public MemoryAttention memoryAttention() {
        return new MemoryAttention(tracker().child("transformer.encoder"), config);
    }

    private Scope maskDecoderScope() {
        return tracker().child("sam_mask_decoder");
    }
}
