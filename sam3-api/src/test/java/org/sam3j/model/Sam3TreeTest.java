package org.sam3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Scope;

/** The module tree: a parameter's name is its module path, so the same modules load under another root. */
class Sam3TreeTest {
    private static final Sam3Config CONFIG = Sam3Config.tiny();

    /** Declares every component of the tree (the image backbone with both necks). */
    private static void declareAll(Sam3Tree t) {
        Graph g = t.scope().graph();
        int s = CONFIG.imageSize();
        t.visionBackbone(true).forward(g.input("image", 1, 3, s, s));
        t.textEncoder();
        t.conceptDetector(CONFIG.textContextLength(), 1);
        t.promptEncoder();
        t.maskDecoder();
        t.noMemEmbed();
        t.memoryEncoder();
        t.memoryAttention();
    }

    private static Map<String, int[]> weights(Consumer<Graph> build) {
        Graph g = new Graph();
        build.accept(g);
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : g.weights().entrySet()) m.put(e.getKey(), e.getValue().shape());
        return m;
    }

    @Test
    void theSameModulesLoadUnderAnotherPrefix() {
        Map<String, int[]> official = weights(g -> declareAll(Sam3Tree.of(g, CONFIG)));
        Map<String, int[]> prefixed = weights(g -> declareAll(new Sam3Tree(Scope.at(g, "model.sam3"), CONFIG)));
        assertEquals(official.size(), prefixed.size());
        List<String> expected = new ArrayList<>();
        for (String name : official.keySet()) expected.add("model.sam3." + name);
        assertEquals(expected, new ArrayList<>(prefixed.keySet()), "same parameters, same order, under the prefix");
        for (Map.Entry<String, int[]> e : official.entrySet()) {
            assertArrayEquals(e.getValue(), prefixed.get("model.sam3." + e.getKey()), e.getKey());
        }
        for (String name : official.keySet()) {
            assertTrue(name.startsWith("detector.") || name.startsWith("tracker."), name + " sits in the checkpoint tree");
        }
    }

    @Test
    void childScopesNameParametersByTheirPath() {
        Graph g = new Graph();
        Scope s = Scope.root(g).child("a").child("layers").child(3);
        assertEquals("a.layers.3", s.path());
        assertEquals("a.layers.3.weight", s.qualify("weight"));
        s.weight("bias", 4);
        assertTrue(g.weights().containsKey("a.layers.3.bias"));
        assertThrows(IllegalArgumentException.class, () -> Scope.at(g, "a..b"));
        assertThrows(IllegalArgumentException.class, () -> Scope.at(g, ".a"));
        assertThrows(IllegalArgumentException.class, () -> s.qualify(""));
    }
}
