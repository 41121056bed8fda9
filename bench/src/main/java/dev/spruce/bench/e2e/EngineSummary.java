package dev.spruce.bench.e2e;

import dev.spruce.bench.checkpoint.Stats;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One engine's figures on one checkpoint, each min / median / max over the timed runs.
 *
 * @param decodeRoofline decode tokens/s × weight bytes per token ÷ the highest measured read
 *                       bandwidth: the fraction of the machine's bandwidth the decode steps turn
 *                       into weights read
 * @param generated      the greedy tokens of the last run
 * @param systemLoad     one-minute load average before and after the timed runs
 */
public record EngineSummary(String engine, double loadSeconds, int runs, Stats prefillTokensPerSecond,
                            Stats decodeTokensPerSecond, Stats ttftSeconds, Stats decodeRoofline, int[] generated,
                            double[] systemLoad) {

    static EngineSummary of(EngineResult r, long weightBytesPerToken, double bandwidthGBps) {
        List<DecodeRun> runs = r.runs();
        double bytesPerSecond = bandwidthGBps * 1e9;
        return new EngineSummary(r.engine(), r.loadSeconds(), runs.size(),
                stats(runs, DecodeRun::prefillTokensPerSecond),
                stats(runs, DecodeRun::decodeTokensPerSecond),
                stats(runs, DecodeRun::ttftSeconds),
                stats(runs, run -> run.decodeTokensPerSecond() * weightBytesPerToken / bytesPerSecond),
                runs.getLast().generated(), r.systemLoad());
    }

    private static Stats stats(List<DecodeRun> runs, ToDoubleFunction<DecodeRun> figure) {
        return Stats.of(runs.stream().mapToDouble(figure).toArray());
    }
}
