package org.sam3j.backend.openblas;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backend;
import org.sam3j.verify.ParityAssertions;

/**
 * The reference fixtures on the OpenBLAS backend, with the same assertions as sam3-api's parity tests on the
 * pure-Java backend: every {@code input}, {@code image}, {@code backbone}, {@code text} and {@code inter} key is
 * checked and passes, none skipped. The full-size run (one encoding for every key) is tagged {@code slow}.
 */
class OpenBlasParityTest {
    private static Backend backend;

    @BeforeAll
    static void start() {
        backend = OpenBlasBackend.create();
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void tinyModelMatchesTheReference() throws Exception {
        ParityAssertions.check(backend, "fixtures/sam3/tiny", List.of("input", "image", "backbone", "text", "inter"));
    }

    @Test
    @Tag("slow")
    void fullModelMatchesTheReference() throws Exception {
        ParityAssertions.check(backend, "fixtures/sam3/full", List.of("input", "image", "backbone", "text", "inter"));
    }
}
