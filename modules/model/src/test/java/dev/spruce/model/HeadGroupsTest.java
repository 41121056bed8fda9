package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Runs of query heads sharing a KV head, cut by the workers' ranges. */
class HeadGroupsTest {

    private static List<String> runs(int start, int end, int heads, int group) {
        List<String> runs = new ArrayList<>();
        HeadGroups.forEachRun(start, end, heads, group, (row, first, n, kvHead) ->
                runs.add(row + ":" + first + "+" + n + "@" + kvHead));
        return runs;
    }

    @Test
    void aRangeSplitsAtGroupsRowsAndItsEnds() {
        // 9 heads in groups of 3 (SmolLM2), two rows, split 5 / 4 / 9 items over workers
        assertEquals(List.of("0:0+3@0", "0:3+2@1"), runs(0, 5, 9, 3));
        assertEquals(List.of("0:5+1@1", "0:6+3@2"), runs(5, 9, 9, 3));
        assertEquals(List.of("0:7+2@2", "1:0+3@0", "1:3+3@1", "1:6+1@2"), runs(7, 16, 9, 3));
        // multi-head attention: every head is its own group
        assertEquals(List.of("0:2+1@2", "0:3+1@3"), runs(2, 4, 4, 1));
        assertEquals(List.of(), runs(3, 3, 4, 2));
    }
}
