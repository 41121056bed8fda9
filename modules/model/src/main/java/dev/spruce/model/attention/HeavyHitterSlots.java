package dev.spruce.model.attention;

import java.util.Arrays;

/**
 * H2O's bookkeeping for one KV head of one layer: a fixed number of slots, each holding a cached
 * position and the attention mass it has received, summed over the query heads of the group,
 * from every query since it entered. When a new position arrives and the slots are full, the
 * victim is the slot outside the recent window with the least mass (the older position on ties);
 * with no slot outside the window, the oldest.
 */
final class HeavyHitterSlots {

    private final int budget;
    private final int recent;
    private final int[] positions;
    private final float[] mass;
    private int used;
    private int evicted = -1;

    /**
     * @param budget slots
     * @param recent positions of the recent window, never evicted while a heavier candidate exists
     */
    HeavyHitterSlots(int budget, int recent) {
        this.budget = budget;
        this.recent = recent;
        this.positions = new int[budget];
        this.mass = new float[budget];
    }

    /** Slots in use: attention runs over slots {@code [0, used)}. */
    int used() {
        return used;
    }

    /** The position in {@code slot}. */
    int position(int slot) {
        return positions[slot];
    }

    /**
     * Gives {@code position} a slot, evicting a victim when full; {@link #evicted()} then names the
     * victim's position (else -1). The slot's mass starts at zero.
     *
     * @return the slot to write the position's key and value to
     */
    int admit(int position) {
        int slot;
        if (used < budget) {
            slot = used++;
            evicted = -1;
        } else {
            slot = victim(position);
            evicted = positions[slot];
        }
        positions[slot] = position;
        mass[slot] = 0f;
        return slot;
    }

    /** The position the last {@link #admit} evicted, or -1. */
    int evicted() {
        return evicted;
    }

    private int victim(int incoming) {
        int windowStart = incoming - recent + 1;   // the new position counts in the recent window
        int best = -1;
        float bestMass = Float.POSITIVE_INFINITY;
        int oldest = 0;
        for (int s = 0; s < used; s++) {
            int p = positions[s];
            if (p < positions[oldest]) {
                oldest = s;
            }
            if (p >= windowStart) {
                continue;
            }
            float m = mass[s];
            if (best < 0 || m < bestMass || (m == bestMass && p < positions[best])) {
                best = s;
                bestMass = m;
            }
        }
        return best >= 0 ? best : oldest;
    }

    /**
     * Adds the attention the group's query heads paid each slot: rows {@code [first, first + count)}
     * of {@code probabilities}, each one probability per slot.
     */
    void accumulate(float[][] probabilities, int first, int count) {
        for (int s = 0; s < used; s++) {
            float m = 0f;
            for (int g = first; g < first + count; g++) {
                m += probabilities[g][s];
            }
            mass[s] += m;
        }
    }

    /** Forgets every position (a new sequence). */
    void clear() {
        used = 0;
        evicted = -1;
        Arrays.fill(mass, 0f);
    }

    /** Bytes of bookkeeping: positions and masses. */
    long bytes() {
        return (long) budget * (Integer.BYTES + Float.BYTES);
    }
}
