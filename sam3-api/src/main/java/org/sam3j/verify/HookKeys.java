package org.sam3j.verify;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference fixtures' hook keys: {@code hook.<root>.<module path>} records what the module at that path of the
 * recorded model returned (tuple elements {@code .0}, {@code .1}, …, dict entries by key). Our modules record what
 * they return under their checkpoint paths ({@link org.sam3j.model.nn.Scope#returns}), so a hook key names our node
 * once its root is mapped to ours: the one table below.
 */
final class HookKeys {
    /** The prefix of every hook key. */
    static final String HOOK = "hook.";

    /**
     * Fixture root (the image pass, a concept prompt {@code text<i>}, an interactive prompt {@code inter<i>} on the
     * tracker the image predictor holds) → where the recorded module sits in our tree ({@link org.sam3j.model.Sam3Tree}).
     */
    private static final List<Root> ROOTS = List.of(
            new Root(Pattern.compile("image\\."), "detector."),
            new Root(Pattern.compile("text\\d+\\."), "detector."),
            new Root(Pattern.compile("inter\\d+\\.inst_interactive_predictor\\.model\\."), "tracker."));

    private record Root(Pattern fixture, String ours) {}

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
}
