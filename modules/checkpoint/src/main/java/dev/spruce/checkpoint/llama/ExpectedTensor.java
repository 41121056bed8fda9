package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.Shape;

/**
 * A tensor a model config requires.
 *
 * @param name  its Hugging Face name
 * @param shape the shape the config implies
 */
public record ExpectedTensor(String name, Shape shape) {

    static ExpectedTensor of(String name, long... dims) {
        return new ExpectedTensor(name, Shape.of(dims));
    }
}
