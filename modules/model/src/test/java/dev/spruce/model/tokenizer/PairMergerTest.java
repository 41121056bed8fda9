package dev.spruce.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class PairMergerTest {

    private record Merge(int id, double priority) {
    }

    private static PairMerger merger(Map<Long, Merge> merges) {
        PairMerger.Builder b = new PairMerger.Builder();
        merges.forEach((key, m) -> b.add((int) (key >>> 32), (int) (long) key, m.id(), m.priority()));
        return b.build();
    }

    /** The definition, quadratic: merge the best-priority pair, leftmost on ties, until none merges. */
    private static int[] naive(Map<Long, Merge> merges, int[] ids) {
        List<Integer> symbols = new ArrayList<>();
        for (int id : ids) {
            symbols.add(id);
        }
        while (true) {
            int best = -1;
            Merge bestMerge = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Merge m = merges.get(PairMerger.key(symbols.get(i), symbols.get(i + 1)));
                if (m != null && (bestMerge == null || m.priority() < bestMerge.priority())) {
                    best = i;
                    bestMerge = m;
                }
            }
            if (bestMerge == null) {
                return symbols.stream().mapToInt(Integer::intValue).toArray();
            }
            symbols.set(best, bestMerge.id());
            symbols.remove(best + 1);
        }
    }

    @Test
    void agreesWithTheQuadraticDefinitionOnRandomTables() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int round = 0; round < 300; round++) {
            int alphabet = 2 + random.nextInt(6);
            Map<Long, Merge> merges = new HashMap<>();
            int next = alphabet;
            for (int m = random.nextInt(40); m > 0; m--) {
                int a = random.nextInt(next), b = random.nextInt(next);
                // Few distinct priorities, so ties are common.
                merges.putIfAbsent(PairMerger.key(a, b), new Merge(next++, random.nextInt(5)));
            }
            int[] ids = random.ints(random.nextInt(40), 0, alphabet).toArray();
            assertArrayEquals(naive(merges, ids), merger(merges).apply(ids), "seed " + seed + ", round " + round);
        }
    }

    @Test
    void aPairAddedAgainKeepsItsLastMerge() {
        PairMerger m = new PairMerger.Builder().add(1, 2, 7, 0).add(1, 2, 8, 0).build();
        assertArrayEquals(new int[] {8}, m.apply(new int[] {1, 2}));
    }

    @Test
    void leftmostOfEqualPrioritiesMergesFirst() {
        // a a a with "a a" -> 9: positions 0 and 1 tie; merging 0 first leaves [9, a].
        PairMerger m = merger(Map.of(PairMerger.key(1, 1), new Merge(9, 0)));
        assertArrayEquals(new int[] {9, 1}, m.apply(new int[] {1, 1, 1}));
        assertArrayEquals(new int[] {9, 9}, m.apply(new int[] {1, 1, 1, 1}));
    }

    @Test
    void aMergedSymbolCanMergeAgainWithEitherNeighbour() {
        // 1 2 3: (2,3) -> 5 first (priority 0), then (1,5) -> 6 (priority 1); (1,2) -> 4 (priority 2) loses.
        Map<Long, Merge> merges = Map.of(
                PairMerger.key(2, 3), new Merge(5, 0),
                PairMerger.key(1, 5), new Merge(6, 1),
                PairMerger.key(1, 2), new Merge(4, 2));
        assertArrayEquals(new int[] {6}, merger(merges).apply(new int[] {1, 2, 3}));
        assertArrayEquals(new int[] {}, merger(merges).apply(new int[] {}));
    }
}
