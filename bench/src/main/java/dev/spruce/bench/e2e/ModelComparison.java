package dev.spruce.bench.e2e;

import dev.spruce.bench.checkpoint.Stats;

import java.util.List;

/**
 * Every engine on one checkpoint, with the bandwidth measured just before and just after them.
 *
 * @param weightBytesPerToken bytes of weights one decode step reads (Spruce's count, the same
 *                            tensors for every engine)
 * @param bandwidthGBps       read bandwidth with the engines' thread count, GB/s; its maximum is the
 *                            roofline (other processes only ever lower a pass)
 * @param ratios              the first engine over each of the others
 */
public record ModelComparison(String model, long weightBytesPerToken, Stats bandwidthGBps,
                              List<EngineSummary> engines, List<EngineRatio> ratios) {

    static ModelComparison of(String model, long weightBytesPerToken, Stats bandwidthGBps, List<EngineResult> results) {
        List<EngineSummary> engines = results.stream()
                .map(r -> EngineSummary.of(r, weightBytesPerToken, bandwidthGBps.max())).toList();
        List<EngineRatio> ratios = engines.stream().skip(1).map(e -> EngineRatio.of(engines.getFirst(), e)).toList();
        return new ModelComparison(model, weightBytesPerToken, bandwidthGBps, engines, ratios);
    }
}
