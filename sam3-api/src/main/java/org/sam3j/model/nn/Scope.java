package org.sam3j.model.nn;

import java.util.Objects;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;

/**
 * A module's place in the checkpoint tree: the graph it declares its parameters in and its path from the
 * root module, so a parameter's checkpoint name is its module path ({@code scope.child("norm1").weight("bias")}
 * → {@code <path>.norm1.bias}). Modules only ever take a scope and make child scopes for their children, so
 * the same modules load under another root ({@link #at(Graph, String)}).
 *
 * <p>A module also records what its forward returns ({@link #returns(Tensor)}, {@link #returnsTuple},
 * {@link #returns(String, ModuleOutput)}) under its path, as the reference's forward hooks key them, so a
 * verifier finds the node of a recorded hook by the hook's module path (see {@link Graph#moduleOutputs()}).
 *
 * @param graph the graph the parameters are declared in
 * @param path  dotted path from the root, empty for the root itself
 */
public record Scope(Graph graph, String path) {
    /** Checks the path: no leading, trailing or doubled dots. */
    public Scope {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(path, "path");
        if (path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("bad module path '" + path + "'");
        }
    }

    /** The root of {@code g}'s module tree (checkpoint names as in {@code sam3.pt}). */
    public static Scope root(Graph g) {
        return new Scope(g, "");
    }

    /** A root under {@code prefix}: every parameter name is {@code prefix + "." + its path}. */
    public static Scope at(Graph g, String prefix) {
        return new Scope(g, prefix);
    }

    /** The scope of child module {@code name} (may itself be dotted, e.g. {@code "backbone.vision_backbone"}). */
    public Scope child(String name) {
        return new Scope(graph, qualify(name));
    }

    /** The scope of entry {@code index} of a module list ({@code layers.0}, {@code layers.1}, ...). */
    public Scope child(int index) {
        return child(Integer.toString(index));
    }

    /** The checkpoint name of {@code leaf} in this scope. */
    public String qualify(String leaf) {
        if (leaf.isEmpty()) throw new IllegalArgumentException("empty name under '" + path + "'");
        return path.isEmpty() ? leaf : path + "." + leaf;
    }

    /** Declares parameter {@code leaf} of this module (see {@link Graph#weight(String, int...)}). */
    public Tensor weight(String leaf, int... shape) {
        return graph.weight(qualify(leaf), shape);
    }

    /** Records {@code out} as what this module returns (hook key {@code <path>}); returns {@code out}. */
    public Tensor returns(Tensor out) {
        graph.recordModuleOutput(path, ModuleOutput.of(out));
        return out;
    }

    /** Records {@code out} as what this module returns (hook key {@code <path>}). */
    public void returns(ModuleOutput out) {
        graph.recordModuleOutput(path, out);
    }

    /**
     * Records the elements of the tuple this module returns (hook keys {@code <path>.0}, {@code <path>.1}, ...);
     * a null element is one the graph does not compute (the caller derives it, e.g. from the inputs).
     */
    public void returnsTuple(Tensor... elements) {
        for (int i = 0; i < elements.length; i++) {
            if (elements[i] != null) returns(Integer.toString(i), ModuleOutput.of(elements[i]));
        }
    }

    /** Records entry {@code element} (a tuple index or a dict key) of what this module returns ({@code <path>.<element>}). */
    public Tensor returns(String element, Tensor out) {
        returns(element, ModuleOutput.of(out));
        return out;
    }

    /** Records entry {@code element} (a tuple index or a dict key) of what this module returns ({@code <path>.<element>}). */
    public void returns(String element, ModuleOutput out) {
        graph.recordModuleOutput(qualify(element), out);
    }
}
