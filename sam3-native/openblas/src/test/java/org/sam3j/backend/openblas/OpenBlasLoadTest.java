package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a user reads when the OpenBLAS natives do not load. */
class OpenBlasLoadTest {
    @Test
    void failureMessageNamesTheArtifactThePlatformAndTheCause() {
        String m = OpenBlas.describe(new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path"));
        assertTrue(m.contains("org.bytedeco:openblas:0.3.31-1.5.13"), m);
        assertTrue(m.contains("did not load"), m);
        assertTrue(m.contains("UnsatisfiedLinkError: no jniopenblas_nolapack"), m);
    }

    @Test
    void loadsHere() {
        assertTrue(OpenBlas.isAvailable(), OpenBlas.failure());
        assertTrue(OpenBlas.version().startsWith("OpenBLAS 0.3.31"), OpenBlas.version());
    }
}
