package org.sam3j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.sam3j.BackendOptions;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.backend.Backends;
import org.sam3j.hub.HubClient;
import org.sam3j.hub.ModelSource;
import org.sam3j.hub.ProgressBar;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.weights.SyntheticWeights;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The model options shared by the commands that load a model ({@code sam3 segment}, {@code sam3 serve}):
 * {@code --model M} or {@code --weights synthetic}, {@code --config}, {@code --tokenizer}, {@code --offline},
 * {@code --cache}, and the backend's ({@link BackendArgs}: {@code --backend}, {@code --precision}, {@code --threads}).
 * A picocli mixin.
 *
 * <p>{@link #plan} checks the options alone and the backend they choose (in a moment, before any model work);
 * {@link #load} then builds
 * the model, downloading an {@code hf:} checkpoint when needed.
 */
final class ModelOptions {
    static final String TOKENIZER_RELATIVE = SyntheticWeights.SHARED_TOKENIZER;

    @Option(names = "--model", paramLabel = "M", order = 1,
            description = "sam3.pt, a .safetensors file, a model directory, or hf:owner/name[@revision] (e.g. hf:facebook/sam3)")
    String model;

    @Option(names = "--weights", paramLabel = "synthetic", order = 2,
            description = "'synthetic': no checkpoint, the specification's synthetic weights (meaningless masks, real arithmetic)")
    String weights;

    @Option(names = "--config", paramLabel = "tiny|full|FILE", order = 3,
            description = "Architecture: tiny, full (the released SAM 3), or a JSON file of overrides"
                    + " (vit_depth, vit_global_blocks, text_layers, fusion_encoder_layers, decoder_layers,"
                    + " geometry_encoder_layers; a fixtures index.json works too). Default: with --model the"
                    + " checkpoint's own (read from its layers), with --weights synthetic full")
    String config;

    @Option(names = "--tokenizer", paramLabel = "PATH", order = 13,
            description = "CLIP vocabulary: bpe_simple_vocab_16e6.txt.gz or a directory with vocab.json + merges.txt"
                    + " (default: beside the checkpoint; with --weights synthetic $SAM3_SHARED/" + TOKENIZER_RELATIVE
                    + " or ../shared/" + TOKENIZER_RELATIVE + ")")
    Path tokenizer;

    @Mixin
    BackendArgs backendArgs = new BackendArgs();

    @Option(names = "--offline", order = 15, description = "Never use the network for hf: models (cache only)")
    boolean offline;

    @Option(names = "--cache", paramLabel = "DIR", order = 16, description = "Model cache (default: $SAM3J_CACHE or ~/.cache/sam3j)")
    Path cache;

    /** Environment lookup (tests replace it). */
    Function<String, String> env = System::getenv;

    /**
     * What the checks before loading decided about the model (config null: the checkpoint's own) and the backend
     * that will run it.
     */
    record Plan(ModelSource source, Sam3Config config, String configName, Path tokenizer, Backends.Selection backend) {
        boolean synthetic() {
            return source == null;
        }
    }

    /**
     * Checks the model options without loading anything.
     *
     * @param textNeeded whether text prompts will be asked (then a tokenizer must be at hand)
     * @throws UserException if the options do not name a usable model
     */
    Plan plan(boolean textNeeded) throws IOException {
        Backends.Selection backend = backendArgs.select(); // first: "--backend cuda" without a GPU is the one error
        if (weights != null && !weights.equals("synthetic")) {
            throw new UserException("--weights accepts only 'synthetic' (for a checkpoint use --model M), got '" + weights + "'");
        }
        if ((model == null) == (weights == null)) {
            throw new UserException(model == null ? "give --model M (a checkpoint, a directory or hf:facebook/sam3) or"
                    + " --weights synthetic" : "--model and --weights synthetic are alternatives: give one");
        }
        Sam3Config cfg;
        String cfgName;
        if (config == null && model != null) {
            cfg = null; // the checkpoint's own architecture, inferred from its layer stacks
            cfgName = "from the checkpoint";
        } else if (config == null || config.equals("full") || config.equals("released")) {
            cfg = Sam3Config.released();
            cfgName = "full";
        } else if (config.equals("tiny")) {
            cfg = Sam3Config.tiny();
            cfgName = "tiny";
        } else {
            cfg = readConfig(Path.of(config));
            cfgName = config;
        }
        ModelSource source = null;
        if (model != null) {
            source = ModelSource.parse(model);
            if (!(source instanceof ModelSource.HubRepo)) source.toLocalPath(null); // missing files: now, not later
        }
        Path tok = tokenizer;
        if (tok != null && !Files.exists(tok)) {
            throw new UserException("--tokenizer " + tok + ": no such file or directory");
        }
        if (tok == null && source == null) tok = defaultTokenizer(env, Path.of(""));
        if (textNeeded && source == null && tok == null) {
            throw new UserException("--text needs the CLIP tokenizer: pass --tokenizer PATH (" + ClipTokenizer.BPE_FILE_NAME
                    + "); with --weights synthetic it is looked up at $SAM3_SHARED/" + TOKENIZER_RELATIVE
                    + " and ../shared/" + TOKENIZER_RELATIVE);
        }
        return new Plan(source, cfg, cfgName, tok, backend);
    }

    /**
     * Refuses, before any model work, a phrase longer than the text encoder's context (it would be cut),
     * with the tokenizer the model will use when it is known now: {@code --tokenizer}, the synthetic
     * default, or the one beside a local checkpoint (an {@code hf:} model's is checked when it runs).
     */
    void checkTextFits(Plan plan, String text) throws IOException {
        Path tok = plan.tokenizer();
        if (tok == null && !plan.synthetic() && !(plan.source() instanceof ModelSource.HubRepo)) {
            Path local = plan.source().toLocalPath(null);
            if (hasTokenizerBeside(local)) tok = Files.isDirectory(local) ? local : local.toAbsolutePath().getParent();
        }
        if (tok == null) return;
        ClipTokenizer t = Files.isDirectory(tok) ? ClipTokenizer.fromDirectory(tok) : ClipTokenizer.fromBpeFile(tok);
        try {
            t.tokenizeWhole(text);
        } catch (IllegalArgumentException e) {
            throw new UserException("--text: " + e.getMessage());
        }
    }

    /** See {@link SyntheticWeights#defaultTokenizer}. */
    static Path defaultTokenizer(Function<String, String> env, Path workingDir) {
        return SyntheticWeights.defaultTokenizer(env, workingDir);
    }

    /** Whether {@link Sam3Model} will find tokenizer files beside a checkpoint (as its builder looks for them). */
    static boolean hasTokenizerBeside(Path checkpoint) {
        Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
        if (dir == null) return false;
        return Files.isRegularFile(dir.resolve(ClipTokenizer.BPE_FILE_NAME))
                || Files.isRegularFile(dir.resolve(ClipTokenizer.VOCAB_FILE_NAME))
                && Files.isRegularFile(dir.resolve(ClipTokenizer.MERGES_FILE_NAME));
    }

    static Sam3Config readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserException("--config " + file + ": not 'tiny' or 'full', and no such file");
        }
        Map<String, Object> json;
        try {
            json = SegmentOutput.readJsonObject(file);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new UserException("--config " + file + ": not a JSON object of overrides (" + m + ")");
        }
        Object nested = json.get("config");
        @SuppressWarnings("unchecked")
        Map<String, ?> overrides = nested instanceof Map ? (Map<String, ?>) nested : json;
        try {
            return Sam3Config.released().withOverrides(overrides);
        } catch (IllegalArgumentException e) {
            throw new UserException("--config " + file + ": " + e.getMessage());
        }
    }

    /**
     * Builds the model of a plan.
     *
     * @param interactive whether point/box prompts will be asked (the image encoder then also computes the
     *                    tracker features)
     * @param textNeeded  whether text prompts will be asked (a missing tokenizer is then an error)
     */
    Sam3Model load(Plan plan, boolean interactive, boolean textNeeded) throws IOException {
        Sam3Model.Builder b = Sam3Model.builder().interactive(interactive);
        if (plan.config() != null) b.config(plan.config());
        if (backendArgs.spec() != null) b.backend(backendArgs.spec());
        b.backendOptions(backendArgs.options());
        if (plan.tokenizer() != null) b.tokenizer(plan.tokenizer());
        Path local = null;
        if (plan.synthetic()) {
            b.syntheticWeights();
        } else {
            HubClient.Builder hub = HubClient.builder().offline(offline).progressListener(ProgressBar.printingTo(System.err));
            if (cache != null) hub.cacheRoot(cache);
            local = plan.source().toLocalPath(hub.build());
            if (textNeeded && plan.tokenizer() == null && !hasTokenizerBeside(local)) {
                throw new UserException("--text needs the CLIP tokenizer: none beside the checkpoint " + local
                        + " (vocab.json + merges.txt, or " + ClipTokenizer.BPE_FILE_NAME + "); pass --tokenizer PATH");
            }
            b.checkpoint(local);
        }
        Sam3Model m = b.build();
        if (textNeeded && !m.hasTokenizer()) {
            m.close();
            throw new UserException("--text needs the CLIP tokenizer: none found for " + local + "; pass --tokenizer PATH");
        }
        return m;
    }

    /** The model's description for JSON outputs ({@code result.json}, the server's health). */
    static Map<String, Object> json(Sam3Model m, Plan plan) {
        Sam3Config c = m.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("vit_depth", c.vitDepth());
        cfg.put("vit_global_blocks", c.vitGlobalBlocks());
        cfg.put("text_layers", c.textLayers());
        cfg.put("fusion_encoder_layers", c.fusionEncoderLayers());
        cfg.put("decoder_layers", c.decoderLayers());
        cfg.put("geometry_encoder_layers", c.geometryEncoderLayers());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("source", plan.synthetic() ? "synthetic" : plan.source().toString());
        j.put("weights", m.weightsDescription());
        j.put("architecture", c.isReleasedArchitecture() ? "released SAM 3" : plan.configName());
        j.put("config", cfg);
        j.put("backend", backendJson(m.backendName(), m.backendOptions()));
        return j;
    }

    /** The backend that runs, as every backend reports itself: name, device, precision and CPU threads. */
    static Map<String, Object> backendJson(String name, BackendOptions o) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", name);
        j.put("device", o.device());
        j.put("precision", o.precision().label());
        j.put("threads", o.threads());
        return j;
    }
}
