package dev.ponder.cascade;

/** What the cascade made of one attempt. */
public enum Verdict {
    /** The answer was good enough and went to the client. */
    ACCEPTED,
    /** The answer said "I don't know" (or a signal doubted it): the request climbed. */
    ESCALATED,
    /** The backend failed: the request climbed, or failed if no tier was left. */
    FAILED
}
