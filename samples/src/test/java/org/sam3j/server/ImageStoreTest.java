package org.sam3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;

/** The bounded cache of images: least recently used dropped first, its predictor closed, its id then 404. */
class ImageStoreTest {
    @Test
    void leastRecentlyUsedImageIsDroppedAndClosed() throws Exception {
        try (Sam3Model model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny()).build();
             ImageStore store = new ImageStore(2)) {
            ImageStore.Entry a = new ImageStore.Entry(store.newId(), model.newPredictor(), 10, 10);
            ImageStore.Entry b = new ImageStore.Entry(store.newId(), model.newPredictor(), 10, 10);
            ImageStore.Entry c = new ImageStore.Entry(store.newId(), model.newPredictor(), 10, 10);
            assertNotEquals(a.id(), b.id());
            assertTrue(a.id().matches("[0-9a-f]{32}"), a.id());
            store.put(a);
            store.put(b);
            assertSame(a, store.get(a.id())); // a is now the most recently used
            store.put(c);
            assertEquals(2, store.size());
            assertSame(a, store.get(a.id()));
            assertSame(c, store.get(c.id()));
            ApiException gone = assertThrows(ApiException.class, () -> store.get(b.id()));
            assertEquals(404, gone.status());
            // b's predictor is closed: a prompt that got hold of b before it was dropped gets 404 too
            ApiException late = assertThrows(ApiException.class, () -> b.predict(Prompt.point(1, 1)));
            assertEquals(404, late.status());
            assertEquals(404, assertThrows(ApiException.class, () -> store.get("../../etc/passwd")).status());
        }
    }
}
