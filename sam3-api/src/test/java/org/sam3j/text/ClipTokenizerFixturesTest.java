package org.sam3j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.io.DType;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;

/**
 * Token ids against the reference's recorded {@code text<i>.token_ids} for every concept prompt of
 * the fixture cases (and the padding mask against {@code text<i>.language_mask}).
 */
class ClipTokenizerFixturesTest {
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = ClipTokenizer.fromBpeFile(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixtures/sam3/tiny/truck", "fixtures/sam3/full/truck"})
    void conceptPromptsMatchTheReferenceTokenIds(String fixture) throws IOException {
        JsonNode caseJson = new ObjectMapper().readTree(SharedData.resolve(fixture + ".json").toFile());
        Path tensors = SharedData.resolve(fixture + ".safetensors");
        int checked = 0;
        try (SafetensorsFile st = SafetensorsFile.open(tensors)) {
            for (JsonNode prompt : caseJson.get("prompts")) {
                if (!"concept".equals(prompt.get("kind").asText())) continue;
                String key = prompt.get("key").asText();
                // A prompt without text (boxes only) is encoded as "visual", as the reference does.
                String text = prompt.has("text") ? prompt.get("text").asText() : "visual";

                StoredTensor ref = st.tensor(key + ".token_ids");
                assertEquals(DType.I64, ref.dtype(), key);
                assertArrayEquals(new long[] {1, ClipTokenizer.DEFAULT_CONTEXT_LENGTH}, ref.shape(), key);
                long[] expected = ref.toLongs();

                TokenizedText tt = tokenizer.tokenize(text);
                assertArrayEquals(expected, tt.idsAsLongs(), fixture + " " + key + " '" + text + "'");
                assertFalse(tt.truncated());
                int valid = 0;
                while (valid < expected.length && expected[valid] != 0) valid++;
                assertEquals(valid, tt.length(), key);

                // language_mask (1 = padding) is stored as a probe: value k at flat index (k * 2654435761) mod 32.
                float[] maskProbe = st.tensor(key + ".language_mask.probe").toFloats();
                boolean[] mask = tt.paddingMask();
                for (int k = 0; k < maskProbe.length; k++) {
                    int idx = (int) Long.remainderUnsigned(k * 2654435761L, mask.length);
                    assertEquals(mask[idx] ? 1f : 0f, maskProbe[k], key + " language_mask at " + idx);
                }
                checked++;
            }
        }
        assertTrue(checked >= 4, "expected at least 4 concept prompts in " + fixture + ", found " + checked);
    }
}
