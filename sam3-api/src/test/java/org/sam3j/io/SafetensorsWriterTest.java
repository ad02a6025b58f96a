package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomicity and argument checks of {@link SafetensorsWriter}. */
class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writingLeavesOnlyTheTargetFile() throws IOException {
        SafetensorsWriter.write(tmp.resolve("a.safetensors"), SafetensorsFileTest.sampleTensors(), Map.of("x", "y"));
        assertEquals(List.of("a.safetensors"), listing());
    }

    @Test
    void overwritingReplacesTheWholeFile() throws IOException {
        Path file = tmp.resolve("b.safetensors");
        SafetensorsWriter.write(file, SafetensorsFileTest.sampleTensors(), null);
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats("only", new long[] {2}, new float[] {1, 2})), null);
        assertEquals(List.of("b.safetensors"), listing());
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            assertEquals(List.of("only"), List.copyOf(sf.names()));
            assertArrayEquals(new float[] {1, 2}, sf.tensor("only").toFloats());
        }
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndTheTargetUntouched() throws IOException {
        // The target is a non-empty directory: the final move fails after the data was written.
        Path target = Files.createDirectory(tmp.resolve("c.safetensors"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        assertThrows(IOException.class,
                () -> SafetensorsWriter.write(target, SafetensorsFileTest.sampleTensors(), null));
        assertEquals(List.of("c.safetensors"), listing());
        assertEquals("keep", Files.readString(target.resolve("keep.txt")));
    }

    @Test
    void invalidArgumentsWriteNothing() throws IOException {
        StoredTensor a = StoredTensor.ofFloats("same", new long[] {1}, new float[] {1});
        StoredTensor b = StoredTensor.ofFloats("same", new long[] {1}, new float[] {2});
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(tmp.resolve("d.safetensors"), List.of(a, b), null));
        StoredTensor meta = StoredTensor.ofFloats("__metadata__", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(tmp.resolve("e.safetensors"), List.of(meta), null));
        assertEquals(List.of(), listing());
    }
}
