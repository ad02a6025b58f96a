package org.sam3j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.sam3j.weights.WeightLoadingException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code sam3} command-line tool. */
@Command(name = "sam3", mixinStandardHelpOptions = true, version = "sam3j 0.1.0-SNAPSHOT",
        description = "Segment Anything Model 3 on the JVM.",
        subcommands = {SegmentCommand.class, TrackCommand.class, ServeCommand.class, InfoCommand.class, VerifyCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class Sam3Cli {
    /** Entry point. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool in-process and returns its exit status. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Sam3Cli());
        cl.setParameterExceptionHandler((e, args1) -> {
            // one line, like every other user error; the usage is one --help away
            CommandLine cmd = e.getCommandLine();
            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            cmd.getErr().println("sam3: " + m + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sam3: " + userMessage(e));
            cmd.getErr().flush();
            return isUserError(e) ? 2 : 1;
        });
        return cl.execute(args);
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof UserException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException || e instanceof WeightLoadingException;
    }

    /** The one-line message reported for an exception. */
    static String userMessage(Throwable e) {
        if (e instanceof NoSuchFileException) {
            NoSuchFileException n = (NoSuchFileException) e;
            return "no such file: " + n.getFile() + (n.getReason() != null ? " (" + n.getReason() + ")" : "");
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + ((AccessDeniedException) e).getFile();
        }
        if (e instanceof FileSystemException && !(e instanceof NoSuchFileException)) {
            FileSystemException f = (FileSystemException) e;
            String what = e instanceof FileAlreadyExistsException ? "already exists"
                    : e instanceof NotDirectoryException ? "not a directory"
                    : f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            return f.getFile() + ": " + what + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "");
        }
        if (e instanceof WeightLoadingException) {
            WeightLoadingException w = (WeightLoadingException) e;
            String first = w.getMessage().lines().findFirst().orElse("");
            String head = first.contains(": ") ? first.substring(0, first.lastIndexOf(": ")) : first;
            int n = w.problems().size();
            String shown = String.join("; ", w.problems().subList(0, Math.min(3, n)));
            return head + ": " + shown + (n > 3 ? "; and " + (n - 3) + " more" : "");
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.toString();
        return m.lines().findFirst().orElse(m);
    }
}
