package org.sam3j.onnx;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backend;
import org.sam3j.verify.ParityAssertions;

/**
 * The reference fixtures through the exported ONNX on ONNX Runtime (CPU provider), with the same assertions as
 * sam3-api's parity tests on the pure-Java backend: every {@code input}, {@code image} (ViT hooks),
 * {@code backbone} (both necks' levels), {@code text} (text encoder, detector outputs and hooks) and {@code inter}
 * (interactive decoder) key is checked against the fixture tolerances and passes, none skipped. One image encoding
 * serves every key. The full-size run is tagged {@code slow}.
 */
class OnnxRuntimeParityTest {
    private static final List<String> ALL = List.of("input", "image", "backbone", "text", "inter");
    private static Backend backend;

    @BeforeAll
    static void start() {
        backend = OnnxRuntimeBackend.create();
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    @Tag("slow") // export + ONNX Runtime over every tiny key (about a minute); OnnxReducedExportTest and ExportCommandTest cover the export by default
    void tinyModelMatchesTheReference() throws Exception {
        ParityAssertions.check(backend, "fixtures/sam3/tiny", ALL);
    }

    @Test
    @Tag("slow")
    void fullModelMatchesTheReference() throws Exception {
        ParityAssertions.check(backend, "fixtures/sam3/full", ALL);
    }
}
