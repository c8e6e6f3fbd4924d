package dev.ponder.gateway.security;

/** A key's limits; a null one is unlimited. */
record Limits(Integer rpm, Integer tpm, Double dailyUsd, Double monthlyUsd) {

    static final Limits NONE = new Limits(null, null, null, null);

    Limits {
        if (rpm != null && rpm < 1) {
            throw new IllegalArgumentException("rpm_limit must be >= 1 but was " + rpm);
        }
        if (tpm != null && tpm < 1) {
            throw new IllegalArgumentException("tpm_limit must be >= 1 but was " + tpm);
        }
        if (dailyUsd != null && !(dailyUsd >= 0)) {
            throw new IllegalArgumentException("daily_budget_usd must be >= 0 but was " + dailyUsd);
        }
        if (monthlyUsd != null && !(monthlyUsd >= 0)) {
            throw new IllegalArgumentException("monthly_budget_usd must be >= 0 but was " + monthlyUsd);
        }
    }
}
