package org.sam3j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Chooses and creates backends by name. {@code cpu} (pure Java) is always there; others come from
 * {@link BackendProvider}s on the class path: {@code openblas} from {@code org.sam3j:sam3-openblas},
 * {@code cuda} from {@code org.sam3j:sam3-cuda}.
 *
 * <p>{@link #createDefault(int)} picks the backend named by the system property {@value #PROPERTY} or the
 * environment variable {@value #ENV} if set, otherwise the available backend of highest priority (CUDA when a
 * GPU is usable, else OpenBLAS when its natives load, else the pure-Java one). The name {@code auto} means that
 * choice too. When that choice falls to the pure-Java backend it is logged once per call, naming what to add
 * or why the native backends found cannot run; {@link #statuses()} reports every provider.
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

        @Override
        public Backend create(int threads) {
            return threads > 0 ? new CpuBackend(threads) : new CpuBackend();
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

    /** The name of the backend {@link #createDefault(int)} creates. */
    public static String defaultName() {
        String n = configuredName();
        return n != null ? n : best().name();
    }

    /** The backend named by {@value #PROPERTY} or {@value #ENV}, lower case; null when unset or {@code auto}. */
    private static String configuredName() {
        String n = System.getProperty(PROPERTY);
        if (n == null || n.isBlank()) n = System.getenv(ENV);
        if (n != null && !n.isBlank() && !n.trim().equalsIgnoreCase(AUTO)) return n.trim().toLowerCase(Locale.ROOT);
        return null;
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
     * Creates the backend named {@code name} ({@code auto}: the best available).
     *
     * @param threads CPU threads, the caller included (0: every available processor)
     * @throws IllegalArgumentException if no backend has that name
     * @throws IllegalStateException if it cannot run here (e.g. its native libraries do not load)
     */
    public static Backend create(String name, int threads) {
        if (name == null || name.isBlank() || name.trim().equalsIgnoreCase(AUTO)) return createBest(providers(), threads, LOG);
        return create(provider(name), threads);
    }

    /** Creates the best of {@code candidates}, telling {@code log} when that is the pure-Java backend by default. */
    static Backend createBest(List<BackendProvider> candidates, int threads, Logger log) {
        BackendProvider p = best(candidates);
        if (p.name().equals(CPU)) {
            List<BackendProvider> natives = candidates.stream().filter(c -> !c.name().equals(CPU)).collect(Collectors.toList());
            String notice = fallbackNotice(natives);
            // a native backend that is there but cannot run is a problem; none at all may be a choice
            if (natives.isEmpty()) log.info("{}", notice);
            else log.warn("{}", notice);
        }
        return create(p, threads);
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

    static Backend create(BackendProvider p, int threads) {
        if (!p.isAvailable()) {
            throw new IllegalStateException("backend '" + p.name() + "' cannot run here: " + p.unavailableReason()
                    + " (the pure-Java backend '" + CPU + "' runs everywhere)");
        }
        return p.create(threads);
    }

    /** Creates the default backend (see the class comment). */
    public static Backend createDefault(int threads) {
        return create(configuredName(), threads);
    }
}
