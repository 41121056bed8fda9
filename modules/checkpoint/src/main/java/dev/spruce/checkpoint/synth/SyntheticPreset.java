package dev.spruce.checkpoint.synth;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Real model shapes for synthetic checkpoints, copied from the published {@code config.json}
 * of each model, so benchmarks see the tensor sizes a user's checkpoint would have.
 */
public enum SyntheticPreset {
    STORIES260K("stories260k", 64, 172, 5, 8, 4, 512, 512, 1e-5, 10_000, true, TokenizerKind.SENTENCEPIECE_BPE),
    SMOLLM2_135M("smollm2-135m", 576, 1536, 30, 9, 3, 49_152, 8192, 1e-5, 100_000, true, TokenizerKind.BYTE_LEVEL_BPE),
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32_000, 2048, 1e-5, 10_000, false, TokenizerKind.SENTENCEPIECE_BPE),
    LLAMA2_7B("llama2-7b", 4096, 11_008, 32, 32, 32, 32_000, 4096, 1e-5, 10_000, false, TokenizerKind.SENTENCEPIECE_BPE);

    private final String cliName;
    private final int hidden, intermediate, layers, heads, kvHeads, vocab, maxPositions;
    private final double eps, theta;
    private final boolean tied;
    private final TokenizerKind tokenizer;

    SyntheticPreset(String cliName, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
                    int maxPositions, double eps, double theta, boolean tied, TokenizerKind tokenizer) {
        this.cliName = cliName;
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocab = vocab;
        this.maxPositions = maxPositions;
        this.eps = eps;
        this.theta = theta;
        this.tied = tied;
        this.tokenizer = tokenizer;
    }

    /** The name used on the command line, e.g. {@code tinyllama-1.1b}. */
    public String cliName() {
        return cliName;
    }

    public TokenizerKind tokenizer() {
        return tokenizer;
    }

    /**
     * The model's config.
     *
     * @param torchDtype           the declared dtype ({@code bfloat16}, {@code float16}, {@code float32})
     * @param maxPositionOverride  a longer context than the model's own (for long-context benchmarks), or 0
     */
    public ModelConfig config(String torchDtype, int maxPositionOverride) {
        return new ModelConfig(ModelFamily.LLAMA, hidden, intermediate, layers, heads, kvHeads, hidden / heads, vocab,
                maxPositionOverride > 0 ? maxPositionOverride : maxPositions, eps, theta, NoRopeScaling.INSTANCE, tied,
                false, false, false, List.of(1), List.of(2), torchDtype);
    }

    public static Optional<SyntheticPreset> fromCliName(String name) {
        return Arrays.stream(values()).filter(p -> p.cliName.equalsIgnoreCase(name)).findFirst();
    }

    public static List<String> cliNames() {
        return Arrays.stream(values()).map(SyntheticPreset::cliName).toList();
    }
}
