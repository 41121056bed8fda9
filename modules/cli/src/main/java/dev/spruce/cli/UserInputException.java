package dev.spruce.cli;

/** A command's arguments are well-formed but describe something that cannot be done. */
public final class UserInputException extends Exception {

    public UserInputException(String message) {
        super(message);
    }
}
