package org.sam3j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.JavaGemm;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Chooses and creates backends by name. {@code cpu} (pure Java) is always there; others come from
 * {@link BackendProvider}s on the class path: {@code openblas} from {@code org.sam3j:sam3-openblas},
 * {@code cuda} from {@code org.sam3j:sam3-cuda}.
 *
 * <p>{@link #createDefault(BackendOptions)} picks the backend named by the system property {@value #PROPERTY} or the
 * environment variable {@value #ENV} if set, otherwise the available backend of highest priority (CUDA when a
 * GPU is usable, else OpenBLAS when its natives load, else the pure-Java one). The name {@code auto} means that
 * choice too. When that choice falls to the pure-Java backend it is logged once per call, naming what to add
 * or why the native backends found cannot run; {@link #statuses()} reports every provider.
 *
 * <p>A name may carry a device ({@code cuda:1}); {@link #select(String, BackendOptions)} checks a name and
 * {@link BackendOptions} (precision, device, extras) against the provider before anything is created, so that a
 * wrong choice is one clear error up front.
 */
public final class Backends {
    private static final Logger LOG = Log.get(Backends.class);
    /** System property naming the default backend. */
    public static final String PROPERTY = "sam3j.backend";
    /** Environment variable naming the default backend (the system property wins). */
    public static final String ENV = "SAM3J_BACKEND";
    /** The name of the pure-Java CPU backend. */
    public static final String CPU = "cpu";
    /** The name that means "the best available". */
    public static final String AUTO = "auto";
    /** The artifact of the fast CPU backend, named when the pure-Java one is picked for want of it. */
    static final String OPENBLAS_ARTIFACT = "org.sam3j:sam3-openblas";

    private static volatile List<BackendProvider> providers;

    private Backends() {}

    /** The built-in pure-Java CPU backend. */
    private static final class CpuProvider implements BackendProvider {
        @Override
        public String name() {
            return CPU;
        }

        @Override
        public String description() {
            return "CPU, pure Java (portable fallback)";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        /** FP32, and FP16/BF16 emulated (the numerics of a reduced-precision device, for accuracy checks). */
        @Override
        public Set<Precision> precisions() {
            return EnumSet.allOf(Precision.class);
        }

        @Override
        public Backend create(BackendOptions options) {
            check(options);
            return new CpuBackend(CPU, options, JavaGemm.INSTANCE);
        }
    }

    /** Every known provider (available or not), highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> p = providers;
        if (p == null) {
            synchronized (Backends.class) {
                p = providers;
                if (p == null) {
                    List<BackendProvider> found = new ArrayList<>();
                    found.add(new CpuProvider());
                    Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).iterator();
                    // one broken provider (e.g. a missing class) must not hide the others; the iterator moves on
                    // after an error on a best-effort basis, hence the bound
                    for (int errors = 0; errors < 16; ) {
                        try {
                            if (!it.hasNext()) break;
                            BackendProvider bp = it.next();
                            if (found.stream().noneMatch(f -> f.name().equals(bp.name()))) found.add(bp);
                        } catch (ServiceConfigurationError e) {
                            errors++;
                            LOG.warn("backend provider not loaded: {}", e.toString());
                        }
                    }
                    found.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
                    p = List.copyOf(found);
                    providers = p;
                }
            }
        }
        return p;
    }

    /**
     * Every known provider, highest priority first, with whether it can run here and why not. Probes each one
     * (loads its native libraries on first use).
     */
    public static List<BackendStatus> statuses() {
        return providers().stream().map(BackendStatus::of).collect(Collectors.toUnmodifiableList());
    }

    /** The names of every known backend, available or not. */
    public static List<String> names() {
        return providers().stream().map(BackendProvider::name).collect(Collectors.toList());
    }

    /** The provider named {@code name}. */
    public static BackendProvider provider(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (BackendProvider p : providers()) if (p.name().equals(n)) return p;
        throw new IllegalArgumentException("unknown backend '" + name + "': this build has " + names());
    }

    /**
     * The name of the backend {@link #createDefault(BackendOptions)} creates (without a device): the one named by
     * {@value #PROPERTY} or {@value #ENV}, else the best available.
     */
    public static String defaultName() {
        Spec n = configured();
        return n != null ? n.name() : best().name();
    }

    /**
     * A backend named with an optional device, as {@link #parse(String)} reads {@code cuda}, {@code cuda:1}.
     *
     * @param name   the provider's name, lower case ({@value #AUTO} for the best available)
     * @param device the device index when the name carried one
     */
    public record Spec(String name, OptionalInt device) {
        /** Checks the parts. */
        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(device, "device");
        }

        /** {@code name} or {@code name:device}. */
        @Override
        public String toString() {
            return device.isPresent() ? name + ":" + device.getAsInt() : name;
        }
    }

    private static final Pattern SPEC = Pattern.compile("([a-z][a-z0-9_-]*)(?::([0-9]{1,6}))?");

    /**
     * Reads {@code NAME} or {@code NAME:DEVICE} ({@code cpu}, {@code cuda}, {@code cuda:1}; any case, blanks
     * around ignored). Does not look the name up.
     *
     * @throws IllegalArgumentException if {@code spec} is not of that form, or {@value #AUTO} carries a device
     */
    public static Spec parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        Matcher m = SPEC.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad backend '" + spec + "': expected NAME or NAME:DEVICE (e.g. cpu, cuda, cuda:1)");
        }
        OptionalInt device = m.group(2) == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(m.group(2)));
        if (m.group(1).equals(AUTO) && device.isPresent()) {
            throw new IllegalArgumentException("bad backend '" + spec + "': '" + AUTO + "' takes no device");
        }
        return new Spec(m.group(1), device);
    }

    /** The backend named by {@value #PROPERTY} or {@value #ENV}; null when unset or {@code auto}. */
    private static Spec configured() {
        String n = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (n == null || n.isBlank()) {
            n = System.getenv(ENV);
            from = ENV;
        }
        if (n == null || n.isBlank()) return null;
        Spec s;
        try {
            s = parse(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from + ": " + e.getMessage());
        }
        return s.name().equals(AUTO) ? null : s;
    }

    /** The available provider of highest priority. */
    public static BackendProvider best() {
        return best(providers());
    }

    /** The available provider of highest priority among {@code candidates} (sorted highest first). */
    static BackendProvider best(List<BackendProvider> candidates) {
        for (BackendProvider p : candidates) {
            if (p.isAvailable()) return p;
            LOG.debug("backend {} unavailable: {}", p.name(), p.unavailableReason());
        }
        return new CpuProvider(); // the pure-Java backend is always there
    }

    /**
     * A provider and the options it will be created with, checked: only {@link #create()} remains. Made by
     * {@link Backends#select(String, BackendOptions)}; immutable.
     */
    public static final class Selection {
        private final BackendProvider provider;
        private final BackendOptions options;
        private final boolean automatic;
        private final String fallback;
        private final boolean fallbackWarns;

        Selection(BackendProvider provider, BackendOptions options, boolean automatic, String fallback, boolean fallbackWarns) {
            this.provider = Objects.requireNonNull(provider, "provider");
            this.options = Objects.requireNonNull(options, "options");
            this.automatic = automatic;
            this.fallback = fallback;
            this.fallbackWarns = fallbackWarns;
        }

        /** The provider that will create the backend. */
        public BackendProvider provider() {
            return provider;
        }

        /** The options it will be created with (a device given in the name included). */
        public BackendOptions options() {
            return options;
        }

        /** Whether the provider was picked as the best available rather than named. */
        public boolean automatic() {
            return automatic;
        }

        /**
         * Creates the backend. When it is the pure-Java one picked by default, logs why first: INFO when no native
         * backend is on the class path, WARN when one is there but cannot run.
         *
         * @throws IllegalStateException if the provider cannot run here after all
         */
        public Backend create() {
            return create(LOG);
        }

        Backend create(Logger log) {
            if (fallback != null) {
                if (fallbackWarns) log.warn("{}", fallback);
                else log.info("{}", fallback);
            }
            return provider.create(options);
        }

        /** E.g. {@code cpu (device 0, fp32, all threads)}: the name and the options. */
        @Override
        public String toString() {
            return provider.name() + " (" + options + ")";
        }
    }

    /**
     * Chooses the backend {@code spec} names ({@code NAME} or {@code NAME:DEVICE}; null or blank: the one named by
     * {@value #PROPERTY} or {@value #ENV}, else the best available; {@value #AUTO}: the best available) and checks
     * {@code options} against it, before anything is created. A device in the name replaces
     * {@code options.device()}.
     *
     * @throws IllegalArgumentException if the name is malformed or unknown, or the options do not fit the backend
     *                                  (a precision it does not run, a device it does not have, an unknown extra)
     * @throws IllegalStateException    if the backend cannot run here (the message says why)
     */
    public static Selection select(String spec, BackendOptions options) {
        Objects.requireNonNull(options, "options");
        Spec s = spec == null || spec.isBlank() ? configured() : parse(spec);
        if (s == null || s.name().equals(AUTO)) return selectBest(providers(), options);
        BackendOptions o = s.device().isPresent() ? options.toBuilder().device(s.device().getAsInt()).build() : options;
        return select(provider(s.name()), o);
    }

    /** Checks that {@code p} can run here with {@code o}. */
    static Selection select(BackendProvider p, BackendOptions o) {
        if (!p.isAvailable()) {
            throw new IllegalStateException("backend '" + p.name() + "' cannot run here: " + p.unavailableReason()
                    + " (the pure-Java backend '" + CPU + "' runs everywhere)");
        }
        p.check(o);
        return new Selection(p, o, false, null, false);
    }

    /** Selects the best of {@code candidates} (sorted highest priority first) for {@code options}. */
    static Selection selectBest(List<BackendProvider> candidates, BackendOptions options) {
        BackendProvider p = best(candidates);
        // the backends chosen automatically over the pure-Java one: those only run by name (negative priority,
        // such as onnxruntime and tensorrt) say nothing about why the pure-Java backend was picked
        List<BackendProvider> natives = candidates.stream().filter(c -> !c.name().equals(CPU) && c.priority() > 0)
                .collect(Collectors.toList());
        String why = p.name().equals(CPU) ? fallbackNotice(natives) : null;
        try {
            p.check(options);
        } catch (IllegalArgumentException e) {
            String reasons = natives.stream().filter(n -> !n.isAvailable())
                    .map(n -> n.name() + " cannot run here: " + n.unavailableReason()).collect(Collectors.joining("; "));
            throw new IllegalArgumentException(e.getMessage() + " (it is the best backend available"
                    + (reasons.isEmpty() ? "" : "; " + reasons) + ")");
        }
        return new Selection(p, options, true, why, !natives.isEmpty());
    }

    /**
     * Why the pure-Java backend was picked, given the native providers found ({@code natives}, none of which
     * can run), and what to do about it.
     */
    static String fallbackNotice(List<BackendProvider> natives) {
        StringBuilder s = new StringBuilder("using the pure-Java CPU backend (the slowest): ");
        if (natives.isEmpty()) {
            s.append("no native backend on the class path");
        } else {
            for (int i = 0; i < natives.size(); i++) {
                BackendProvider n = natives.get(i);
                s.append(i == 0 ? "" : "; ").append("backend '").append(n.name()).append("' cannot run here: ")
                        .append(n.unavailableReason());
            }
        }
        if (natives.stream().noneMatch(n -> n.name().equals("openblas"))) {
            s.append(". Add ").append(OPENBLAS_ARTIFACT).append(" for a faster CPU backend")
                    .append(natives.stream().anyMatch(n -> n.name().equals("cuda")) ? "" : " or org.sam3j:sam3-cuda for NVIDIA GPUs");
        }
        s.append(". Choose '").append(CPU).append("' by name (-D").append(PROPERTY).append('=').append(CPU)
                .append(") to run on it without this message.");
        return s.toString();
    }

    /**
     * Creates the backend {@code spec} names with {@code options}: {@link #select(String, BackendOptions)}, then
     * {@link Selection#create()}.
     *
     * @throws IllegalArgumentException if the name or the options are wrong
     * @throws IllegalStateException    if the backend cannot run here (e.g. its native libraries do not load)
     */
    public static Backend create(String spec, BackendOptions options) {
        return select(spec, options).create();
    }

    /** {@link #create(String, BackendOptions)} with {@code threads} (0: every processor) and default options otherwise. */
    public static Backend create(String spec, int threads) {
        return create(spec, BackendOptions.builder().threads(threads).build());
    }

    /** Creates the default backend (see the class comment) with {@code options}. */
    public static Backend createDefault(BackendOptions options) {
        return create(null, options);
    }
}
