package org.sam3j.internal;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Loggers of sam3j's library code. sam3j logs through SLF4J; when the application has no SLF4J provider
 * (Logback, Log4j, slf4j-simple, slf4j-nop, ...), SLF4J would print "No SLF4J providers were found" and drop
 * every message, so this hands out loggers over the JDK's {@link System.Logger} instead (by default
 * {@code java.util.logging}: INFO and above on stderr). Which one is decided once, without initialising
 * SLF4J's {@link LoggerFactory} (whose start-up prints that warning).
 */
public final class Log {
    /** System property naming an SLF4J provider class explicitly (honoured by SLF4J 2.0.9 and later). */
    static final String PROVIDER_PROPERTY = "slf4j.provider";

    private static final boolean SLF4J_PROVIDER =
            slf4jProviderPresent(SLF4JServiceProvider.class.getClassLoader(), System.getProperty(PROVIDER_PROPERTY));

    private Log() {}

    /** The logger named after {@code type}: SLF4J's when a provider is present, else one over System.Logger. */
    public static Logger get(Class<?> type) {
        return select(type.getName(), SLF4J_PROVIDER);
    }

    /** The logger {@code name} from SLF4J ({@code slf4jProvider}) or over {@code System.getLogger(name)}. */
    static Logger select(String name, boolean slf4jProvider) {
        return slf4jProvider ? LoggerFactory.getLogger(name) : new SystemLoggerAdapter(name, System.getLogger(name));
    }

    /**
     * Whether SLF4J will find a provider: {@code explicitProvider} (the {@value #PROVIDER_PROPERTY} property) is
     * set, or {@link ServiceLoader} finds an {@link SLF4JServiceProvider} through {@code loader}, as SLF4J looks
     * for them. Only locates the provider classes; instantiates nothing.
     */
    static boolean slf4jProviderPresent(ClassLoader loader, String explicitProvider) {
        if (explicitProvider != null && !explicitProvider.isBlank()) return true;
        try {
            return ServiceLoader.load(SLF4JServiceProvider.class, loader).stream().findAny().isPresent();
        } catch (ServiceConfigurationError e) {
            return false; // a broken provider declaration: SLF4J would fall back to dropping every message
        }
    }

    /** An SLF4J logger writing to a {@link System.Logger}: levels mapped one to one, SLF4J's {@code {}} formatting. */
    static final class SystemLoggerAdapter extends LegacyAbstractLogger {
        private final transient System.Logger delegate;

        SystemLoggerAdapter(String name, System.Logger delegate) {
            this.name = name;
            this.delegate = delegate;
        }

        static System.Logger.Level map(Level level) {
            return switch (level) {
                case TRACE -> System.Logger.Level.TRACE;
                case DEBUG -> System.Logger.Level.DEBUG;
                case INFO -> System.Logger.Level.INFO;
                case WARN -> System.Logger.Level.WARNING;
                case ERROR -> System.Logger.Level.ERROR;
            };
        }

        @Override
        public boolean isTraceEnabled() {
            return delegate.isLoggable(System.Logger.Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return delegate.isLoggable(System.Logger.Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return delegate.isLoggable(System.Logger.Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return delegate.isLoggable(System.Logger.Level.WARNING);
        }

        @Override
        public boolean isErrorEnabled() {
            return delegate.isLoggable(System.Logger.Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, org.slf4j.Marker marker, String messagePattern,
                                                   Object[] arguments, Throwable throwable) {
            Throwable thrown = throwable;
            Object[] args = arguments;
            if (thrown == null) {
                // a trailing Throwable argument is the exception, as SLF4J's providers take it
                thrown = MessageFormatter.getThrowableCandidate(args);
                if (thrown != null) args = MessageFormatter.trimmedCopy(args);
            }
            String message = MessageFormatter.basicArrayFormat(messagePattern, args);
            if (thrown != null) delegate.log(map(level), message, thrown);
            else delegate.log(map(level), message);
        }
    }
}
