package org.sam3j.verify;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference fixtures' hook keys: {@code hook.<root>.<module path>} records what the module at that path of the
 * recorded model returned (tuple elements {@code .0}, {@code .1}, …, dict entries by key). Our modules record what
 * they return under their checkpoint paths ({@link org.sam3j.model.nn.Scope#returns}), so a hook key names our node
 * once its root is mapped to ours: the one table below. The video fixtures ({@code video-v1}) name the module
 * outputs they record without that prefix, under the call that ran the module ({@code text0.f2.det.decoder.0}):
 * {@link #videoModule} maps those.
 */
public final class HookKeys {
    /** The prefix of every hook key. */
    static final String HOOK = "hook.";

    /*
     * Parts of what a recorded module returned that our graphs do not compute, the caller deriving them from the
     * prompt (see Scope#returnsTuple).
     */
    /** The text encoder's attention mask (from the token ids). */
    public static final String TEXT_MASK = "detector.backbone.language_backbone.0";
    /** The geometry tokens' padding mask (none padded). */
    public static final String GEOMETRY_MASK = "detector.geometry_encoder.1";
    /** The fusion encoder's valid ratios (one unpadded level: all 1). */
    public static final String VALID_RATIOS = "detector.transformer.encoder.valid_ratios";

    /**
     * Fixture root (the image pass, a concept prompt {@code text<i>}, an interactive prompt {@code inter<i>} on the
     * tracker the image predictor holds) → where the recorded module sits in our tree ({@link org.sam3j.model.Sam3Tree}).
     */
    private static final List<Root> ROOTS = List.of(
            new Root(Pattern.compile("image\\."), "detector."),
            new Root(Pattern.compile("text\\d+\\."), "detector."),
            new Root(Pattern.compile("inter\\d+\\.inst_interactive_predictor\\.model\\."), "tracker."));

    /**
     * Video fixture call ({@code frames.f<t>.}: the backbone on frame t; {@code text<i>.text.}: the text encoder of
     * family {@code text<i>}; {@code text<i>.<step>.det.}: the detector of one step) → where the module named after
     * it sits in our tree. The fixtures name the ViT trunk below {@code vision_backbone}, the text encoder's modules below
     * {@code backbone}, the detector's fusion encoder and decoder below {@code transformer} and its other modules
     * below the detector's root.
     */
    private static final List<Root> VIDEO_ROOTS = List.of(
            new Root(Pattern.compile("frames\\.f\\d+\\.(?=trunk\\.)"), "detector.backbone.vision_backbone."),
            new Root(Pattern.compile("text\\d+\\.text\\."), "detector.backbone."),
            new Root(Pattern.compile("text\\d+\\.[af]\\d+\\.det\\.(?=(encoder|decoder)\\.)"), "detector.transformer."),
            new Root(Pattern.compile("text\\d+\\.[af]\\d+\\.det\\.(?=dot_prod_scoring$)"), "detector."));

    private record Root(Pattern fixture, String ours) {}

    /**
     * A video fixture key that names a module's output.
     *
     * @param call the key's prefix naming the call that ran the module ({@code text0.f2.det.})
     * @param path the module path in our tree ({@code detector.transformer.decoder.0})
     */
    public record ModuleKey(String call, String path) {}

    private HookKeys() {}

    /** Our module path for a fixture key ({@code hook.image.backbone.x} → {@code detector.backbone.x}), if it is a hook key. */
    static Optional<String> modulePath(String key) {
        if (!key.startsWith(HOOK)) return Optional.empty();
        String rest = key.substring(HOOK.length());
        for (Root r : ROOTS) {
            Matcher m = r.fixture().matcher(rest);
            if (m.lookingAt()) return Optional.of(r.ours() + rest.substring(m.end()));
        }
        return Optional.empty();
    }

    /**
     * The call and module path a video fixture key names ({@code text0.f2.det.decoder.0} → {@code text0.f2.det.},
     * {@code detector.transformer.decoder.0}), if it names a module's output.
     */
    public static Optional<ModuleKey> videoModule(String key) {
        for (Root r : VIDEO_ROOTS) {
            Matcher m = r.fixture().matcher(key);
            if (m.lookingAt()) {
                return Optional.of(new ModuleKey(key.substring(0, m.end()), r.ours() + key.substring(m.end())));
            }
        }
        return Optional.empty();
    }
}
