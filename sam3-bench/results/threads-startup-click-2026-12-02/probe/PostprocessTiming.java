import java.util.*;
import org.sam3j.Mask;
import org.sam3j.postprocess.BilinearResize;

public class PostprocessTiming {
    public static void main(String[] a) {
        int side = 288, W = 1800, H = 1200;
        Random rnd = new Random(1);
        float[][] fields = new float[2][side * side];
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) {
            fields[0][y * side + x] = (float) (Math.sin(x / 17.0) * Math.cos(y / 23.0) * 8); // smooth blobs
            fields[1][y * side + x] = (float) rnd.nextGaussian(); // noise
        }
        float[] up = new float[W * H];
        for (int f = 0; f < 2; f++) {
            long rs = Long.MAX_VALUE, ts = Long.MAX_VALUE; long area = 0;
            for (int r = 0; r < 60; r++) {
                long t0 = System.nanoTime();
                BilinearResize.resize(fields[f], 0, side, side, up, 0, H, W);
                long t1 = System.nanoTime();
                Mask m = Mask.fromThreshold(up, W, H, 0f);
                long t2 = System.nanoTime();
                area += m.area();
                if (r >= 10) { rs = Math.min(rs, t1 - t0); ts = Math.min(ts, t2 - t1); }
            }
            System.out.printf("%s: resize %.2f ms, threshold %.2f ms (area %d)%n", f == 0 ? "blobs" : "noise", rs / 1e6, ts / 1e6, area);
        }
    }
}
