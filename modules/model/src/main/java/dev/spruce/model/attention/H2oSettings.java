package dev.spruce.model.attention;

/**
 * The knobs of H2O (and of MiKV's choice of what stays in high precision).
 *
 * @param budgetRatio    positions kept, as a fraction of the session's context
 * @param recentFraction the share of the budget that is the recent window (H2O splits it evenly)
 */
public record H2oSettings(double budgetRatio, double recentFraction) {

    public H2oSettings {
        Ratios.check("the H2O budget", budgetRatio);
        if (!(recentFraction >= 0 && recentFraction <= 1)) {
            throw new IllegalArgumentException("the recent fraction must be in [0, 1], got " + recentFraction);
        }
    }

    /** A budget of {@code ratio}, half of it the recent window. */
    public static H2oSettings of(double ratio) {
        return new H2oSettings(ratio, 0.5);
    }

    /** Positions kept for a session of {@code context} positions. */
    public int budgetFor(int context) {
        return Ratios.of(budgetRatio, context);
    }

    /** Positions of the recent window within {@code budget}. */
    public int recentFor(int budget) {
        return Math.min(budget, (int) Math.round(recentFraction * budget));
    }
}
