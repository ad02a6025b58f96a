package org.sam3j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sam3} command-line tool. */
@Command(name = "sam3", mixinStandardHelpOptions = true, version = "sam3j 0.1.0-SNAPSHOT",
        description = "Segment Anything Model 3 on the JVM.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Sam3Cli {
    /** Entry point. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Sam3Cli()).execute(args));
    }
}
