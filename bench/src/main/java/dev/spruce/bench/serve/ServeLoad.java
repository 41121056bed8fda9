package dev.spruce.bench.serve;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Load on a running {@code spruce serve}: N clients each send streaming completions back to back
 * for a fixed time, and the run reports failed requests, time to first token and inter-token
 * latency (p50/p99, as the clients see them) and the aggregate tokens/s (completion tokens from
 * each stream's usage chunk over the wall time until the last request ends).
 *
 * <p>Usage: {@code ServeLoad URL MODEL CLIENTS SECONDS [MAX_TOKENS]}; after 5 s of uncounted warm-up
 * load, prints one summary line, one line on the server's side of the run and one JSON line.
 * Latencies are measured where the client sees them: they include HTTP, and on a machine whose cores
 * the decode loop keeps busy, chunks of several steps may arrive together (small gaps followed by a
 * large one).
 *
 * <p>The server's side comes from its {@code /metrics} before and after the counted run: its CPU
 * seconds (tokens per CPU-second compare runs that got different shares of a shared machine's cores;
 * the one-minute load average before and after is printed beside it), where its scheduler's time
 * went (forward passes, sampling, admission, idle) and how many forward passes carried prompt chunks.
 */
public final class ServeLoad {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double WARM_UP_SECONDS = 5;
    private static final String[] PROMPTS = {"Once upon a time", "The little dog", "One day, Tom and Sue",
            "There was a big tree", "Lily wanted to"};

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final String model;
    private final int maxTokens;
    private final List<Double> ttft = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> itl = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final List<String> failureSamples = Collections.synchronizedList(new ArrayList<>());

    private ServeLoad(String url, String model, int maxTokens) {
        this.uri = URI.create(url + "/v1/completions");
        this.model = model;
        this.maxTokens = maxTokens;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ServeLoad URL MODEL CLIENTS SECONDS [MAX_TOKENS]");
            System.exit(2);
        }
        int clients = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        int maxTokens = args.length > 4 ? Integer.parseInt(args[4]) : 128;
        // A few seconds of the same load first, not counted: the server's JIT warms up.
        new ServeLoad(args[0], args[1], maxTokens).run(clients, WARM_UP_SECONDS, false);
        new ServeLoad(args[0], args[1], maxTokens).run(clients, seconds, true);
    }

    private void run(int clients, double seconds, boolean report) throws InterruptedException {
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Double> metricsBefore = report ? serverMetrics() : Map.of();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                pool.submit(() -> {
                    for (int i = 0; System.nanoTime() < deadline; i++) {
                        request(client * 100_003L + i, PROMPTS[(client + i) % PROMPTS.length]);
                    }
                });
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (!report) {
            return;
        }
        double tps = tokens.get() / wall;
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Double> server = new TreeMap<>();
        serverMetrics().forEach((k, v) -> server.put(k, v - metricsBefore.getOrDefault(k, 0.0)));
        System.out.println(String.format(Locale.ROOT,
                "clients %d: %d requests, %d failed, %d tokens in %.1f s = %.1f tokens/s; TTFT p50 %.1f ms p99 %.1f ms;"
                        + " ITL p50 %.1f ms p99 %.1f ms",
                clients, requests.get(), failures.get(), tokens.get(), wall, tps, pct(ttft, 50), pct(ttft, 99),
                pct(itl, 50), pct(itl, 99)));
        double cpu = server.getOrDefault("process_cpu_seconds_total", Double.NaN);
        StringBuilder side = new StringBuilder(String.format(Locale.ROOT,
                "  server: load %.2f -> %.2f; CPU %.1f s (%.2f cores, %.1f tokens per CPU-second); scheduler",
                loadBefore, loadAfter, cpu, cpu / wall, tokens.get() / cpu));
        server.forEach((k, v) -> {
            if (k.startsWith("spruce_scheduler_seconds_total")) {
                side.append(String.format(Locale.ROOT, " %s %.1f s", label(k), v));
            }
        });
        side.append("; forward passes");
        server.forEach((k, v) -> {
            if (k.startsWith("spruce_forward_passes_total")) {
                side.append(String.format(Locale.ROOT, " %s %.0f", label(k), v));
            }
        });
        System.out.println(side);
        var json = JSON.createObjectNode();
        json.put("clients", clients).put("requests", requests.get()).put("failed", failures.get())
                .put("tokens", tokens.get()).put("seconds", wall).put("tokens_per_second", tps)
                .put("ttft_p50_ms", pct(ttft, 50)).put("ttft_p99_ms", pct(ttft, 99))
                .put("itl_p50_ms", pct(itl, 50)).put("itl_p99_ms", pct(itl, 99))
                .put("load_before", loadBefore).put("load_after", loadAfter);
        server.forEach((k, v) -> json.put("server." + k, v));
        json.putPOJO("failure_samples", failureSamples.subList(0, Math.min(5, failureSamples.size())));
        System.out.println(json);
    }

    /** One streamed completion; records its latencies and tokens, or a failure. */
    private void request(long seed, String prompt) {
        requests.incrementAndGet();
        var body = JSON.createObjectNode().put("model", model).put("prompt", prompt).put("max_tokens", maxTokens)
                .put("temperature", 0.8).put("seed", seed).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        long sent = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    fail("HTTP " + r.statusCode() + ": " + in.readLine());
                    return;
                }
                long last = 0;
                boolean done = false;
                List<Double> gaps = new ArrayList<>();
                long count = 0;
                double first = -1;
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    JsonNode chunk = JSON.readTree(data);
                    if (chunk.has("error")) {
                        fail("stream error: " + chunk.get("error").get("message").asText());
                        return;
                    }
                    if (chunk.hasNonNull("usage")) {
                        count = chunk.get("usage").get("completion_tokens").asLong();
                    }
                    JsonNode choices = chunk.get("choices");
                    if (choices != null && !choices.isEmpty() && !choices.get(0).path("text").asText("").isEmpty()) {
                        long now = System.nanoTime();
                        if (first < 0) {
                            first = (now - sent) / 1e6;
                        } else {
                            gaps.add((now - last) / 1e6);
                        }
                        last = now;
                    }
                }
                if (!done) {
                    fail("the stream ended without [DONE]");
                    return;
                }
                if (first >= 0) {
                    ttft.add(first);
                }
                itl.addAll(gaps);
                tokens.addAndGet(count);
            }
        } catch (Exception e) {
            fail(e.toString());
        }
    }

    /**
     * The server's counters from {@code /metrics} that describe a run (its CPU, scheduler time and
     * forward passes), keyed by series; empty if they cannot be read.
     */
    private Map<String, Double> serverMetrics() {
        Map<String, Double> values = new TreeMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve("/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().lines().toList()) {
                if (line.startsWith("process_cpu_seconds_total") || line.startsWith("spruce_scheduler_seconds_total")
                        || line.startsWith("spruce_forward_passes_total")) {
                    int space = line.lastIndexOf(' ');
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
        } catch (Exception e) {
            System.err.println("ServeLoad: no server metrics: " + e);
        }
        return values;
    }

    /** The label value of a series such as {@code name{phase="forward"}}. */
    private static String label(String series) {
        int eq = series.indexOf("=\"");
        return eq < 0 ? series : series.substring(eq + 2, series.lastIndexOf('"'));
    }

    private void fail(String why) {
        failures.incrementAndGet();
        failureSamples.add(why);
    }

    private static double pct(List<Double> values, double p) {
        List<Double> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
