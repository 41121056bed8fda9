package dev.spruce.bench.e2e;

import java.util.List;

/**
 * What one engine's process reports back to the decode bench.
 *
 * @param engine      the engine's name
 * @param model       the checkpoint directory
 * @param threads     compute threads
 * @param loadSeconds opening the checkpoint until the engine can run
 * @param runs        the timed generations, warm-ups excluded
 * @param systemLoad  the system's one-minute load average before and after the timed runs: above
 *                    the thread count, other processes were competing for the cores
 * @param residentBytes the engine process's resident memory (VmRSS) after the timed runs, or -1
 *                      where /proc is not there: weights that are mapped count once touched
 */
public record EngineResult(String engine, String model, int threads, double loadSeconds, List<DecodeRun> runs,
                           double[] systemLoad, long residentBytes) {
}
