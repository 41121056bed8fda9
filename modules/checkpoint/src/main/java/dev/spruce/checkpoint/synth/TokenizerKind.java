package dev.spruce.checkpoint.synth;

/** The two tokenizer families of Llama-family checkpoints. */
public enum TokenizerKind {
    /** Llama 2 / TinyLlama: SentencePiece BPE over "▁"-marked text with byte fallback. */
    SENTENCEPIECE_BPE,
    /** Llama 3 / Qwen2 / SmolLM: GPT-2 style byte-level BPE. */
    BYTE_LEVEL_BPE
}
