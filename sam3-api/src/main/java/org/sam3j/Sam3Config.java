package org.sam3j;

import java.util.Arrays;
import java.util.Map;

/**
 * The SAM 3 architecture's hyper-parameters. {@link #released()} is the released model; depths and
 * the ViT's global-attention blocks can be overridden (the reduced {@code tiny} reference
 * configuration does this). Immutable; build variants with {@link #toBuilder()}.
 */
public final class Sam3Config {
    private final int imageSize;
    private final int patchSize;
    private final int vitDim;
    private final int vitDepth;
    private final int vitHeads;
    private final int vitMlpDim;
    private final int vitWindowSize;
    private final int[] vitGlobalBlocks;
    private final int pretrainImageSize;
    private final float ropeTheta;
    private final int dModel;
    private final int textLayers;
    private final int fusionEncoderLayers;
    private final int decoderLayers;
    private final int geometryEncoderLayers;
    private final int transformerHeads;
    private final int transformerFfnDim;
    private final int textWidth;
    private final int textHeads;
    private final int textContextLength;
    private final int textVocabSize;
    private final int textProjectionDim;
    private final int numQueries;
    private final int maskDecoderHeads;
    private final int maskDecoderMlpDim;
    private final int memoryAttentionLayers;
    private final int memoryAttentionFfnDim;
    private final int memoryDim;

    private Sam3Config(Builder b) {
        this.imageSize = b.imageSize;
        this.patchSize = b.patchSize;
        this.vitDim = b.vitDim;
        this.vitDepth = b.vitDepth;
        this.vitHeads = b.vitHeads;
        this.vitMlpDim = b.vitMlpDim;
        this.vitWindowSize = b.vitWindowSize;
        this.vitGlobalBlocks = b.vitGlobalBlocks.clone();
        this.pretrainImageSize = b.pretrainImageSize;
        this.ropeTheta = b.ropeTheta;
        this.dModel = b.dModel;
        this.textLayers = b.textLayers;
        this.fusionEncoderLayers = b.fusionEncoderLayers;
        this.decoderLayers = b.decoderLayers;
        this.geometryEncoderLayers = b.geometryEncoderLayers;
        this.transformerHeads = b.transformerHeads;
        this.transformerFfnDim = b.transformerFfnDim;
        this.textWidth = b.textWidth;
        this.textHeads = b.textHeads;
        this.textContextLength = b.textContextLength;
        this.textVocabSize = b.textVocabSize;
        this.textProjectionDim = b.textProjectionDim;
        this.numQueries = b.numQueries;
        this.maskDecoderHeads = b.maskDecoderHeads;
        this.maskDecoderMlpDim = b.maskDecoderMlpDim;
        this.memoryAttentionLayers = b.memoryAttentionLayers;
        this.memoryAttentionFfnDim = b.memoryAttentionFfnDim;
        this.memoryDim = b.memoryDim;
        validate();
    }

    private void validate() {
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch size " + patchSize);
        }
        if (gridSize() % vitWindowSize != 0) {
            throw new IllegalArgumentException("token grid " + gridSize() + " is not a multiple of the window " + vitWindowSize);
        }
        if (vitDim % vitHeads != 0) throw new IllegalArgumentException("ViT width not divisible by heads");
        if (vitDepth < 1) throw new IllegalArgumentException("vit_depth must be >= 1");
        if (vitGlobalBlocks.length == 0) {
            throw new IllegalArgumentException("at least one global-attention block is needed (the trunk output is taken after the last one)");
        }
        for (int g : vitGlobalBlocks) {
            if (g < 0 || g >= vitDepth) {
                throw new IllegalArgumentException("global block " + g + " outside 0.." + (vitDepth - 1));
            }
        }
        for (int i = 1; i < vitGlobalBlocks.length; i++) {
            if (vitGlobalBlocks[i] <= vitGlobalBlocks[i - 1]) {
                throw new IllegalArgumentException("global blocks must be increasing: " + Arrays.toString(vitGlobalBlocks));
            }
        }
        if (textLayers < 1 || fusionEncoderLayers < 1 || decoderLayers < 1 || geometryEncoderLayers < 1) {
            throw new IllegalArgumentException("layer counts must be >= 1");
        }
    }

    /** The released SAM 3 architecture. */
    public static Sam3Config released() {
        return new Builder().build();
    }

    /**
     * The reduced configuration of the reference {@code tiny} fixtures: released widths, ViT depth 2 with
     * block 1 global, one layer in each of the text, fusion, decoder and geometry stacks. For tests and
     * quick benchmarks.
     */
    public static Sam3Config tiny() {
        return new Builder().vitDepth(2).vitGlobalBlocks(1).textLayers(1).fusionEncoderLayers(1).decoderLayers(1)
                .geometryEncoderLayers(1).build();
    }

    /** A builder starting from the released architecture. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.imageSize = imageSize;
        b.patchSize = patchSize;
        b.vitDim = vitDim;
        b.vitDepth = vitDepth;
        b.vitHeads = vitHeads;
        b.vitMlpDim = vitMlpDim;
        b.vitWindowSize = vitWindowSize;
        b.vitGlobalBlocks = vitGlobalBlocks.clone();
        b.pretrainImageSize = pretrainImageSize;
        b.ropeTheta = ropeTheta;
        b.dModel = dModel;
        b.textLayers = textLayers;
        b.fusionEncoderLayers = fusionEncoderLayers;
        b.decoderLayers = decoderLayers;
        b.geometryEncoderLayers = geometryEncoderLayers;
        return b;
    }

    /**
     * Applies overrides named as in the reference fixtures' {@code index.json} ({@code vit_depth},
     * {@code vit_global_blocks}, {@code text_layers}, {@code fusion_encoder_layers},
     * {@code decoder_layers}, {@code geometry_encoder_layers}).
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong kind
     */
    public Sam3Config withOverrides(Map<String, ?> overrides) {
        Builder b = toBuilder();
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "vit_depth": b.vitDepth(intValue(e.getKey(), v)); break;
                case "vit_global_blocks": b.vitGlobalBlocks(intArray(e.getKey(), v)); break;
                case "text_layers": b.textLayers(intValue(e.getKey(), v)); break;
                case "fusion_encoder_layers": b.fusionEncoderLayers(intValue(e.getKey(), v)); break;
                case "decoder_layers": b.decoderLayers(intValue(e.getKey(), v)); break;
                case "geometry_encoder_layers": b.geometryEncoderLayers(intValue(e.getKey(), v)); break;
                default: throw new IllegalArgumentException("unknown configuration key '" + e.getKey() + "'");
            }
        }
        return b.build();
    }

    private static int intValue(String key, Object v) {
        if (v instanceof Number) return ((Number) v).intValue();
        throw new IllegalArgumentException("configuration key '" + key + "' needs an integer, got " + v);
    }

    private static int[] intArray(String key, Object v) {
        if (v instanceof int[]) return ((int[]) v).clone();
        if (v instanceof Iterable) {
            java.util.List<Integer> l = new java.util.ArrayList<>();
            for (Object o : (Iterable<?>) v) l.add(intValue(key, o));
            return l.stream().mapToInt(Integer::intValue).toArray();
        }
        throw new IllegalArgumentException("configuration key '" + key + "' needs a list of integers, got " + v);
    }

    /** Whether every depth equals the released architecture's. */
    public boolean isReleasedArchitecture() {
        return equals(released());
    }

    /** Input side length in pixels (1008). */
    public int imageSize() { return imageSize; }
    /** ViT patch size (14). */
    public int patchSize() { return patchSize; }
    /** Tokens per side of the ViT grid (72). */
    public int gridSize() { return imageSize / patchSize; }
    /** ViT width (1024). */
    public int vitDim() { return vitDim; }
    /** Number of ViT blocks (32). */
    public int vitDepth() { return vitDepth; }
    /** ViT attention heads (16). */
    public int vitHeads() { return vitHeads; }
    /** ViT MLP hidden width (4736). */
    public int vitMlpDim() { return vitMlpDim; }
    /** Window side of windowed blocks, in tokens (24). */
    public int vitWindowSize() { return vitWindowSize; }
    /** Indices of global-attention blocks (7, 15, 23, 31). */
    public int[] vitGlobalBlocks() { return vitGlobalBlocks.clone(); }
    /** Pre-training image size that sizes the absolute position embedding (336 → 24×24). */
    public int pretrainImageSize() { return pretrainImageSize; }
    /** RoPE base (10000). */
    public float ropeTheta() { return ropeTheta; }
    /** Width of the detector and tracker (256). */
    public int dModel() { return dModel; }
    /** Text transformer layers (24). */
    public int textLayers() { return textLayers; }
    /** Fusion encoder layers (6). */
    public int fusionEncoderLayers() { return fusionEncoderLayers; }
    /** DETR decoder layers (6). */
    public int decoderLayers() { return decoderLayers; }
    /** Geometry encoder layers (3). */
    public int geometryEncoderLayers() { return geometryEncoderLayers; }

    /** Attention heads of the detector's transformers (fusion encoder, geometry encoder, decoder, segmentation head). */
    public int transformerHeads() { return transformerHeads; }

    /** Feed-forward width of the detector's transformer layers and of the scoring prompt MLP. */
    public int transformerFfnDim() { return transformerFfnDim; }

    /** Width of the text transformer. */
    public int textWidth() { return textWidth; }

    /** Attention heads of the text transformer. */
    public int textHeads() { return textHeads; }

    /** Tokens per text prompt (padded with id 0). */
    public int textContextLength() { return textContextLength; }

    /** Vocabulary size of the text encoder. */
    public int textVocabSize() { return textVocabSize; }

    /** Output width of the text encoder's CLIP projection (unused by SAM 3). */
    public int textProjectionDim() { return textProjectionDim; }

    /** Object queries of the DETR decoder. */
    public int numQueries() { return numQueries; }

    /** Attention heads of the tracker's two-way transformer (SAM mask decoder). */
    public int maskDecoderHeads() { return maskDecoderHeads; }

    /** MLP width of the tracker's two-way transformer. */
    public int maskDecoderMlpDim() { return maskDecoderMlpDim; }

    /** Layers of the tracker's memory attention. */
    public int memoryAttentionLayers() { return memoryAttentionLayers; }

    /** Feed-forward width of the tracker's memory attention. */
    public int memoryAttentionFfnDim() { return memoryAttentionFfnDim; }

    /** Channels of a tracker memory ({@code mem_dim}). */
    public int memoryDim() { return memoryDim; }

    /** Whether ViT block {@code i} uses global attention. */
    public boolean isGlobalBlock(int i) {
        for (int g : vitGlobalBlocks) if (g == i) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Sam3Config)) return false;
        Sam3Config c = (Sam3Config) o;
        return imageSize == c.imageSize && patchSize == c.patchSize && vitDim == c.vitDim && vitDepth == c.vitDepth
                && vitHeads == c.vitHeads && vitMlpDim == c.vitMlpDim && vitWindowSize == c.vitWindowSize
                && Arrays.equals(vitGlobalBlocks, c.vitGlobalBlocks) && pretrainImageSize == c.pretrainImageSize
                && ropeTheta == c.ropeTheta && dModel == c.dModel && textLayers == c.textLayers
                && fusionEncoderLayers == c.fusionEncoderLayers && decoderLayers == c.decoderLayers
                && geometryEncoderLayers == c.geometryEncoderLayers && transformerHeads == c.transformerHeads
                && transformerFfnDim == c.transformerFfnDim;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {imageSize, vitDepth, Arrays.hashCode(vitGlobalBlocks), textLayers,
                fusionEncoderLayers, decoderLayers, geometryEncoderLayers});
    }

    @Override
    public String toString() {
        return "Sam3Config{image " + imageSize + ", ViT " + vitDepth + "x" + vitDim + " global " + Arrays.toString(vitGlobalBlocks)
                + ", text " + textLayers + ", fusion " + fusionEncoderLayers + ", decoder " + decoderLayers
                + ", geometry " + geometryEncoderLayers + "}";
    }

    /** Builder of {@link Sam3Config}, initialised to the released architecture. */
    public static final class Builder {
        private int imageSize = 1008;
        private int patchSize = 14;
        private int vitDim = 1024;
        private int vitDepth = 32;
        private int vitHeads = 16;
        private int vitMlpDim = 4736;
        private int vitWindowSize = 24;
        private int[] vitGlobalBlocks = {7, 15, 23, 31};
        private int pretrainImageSize = 336;
        private float ropeTheta = 10000f;
        private int dModel = 256;
        private int textLayers = 24;
        private int fusionEncoderLayers = 6;
        private int decoderLayers = 6;
        private int geometryEncoderLayers = 3;
        private final int transformerHeads = 8;
        private final int transformerFfnDim = 2048;
        private final int textWidth = 1024;
        private final int textHeads = 16;
        private final int textContextLength = 32;
        private final int textVocabSize = 49408;
        private final int textProjectionDim = 512;
        private final int numQueries = 200;
        private final int maskDecoderHeads = 8;
        private final int maskDecoderMlpDim = 2048;
        private final int memoryAttentionLayers = 4;
        private final int memoryAttentionFfnDim = 2048;
        private final int memoryDim = 64;

        private Builder() {}

        /** ViT depth. */
        public Builder vitDepth(int v) { vitDepth = v; return this; }
        /** Indices of global-attention blocks, increasing. */
        public Builder vitGlobalBlocks(int... v) { vitGlobalBlocks = v.clone(); return this; }
        /** Text transformer layers. */
        public Builder textLayers(int v) { textLayers = v; return this; }
        /** Fusion encoder layers. */
        public Builder fusionEncoderLayers(int v) { fusionEncoderLayers = v; return this; }
        /** DETR decoder layers. */
        public Builder decoderLayers(int v) { decoderLayers = v; return this; }
        /** Geometry encoder layers. */
        public Builder geometryEncoderLayers(int v) { geometryEncoderLayers = v; return this; }

        /**
         * Builds and validates the configuration.
         *
         * @throws IllegalArgumentException if the values are inconsistent
         */
        public Sam3Config build() {
            return new Sam3Config(this);
        }
    }
}
