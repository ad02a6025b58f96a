package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.io.TorchZipBuilder.Pickle;

/** The pickle interpreter on its own, with the torch allowlist as resolver. */
class PickleReaderTest {
    @TempDir
    Path tmp;

    private static Object load(byte[] pkl) throws CheckpointFormatException {
        return PickleReader.load(pkl, "test", new TorchUnpickler("test", key -> -1));
    }

    private static CheckpointFormatException rejects(byte[] pkl) {
        return assertThrows(CheckpointFormatException.class, () -> load(pkl));
    }

    @Test
    void scalarsAndContainers() throws CheckpointFormatException {
        byte[] pkl = new Pickle().proto(2).mark()
                .integer(255).integer(65535).integer(-2).integer(1L << 40)
                .op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1) // LONG1: 2^64
                .op(0x8a, 0) // LONG1 of zero bytes: 0
                .dbl(-0.5).str("é").shortStr("s").bytes(new byte[] {9}).none().bool(true)
                .list().mark().integer(1).integer(2).appends()
                .dict().str("k").integer(1).setitem()
                .op(0x8f).mark().integer(3).op(0x90) // EMPTY_SET, ADDITEMS
                .tuple().stop().bytes();
        List<?> t = (List<?>) load(pkl);
        assertEquals(255L, t.get(0));
        assertEquals(65535L, t.get(1));
        assertEquals(-2L, t.get(2));
        assertEquals(1L << 40, t.get(3));
        assertEquals(BigInteger.ONE.shiftLeft(64), t.get(4));
        assertEquals(0L, t.get(5));
        assertEquals(-0.5, t.get(6));
        assertEquals("é", t.get(7));
        assertEquals("s", t.get(8));
        assertTrue(Arrays.equals(new byte[] {9}, (byte[]) t.get(9)));
        assertEquals(null, t.get(10));
        assertEquals(true, t.get(11));
        assertEquals(List.of(1L, 2L), t.get(12));
        assertEquals(Map.of("k", 1L), t.get(13));
        assertEquals(java.util.Set.of(3L), t.get(14));
    }

    @Test
    void memoProtocol0AndTextOpcodes() throws CheckpointFormatException {
        byte[] pkl = new Pickle().proto(2).mark()
                .raw("I42\n".getBytes(StandardCharsets.US_ASCII))
                .raw("p7\n".getBytes(StandardCharsets.US_ASCII))
                .raw("g7\n".getBytes(StandardCharsets.US_ASCII))
                .raw("L12345678901234567890L\n".getBytes(StandardCharsets.US_ASCII))
                .raw("F1.25\n".getBytes(StandardCharsets.US_ASCII))
                .str("x").put(3).op('0').get(3) // POP, then BINGET of the popped value
                .tuple().stop().bytes();
        assertEquals(List.of(42L, 42L, new BigInteger("12345678901234567890"), 1.25, "x"), load(pkl));
    }

    @Test
    void malformedPicklesAreFormatErrors() {
        assertTrue(rejects(new byte[0]).getMessage().contains("truncated"));
        assertTrue(rejects(new Pickle().proto(2).stop().bytes()).getMessage().contains("stack underflow"));
        assertTrue(rejects(new Pickle().proto(2).op(0xff).bytes()).getMessage().contains("unknown pickle opcode 0xff"));
        assertTrue(rejects(new Pickle().proto(9).bytes()).getMessage().contains("protocol 9"));
        assertTrue(rejects(new Pickle().proto(2).get(5).bytes()).getMessage().contains("memo index 5"));
        assertTrue(rejects(new Pickle().proto(2).integer(1).setitem().stop().bytes()).getMessage()
                .contains("stack underflow"));
        assertTrue(rejects(new Pickle().proto(2).list().integer(1).integer(2).setitem().stop().bytes()).getMessage()
                .contains("SETITEM on list"));
        assertTrue(rejects(new Pickle().proto(2).op('X', 0xff, 0xff, 0xff, 0x7f).bytes()).getMessage()
                .contains("truncated"));
        assertTrue(rejects(new Pickle().proto(2).integer(1).tuple().bytes()).getMessage().contains("no MARK"));
        assertTrue(rejects(new Pickle().proto(2).mark().stop().bytes()).getMessage().contains("MARK"));
        assertTrue(rejects(new Pickle().proto(2).raw("cos\nsys".getBytes(StandardCharsets.US_ASCII)).bytes())
                .getMessage().contains("unterminated"));
        assertTrue(rejects(new Pickle().proto(2).op(0x82, 1).bytes()).getMessage().contains("EXT1"));
        assertTrue(rejects(new Pickle().proto(5).op(0x97).bytes()).getMessage().contains("NEXT_BUFFER"));
        // Error messages give the offset of the failing opcode.
        assertTrue(rejects(new Pickle().proto(2).op(0xfe).bytes()).getMessage().contains("pickle offset 2"));
    }

    @Test
    void unhashableKeysAndSelfReferencesCannotHang() throws IOException {
        // l = []; l.append(l); d = {(l,): 1}
        byte[] key = new Pickle().proto(2).dict().list().put(0).get(0).op('a').op(0x85).integer(1).setitem()
                .stop().bytes();
        assertTrue(rejects(key).getMessage().contains("unhashable"));
        // A self-containing list as a checkpoint extra: reported, not a stack overflow.
        byte[] cyclic = new Pickle().proto(2).dict().str("x").list().put(0).get(0).op('a').setitem().stop().bytes();
        Path file = new TorchZipBuilder().pickle(cyclic).write(tmp.resolve("cyclic.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("nested too deeply"), e.getMessage());
    }

    @Test
    void resolverDecidesEveryCall() {
        // NEWOBJ of an allowlisted class with arguments, BUILD on a non-dict, a bad persistent id.
        assertTrue(rejects(new Pickle().proto(2).global("collections", "OrderedDict").ints(1).op(0x81).stop().bytes())
                .getMessage().contains("NEWOBJ"));
        assertTrue(rejects(new Pickle().proto(2).list().dict().build().stop().bytes()).getMessage().contains("BUILD"));
        assertTrue(rejects(new Pickle().proto(2).str("x").persid().stop().bytes()).getMessage()
                .contains("persistent id"));
        assertTrue(rejects(new Pickle().proto(2).mark().str("storage").global("torch", "FloatStorage").str("0")
                .str("cpu").integer(1).tuple().persid().stop().bytes()).getMessage().contains("missing"));
        assertTrue(rejects(new Pickle().proto(2).global("torch", "ComplexDoubleStorage").stop().bytes()).getMessage()
                .contains("unsupported tensor storage type 'torch.ComplexDoubleStorage'"));
        assertTrue(rejects(new Pickle().proto(2).global("torch._utils", "_rebuild_tensor_v2").mark().str("s").integer(0)
                .ints(1).tuple().reduce().stop().bytes()).getMessage().contains("4 to 7 arguments"));
    }
}
