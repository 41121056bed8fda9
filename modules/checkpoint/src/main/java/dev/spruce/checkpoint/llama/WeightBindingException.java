package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.CheckpointException;

import java.nio.file.Path;
import java.util.List;

/** A checkpoint whose tensors do not match its config: every problem found, not just the first. */
public final class WeightBindingException extends CheckpointException {

    private final List<String> problems;

    public WeightBindingException(Path checkpoint, List<String> problems) {
        super(checkpoint, checkpoint + ": " + problems.size() + " tensor(s) do not match config.json: "
                + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each naming the tensor and what was expected. */
    public List<String> problems() {
        return problems;
    }
}
