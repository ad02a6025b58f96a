package org.sam3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.sam3j.Mask;
import org.sam3j.Rle;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.testing.SharedData;

/**
 * The web page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven
 * through Selenium; Selenium Manager is never asked to download anything): upload truck.jpg, a text prompt
 * with the threshold slider, toggling an instance, the COCO RLE and PNG downloads, a click and a dragged box,
 * each checked against the REST answer for the same prompt and against the canvas pixels. Screenshots are
 * kept under {@code target/browser/}.
 */
@Tag("browser")
class ServeBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofMinutes(5);

    private static Sam3Model model;
    private static Sam3Server server;
    private static ApiClient api;
    private static ChromeDriver driver;
    private static Path profile;
    private static Path downloads;
    private static Path artefacts;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "): apt-get update && apt-get install -y chromium chromium-driver");
        artefacts = Path.of("target", "browser").toAbsolutePath();
        Files.createDirectories(artefacts);
        downloads = Files.createDirectories(artefacts.resolve("downloads"));
        try (Stream<Path> s = Files.list(downloads)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        profile = Files.createTempDirectory("sam3-chromium-profile-");
        model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny())
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
        server = Sam3Server.start(model, "127.0.0.1", 0, ServerLimits.defaults(), Map.of("source", "synthetic"));
        api = new ApiClient(server.uri());

        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (driver != null) driver.quit();
        if (server != null) server.close();
        if (model != null) model.close();
        if (profile != null) {
            try (Stream<Path> s = Files.walk(profile)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) p.toFile().delete();
            }
        }
        driver = null;
        server = null;
        model = null;
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until the page has finished {@code n} requests (uploads and prompts) and is idle. */
    private static void awaitCompleted(int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Object done = js("return window.sam3.completed >= arguments[0] && !window.sam3.busy"
                    + " && !window.sam3.pending;", n);
            if (Boolean.TRUE.equals(done)) return;
            Thread.sleep(200);
        }
        throw new AssertionError("the page did not finish request " + n + " in " + WAIT + "; status: "
                + driver.findElement(By.id("status")).getText());
    }

    /** Pixels of the canvas that differ from the snapshot taken by {@link #snapshot()}. */
    private static long changedPixels() {
        return ((Number) js("const c = document.getElementById('canvas');"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, b = window.__base; let n = 0;"
                + "for (let i = 0; i < d.length; i += 4) if (d[i] !== b[i] || d[i + 1] !== b[i + 1] || d[i + 2] !== b[i + 2]) n++;"
                + "return n;")).longValue();
    }

    private static void snapshot() {
        js("const c = document.getElementById('canvas');"
                + "window.__base = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;");
    }

    private static void screenshot(String name) throws IOException {
        Files.write(artefacts.resolve(name), driver.getScreenshotAs(OutputType.BYTES));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pageInstances() throws IOException {
        String json = (String) js("return JSON.stringify(window.sam3.result.instances.map("
                + "i => ({rank: i.rank, query: i.query, candidate: i.candidate, score: i.score, box: i.box, area: i.area,"
                + " rle: i.rle})));");
        return (List<Map<String, Object>>) numbersAsDoubles(ApiClient.JSON.readValue(json, List.class));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> restInstances(String id, String prompt) throws Exception {
        ApiClient.Answer a = api.segment(id, prompt);
        assertEquals(200, a.status(), a.body());
        return (List<Map<String, Object>>) numbersAsDoubles(a.json().get("instances"));
    }

    /** JSON values with every number as a double (JavaScript writes 75.0 as 75). */
    private static Object numbersAsDoubles(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof List<?> l) return l.stream().map(ServeBrowserTest::numbersAsDoubles).toList();
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, numbersAsDoubles(x)));
            return out;
        }
        return v;
    }

    /** At most how many pixels the instances' box outlines of width {@code band} cover. */
    private static long outlineBound(List<Map<String, Object>> instances, int band) {
        long n = 0;
        for (Map<String, Object> i : instances) {
            List<?> b = (List<?>) i.get("box");
            double w = ((Number) b.get(2)).doubleValue() - ((Number) b.get(0)).doubleValue();
            double h = ((Number) b.get(3)).doubleValue() - ((Number) b.get(1)).doubleValue();
            n += (long) Math.ceil(2 * (w + h + 2 * band) * band);
        }
        return n;
    }

    /** Pixels in the union of the instances' masks. */
    private static long unionArea(List<Map<String, Object>> instances) {
        boolean[] union = null;
        for (Map<String, Object> i : instances) {
            @SuppressWarnings("unchecked")
            boolean[] m = Mask.fromRle(Rle.fromMap((Map<String, ?>) i.get("rle"))).toBooleanArray();
            if (union == null) union = new boolean[m.length];
            for (int k = 0; k < m.length; k++) union[k] |= m[k];
        }
        long n = 0;
        if (union != null) for (boolean b : union) if (b) n++;
        return n;
    }

    private static Path awaitDownload(String name) throws InterruptedException {
        Path f = downloads.resolve(name);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        // Chromium may show the final name before the bytes are in (seen under load: an empty file), so wait until
        // no partial download is left and the size has stopped changing
        Path partial = downloads.resolve(name + ".crdownload");
        long lastSize = -1;
        while (System.nanoTime() < deadline) {
            long size = Files.isRegularFile(f) && !Files.exists(partial) ? sizeOrMinusOne(f) : -1;
            if (size > 0 && size == lastSize) return f;
            lastSize = size;
            Thread.sleep(100);
        }
        throw new AssertionError("no complete download of " + f + " within 30 s");
    }

    private static long sizeOrMinusOne(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1; // renamed or removed between the checks
        }
    }

    @Test
    void textPromptClickAndBoxInTheBrowser() throws Exception {
        driver.get(server.uri().toString());
        assertEquals("sam3j — Segment Anything 3", driver.getTitle());

        // upload
        driver.findElement(By.id("file")).sendKeys(SharedData.resolve("images/truck.jpg").toString());
        awaitCompleted(1);
        String id = (String) js("return window.sam3.imageId;");
        assertNotNull(id, driver.findElement(By.id("status")).getText());
        assertEquals(List.of(1800L, 1200L), js("const c = document.getElementById('canvas'); return [c.width, c.height];"));
        snapshot();
        assertEquals(0, changedPixels());

        // text prompt at threshold 0.25 (set while the text is empty, so that only the button sends a prompt)
        js("const t = document.getElementById('threshold'); t.value = '0.25'; t.dispatchEvent(new Event('input'));");
        assertEquals("0.25", driver.findElement(By.id("threshold-value")).getText());
        driver.findElement(By.id("text")).sendKeys("truck");
        driver.findElement(By.id("run-text")).click();
        awaitCompleted(2);
        List<Map<String, Object>> rest = restInstances(id, "{\"text\": \"truck\", \"threshold\": 0.25}");
        assertEquals(46, rest.size(), "the tiny synthetic model keeps 46 trucks at 0.25 (47 queries, one without pixels)");
        assertEquals(rest, pageInstances());
        List<WebElement> rows = driver.findElements(By.cssSelector("#instances li"));
        assertEquals(rest.size(), rows.size());
        assertEquals("46 instances", driver.findElement(By.id("status")).getText().replaceAll(" \\(.*", ""));
        long union = unionArea(rest);
        long changed = changedPixels();
        // every mask pixel is blended with a colour; the box outlines (3 px, antialiased) change at most a band each
        assertTrue(changed >= union * 0.98 && changed <= union + outlineBound(rest, 5), "changed " + changed + ", masks " + union);
        screenshot("serve-text.png");

        // hide every instance but the first: fewer pixels change, and the first mask's pixels still do
        List<WebElement> toggles = driver.findElements(By.cssSelector("#instances .toggle"));
        for (int k = 1; k < toggles.size(); k++) toggles.get(k).click();
        long onlyFirst = changedPixels();
        long firstArea = unionArea(rest.subList(0, 1));
        assertTrue(onlyFirst < changed && onlyFirst >= firstArea * 0.98, onlyFirst + " vs " + changed + ", " + firstArea);

        // downloads: the shown instance as COCO results, and its mask as PNG
        driver.findElement(By.id("download-json")).click();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> coco = (List<Map<String, Object>>) numbersAsDoubles(
                ApiClient.JSON.readValue(awaitDownload("masks_coco_rle.json").toFile(), List.class));
        assertEquals(1, coco.size());
        assertEquals(rest.get(0).get("rle"), coco.get(0).get("segmentation"));
        assertEquals(id, coco.get(0).get("image_id"));
        driver.findElements(By.cssSelector("#instances a.png")).get(0).click();
        Mask png = Mask.readPng(awaitDownload("mask_0.png"));
        @SuppressWarnings("unchecked")
        Rle firstRle = Rle.fromMap((Map<String, ?>) rest.get(0).get("rle"));
        assertEquals(firstRle, png.toRle());

        // a click on the image (at (500, 375) in image pixels) selects one object: three candidates
        Map<?, ?> rect = (Map<?, ?>) js("const r = document.getElementById('canvas').getBoundingClientRect();"
                + "return {w: r.width, h: r.height};");
        double scale = ((Number) rect.get("w")).doubleValue() / 1800;
        WebElement canvas = driver.findElement(By.id("canvas"));
        new Actions(driver).moveToElement(canvas, offset(500, 1800, scale), offset(375, 1200, scale)).click().perform();
        awaitCompleted(3);
        assertEquals("click", js("return document.querySelector('input[name=mode]:checked').value;"));
        List<?> point = (List<?>) ((List<?>) js("return window.sam3.points;")).get(0);
        float px = ((Number) point.get(0)).floatValue();
        float py = ((Number) point.get(1)).floatValue();
        assertTrue(Math.abs(px - 500) <= 2 / scale && Math.abs(py - 375) <= 2 / scale, point.toString());
        List<Map<String, Object>> click = restInstances(id, "{\"points\": [[" + px + ", " + py + ", 1]]}");
        assertEquals(3, click.size());
        assertEquals(click, pageInstances());
        assertEquals(3, driver.findElements(By.cssSelector("#instances li")).size());
        assertTrue(changedPixels() >= unionArea(click) * 0.98);

        // drag a box: the click and the box together
        new Actions(driver).moveToElement(canvas, offset(75, 1800, scale), offset(275, 1200, scale)).clickAndHold()
                .moveByOffset(40, 20).moveToElement(canvas, offset(1725, 1800, scale), offset(850, 1200, scale))
                .release().perform();
        awaitCompleted(4);
        List<?> box = (List<?>) js("return window.sam3.box;");
        assertNotNull(box);
        List<Float> b = new ArrayList<>();
        for (Object v : box) b.add(((Number) v).floatValue());
        List<Map<String, Object>> boxed = restInstances(id, "{\"points\": [[" + px + ", " + py + ", 1]], \"box\": " + b + "}");
        assertEquals(boxed, pageInstances());
        screenshot("serve.png");
    }

    /** Offset from the element's centre (Selenium 4's origin) to an image coordinate. */
    private static int offset(double imageCoord, int imageSize, double scale) {
        return (int) Math.round((imageCoord - imageSize / 2.0) * scale);
    }
}
