package dev.spruce.server;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The server's Prometheus metrics: requests by endpoint and status, tokens, time to first token and
 * inter-token latency, decode batch sizes, and gauges of the queue, the batch and the KV memory.
 * Thread-safe.
 */
final class ServerMetrics {

    /** Seconds: 1 ms to 30 s, dense where a small model's decode steps and prefills fall. */
    private static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25,
            0.5, 0.75, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder().name("spruce_requests_total")
            .help("HTTP requests by endpoint and status code").labelNames("endpoint", "status").register(registry);
    private final Counter promptTokens = Counter.builder().name("spruce_prompt_tokens_total")
            .help("Prompt tokens of finished generations").register(registry);
    private final Counter generatedTokens = Counter.builder().name("spruce_generated_tokens_total")
            .help("Tokens generated (EOS included)").register(registry);
    private final Counter cancelled = Counter.builder().name("spruce_cancelled_generations_total")
            .help("Generations ended because the client went away").register(registry);
    private final Histogram timeToFirstToken = Histogram.builder().name("spruce_time_to_first_token_seconds")
            .help("From a request's arrival (queueing included) to its first token").classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS).register(registry);
    private final Histogram interTokenLatency = Histogram.builder().name("spruce_inter_token_latency_seconds")
            .help("Between consecutive tokens of one generation").classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS).register(registry);
    private final Histogram batchSize = Histogram.builder().name("spruce_decode_batch_size")
            .help("Sequences that decode a token in each forward pass (prompt chunks not counted)").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);

    private final Counter passes = Counter.builder().name("spruce_forward_passes_total")
            .help("Forward passes by what they carried: decode (next tokens only), prefill (prompt chunks only),"
                    + " mixed (prompt chunks riding along with decode rows)").labelNames("rows").register(registry);
    private final Counter schedulerSeconds = Counter.builder().name("spruce_scheduler_seconds_total")
            .help("Wall time of the batch scheduler's thread by phase: forward (passes over decode rows and prompt"
                    + " chunks), sampling (choosing tokens and streaming their text), admission (new sessions), idle")
            .labelNames("phase").register(registry);

    ServerMetrics() {
        // CPU seconds of the whole process (Prometheus' standard name): on a shared machine, tokens per
        // CPU-second compare runs that got different shares of the cores.
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            CounterWithCallback.builder().name("process_cpu_seconds_total").help("CPU time of the server process")
                    .callback(cb -> cb.call(os.getProcessCpuTime() / 1e9)).register(registry);
        }
    }

    /** Registers the gauges read from the scheduler at each scrape. */
    void watch(LongSupplier queued, LongSupplier active, LongSupplier kvBytes) {
        gauge("spruce_queue_depth", "Requests waiting for a place in the batch", queued);
        gauge("spruce_active_sequences", "Sequences being generated", active);
        gauge("spruce_kv_cache_bytes", "Bytes of KV cache held by the sequences being generated", kvBytes);
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    void firstToken(long nanos) {
        timeToFirstToken.observe(nanos / 1e9);
    }

    void interToken(long nanos) {
        interTokenLatency.observe(nanos / 1e9);
    }

    /** A forward pass over {@code decodeRows} next tokens and {@code promptRows} prompt tokens. */
    void forwardPass(int decodeRows, int promptRows) {
        if (decodeRows > 0) {
            batchSize.observe(decodeRows);
        }
        passes.labelValues(promptRows == 0 ? "decode" : decodeRows == 0 ? "prefill" : "mixed").inc();
    }

    /** Adds {@code nanos} of the scheduler thread's wall time to {@code phase}. */
    void schedulerTime(String phase, long nanos) {
        schedulerSeconds.labelValues(phase).inc(nanos / 1e9);
    }

    void finished(int prompt, int generated, boolean wasCancelled) {
        promptTokens.inc(prompt);
        generatedTokens.inc(generated);
        if (wasCancelled) {
            cancelled.inc();
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
