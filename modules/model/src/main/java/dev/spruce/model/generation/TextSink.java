package dev.spruce.model.generation;

/** Receives generated text as it becomes final. */
@FunctionalInterface
public interface TextSink {

    /** Takes the next piece of text; returns false to cancel the generation. */
    boolean accept(String text);
}
