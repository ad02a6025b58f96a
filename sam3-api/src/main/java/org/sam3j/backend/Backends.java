package org.sam3j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.sam3j.backend.cpu.CpuBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and creates backends by name. {@code cpu} (pure Java) is always there; others come from
 * {@link BackendProvider}s on the class path (e.g. {@code openblas} from {@code sam3-native}).
 *
 * <p>{@link #createDefault(int)} picks the backend named by the system property {@value #PROPERTY} or the
 * environment variable {@value #ENV} if set, otherwise the available backend of highest priority (OpenBLAS
 * when its natives load, else the pure-Java one). The name {@code auto} means that choice too.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    /** System property naming the default backend. */
    public static final String PROPERTY = "sam3j.backend";
    /** Environment variable naming the default backend (the system property wins). */
    public static final String ENV = "SAM3J_BACKEND";
    /** The name of the pure-Java CPU backend. */
    public static final String CPU = "cpu";
    /** The name that means "the best available". */
    public static final String AUTO = "auto";

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
                    try {
                        for (BackendProvider bp : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
                            if (found.stream().noneMatch(f -> f.name().equals(bp.name()))) found.add(bp);
                        }
                    } catch (ServiceConfigurationError e) {
                        LOG.warn("backend providers: {}", e.toString());
                    }
                    found.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
                    p = List.copyOf(found);
                    providers = p;
                }
            }
        }
        return p;
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
        String n = System.getProperty(PROPERTY);
        if (n == null || n.isBlank()) n = System.getenv(ENV);
        if (n != null && !n.isBlank() && !n.trim().equalsIgnoreCase(AUTO)) return n.trim().toLowerCase(Locale.ROOT);
        return best().name();
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
        BackendProvider p = name == null || name.isBlank() || name.trim().equalsIgnoreCase(AUTO) ? best() : provider(name);
        return create(p, threads);
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
        return create(defaultName(), threads);
    }
}
