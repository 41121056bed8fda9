package dev.spruce.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class StopStringFilterTest {

    @Test
    void holdsBackWhatMayStartAStopStringAndCutsBeforeIt() {
        StopStringFilter f = new StopStringFilter(List.of("END", "\n\n"));
        assertEquals("The", f.accept("The"));
        assertEquals(" story", f.accept(" storyE"), "'E' may start END: held back");
        assertEquals("", f.accept("N"));
        assertEquals("", f.accept("Dless"));
        assertTrue(f.stopped());
        assertEquals("The story", f.text());
        assertEquals("", f.finish());
    }

    @Test
    void releasesHeldTextWhenItTurnsOutNotToStop() {
        StopStringFilter f = new StopStringFilter(List.of("END"));
        assertEquals("a", f.accept("aEN"));
        assertEquals("ENd", f.accept("d"));
        assertEquals("b", f.accept("bE"));
        assertFalse(f.stopped());
        assertEquals("E", f.finish());
        assertEquals("aENdbE", f.text());
    }

    @Test
    void withoutStopStringsEverythingPassesAtOnce() {
        StopStringFilter f = new StopStringFilter(List.of());
        assertEquals("xyz", f.accept("xyz"));
        assertEquals("", f.finish());
    }
}
