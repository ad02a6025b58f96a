package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.testing.SharedData;

/** {@code sam3 verify} driven in-process: output format, exit status, bad input. */
class VerifyCommandTest {

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = Sam3Cli.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void inputProbePassesAndSummaryIsPrinted() {
        Run r = run("verify", "--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString(), "--only", "input");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("input.normalized"), r.out());
        assertTrue(r.out().contains("PASS"), r.out());
        assertTrue(r.out().contains("verify: 1 passed, 0 failed, 0 skipped"), r.out());
    }

    @Test
    void keysNotProducedYetAreSkippedNotPassed() {
        Run r = run("verify", "--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString(), "--only", "inter");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*verify: 0 passed, 0 failed, [1-9]\\d* skipped.*"), r.out());
        assertTrue(r.out().contains("SKIP"), r.out());
    }

    @Test
    void hookPrefixIsAcceptedAndAnUnknownPrefixIsAnError() {
        String dir = SharedData.resolve("fixtures/sam3/tiny").toString();
        Run ok = run("verify", "--fixtures", dir, "--only", "hook.inter0");
        assertEquals(0, ok.status(), ok.out() + ok.err());
        assertTrue(ok.out().contains("hook.inter0."), ok.out());
        Run typo = run("verify", "--fixtures", dir, "--only", "backbnoe");
        assertEquals(2, typo.status(), typo.out() + typo.err());
        assertTrue(typo.err().contains("matches --only backbnoe"), typo.err());
    }

    @Test
    void notAFixtureDirectoryIsAClearError(@TempDir Path dir) {
        Run r = run("verify", "--fixtures", dir.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("not a fixture directory"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
