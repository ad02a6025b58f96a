import java.net.*;
import java.nio.file.*;
import java.util.*;
import java.util.function.LongSupplier;

/** Clicks alternating between two builds of sam3j in one JVM (one class loader each): same machine state. */
public class Inter {
    public static void main(String[] a) throws Exception {
        String config = a[0], backend = a[1]; int rounds = Integer.parseInt(a[2]);
        String[] names = {"before", "head"};
        LongSupplier[] d = new LongSupplier[2];
        for (int i = 0; i < 2; i++) {
            URL[] urls = {Path.of(a[3 + 2 * i]).toUri().toURL(), Path.of(a[4 + 2 * i]).toUri().toURL()};
            ClassLoader cl = new URLClassLoader(names[i], urls, ClassLoader.getPlatformClassLoader());
            d[i] = (LongSupplier) cl.loadClass("Driver").getConstructor(String.class, String.class).newInstance(config, backend);
        }
        List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = -3; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r & 1) == 0 ? k : 1 - k; // alternate who goes first
                double t = d[i].getAsLong() / 1e6;
                if (r >= 0) ms.get(i).add(t);
            }
        }
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) ratios[r] = ms.get(1).get(r) / ms.get(0).get(r);
        Arrays.sort(ratios);
        for (int i = 0; i < 2; i++) {
            List<Double> l = new ArrayList<>(ms.get(i)); Collections.sort(l);
            System.out.printf(Locale.ROOT, "%s %s %s: median %.1f ms, p25 %.1f, min %.1f (%d clicks)%n", names[i], config, backend,
                    l.get(l.size() / 2), l.get(l.size() / 4), l.get(0), l.size());
        }
        System.out.printf(Locale.ROOT, "head/before per round: median %.3f, p25 %.3f, p75 %.3f%n", ratios[rounds / 2], ratios[rounds / 4], ratios[3 * rounds / 4]);
        System.exit(0);
    }
}
