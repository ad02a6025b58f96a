package org.sam3j.backend.cuda;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A fake {@link LtApi} for host-side tests: hands out fresh handles, records every create and
 * destroy, and can fail the n-th create, the n-th attribute call or any destroy. No GPU, no cuBLASLt.
 */
final class RecordingLtApi implements LtApi {
    /** Creates (descriptor, layout, preference, algorithm) in order, as "kind#handle". */
    final List<String> created = new ArrayList<>();
    /** Destroys in order, as "kind#handle". */
    final List<String> destroyed = new ArrayList<>();
    /** Handles alive (created and not destroyed). */
    final Set<String> live = new LinkedHashSet<>();
    int matmuls;

    private long next = 0x1000;
    private int creates;
    private int sets;
    /** 1-based index of the create that fails (0: none). */
    int failCreate;
    /** 1-based index of the attribute call that fails (0: none). */
    int failSet;
    /** Every destroy fails (after recording it). */
    boolean failDestroys;

    private long create(String kind) {
        creates++;
        if (creates == failCreate) throw new CudaException(kind + " create failed (injected)", 3);
        long h = next;
        next += 0x10;
        created.add(kind + "#" + h);
        live.add(kind + "#" + h);
        return h;
    }

    private void set() {
        sets++;
        if (sets == failSet) throw new CudaException("set attribute failed (injected)", 7);
    }

    private void destroy(String kind, long h) {
        String k = kind + "#" + h;
        if (!live.remove(k)) throw new AssertionError("destroy of " + k + " which is not alive");
        destroyed.add(k);
        if (failDestroys) throw new CudaException("destroy of " + k + " failed (injected)", 14);
    }

    int creates() {
        return creates;
    }

    int sets() {
        return sets;
    }

    @Override
    public long createMatmulDesc() {
        return create("desc");
    }

    @Override
    public void setMatmulDescInt(long desc, int attribute, int value) {
        set();
    }

    @Override
    public void setMatmulDescLong(long desc, int attribute, long value) {
        set();
    }

    @Override
    public void destroyMatmulDesc(long desc) {
        destroy("desc", desc);
    }

    @Override
    public long createLayout(int type, long rows, long cols, long ld) {
        return create("layout");
    }

    @Override
    public void setLayoutInt(long layout, int attribute, int value) {
        set();
    }

    @Override
    public void setLayoutLong(long layout, int attribute, long value) {
        set();
    }

    @Override
    public void destroyLayout(long layout) {
        destroy("layout", layout);
    }

    @Override
    public long createPreference() {
        return create("preference");
    }

    @Override
    public void setPreferenceInt(long preference, int attribute, int value) {
        set();
    }

    @Override
    public void setPreferenceLong(long preference, int attribute, long value) {
        set();
    }

    @Override
    public void destroyPreference(long preference) {
        destroy("preference", preference);
    }

    @Override
    public long findAlgorithm(long desc, long layoutA, long layoutB, long layoutC, long preference, String what) {
        return create("algorithm");
    }

    @Override
    public void freeAlgorithm(long algorithm) {
        destroy("algorithm", algorithm);
    }

    @Override
    public void matmul(long desc, long algorithm, long a, long layoutA, long b, long layoutB, long c, long layoutC,
                       long workspace, long workspaceBytes, long stream) {
        if (!live.contains("desc#" + desc) || !live.contains("algorithm#" + algorithm)) {
            throw new AssertionError("matmul on a destroyed plan");
        }
        matmuls++;
    }
}
