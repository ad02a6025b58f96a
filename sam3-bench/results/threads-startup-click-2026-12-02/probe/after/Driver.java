import org.sam3j.*;
import org.sam3j.bench.BenchSupport;

public class Driver implements java.util.function.LongSupplier, AutoCloseable {
    private final Sam3Model model; private final Sam3Predictor p; private final Prompt click = Prompt.point(500, 375);
    public Driver(String config, String backend) throws Exception {
        model = Sam3Model.builder().syntheticWeights().config(BenchSupport.config(config))
                .tokenizer(BenchSupport.tokenizer()).backend(backend).backendOptions(BenchSupport.options(0)).build();
        p = model.newPredictor();
        p.setImage(BenchSupport.image());
        p.predict(click);
    }
    public long getAsLong() { long t0 = System.nanoTime(); p.predict(click); return System.nanoTime() - t0; }
    public void close() { p.close(); model.close(); }
}
