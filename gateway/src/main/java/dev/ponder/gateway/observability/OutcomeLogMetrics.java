package dev.ponder.gateway.observability;

import dev.ponder.gateway.outcomes.OutcomeLog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The outcome log writer's backlog and losses, read at scrape time: an alert on these catches a struggling database. */
final class OutcomeLogMetrics implements MeterBinder {

    private final OutcomeLog log;

    OutcomeLogMetrics(OutcomeLog log) {
        this.log = log;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("ponder.outcome.log.queue.depth", log, OutcomeLog::queueDepth)
                .description("Outcomes waiting in memory for the writer")
                .register(registry);
        Gauge.builder("ponder.outcome.log.spill.size", log, OutcomeLog::journalBytes)
                .baseUnit("bytes")
                .description("Bytes in the local journal that PostgreSQL does not have yet")
                .register(registry);
        Gauge.builder("ponder.outcome.log.write.max", log, OutcomeLog::maxWriteMillis)
                .baseUnit("milliseconds")
                .description("The longest batch write to PostgreSQL since start")
                .register(registry);
        Gauge.builder("ponder.outcome.log.write.last", log, OutcomeLog::lastWriteMillis)
                .baseUnit("milliseconds")
                .description("How long the last batch write to PostgreSQL took")
                .register(registry);
        FunctionCounter.builder("ponder.outcome.log.written", log, OutcomeLog::written)
                .description("Outcomes stored in PostgreSQL")
                .register(registry);
        FunctionCounter.builder("ponder.outcome.log.batches", log, OutcomeLog::batches)
                .description("Batches of outcomes stored in PostgreSQL, one transaction each")
                .register(registry);
        FunctionCounter.builder("ponder.outcome.log.spilled", log, OutcomeLog::spilled)
                .description("Outcomes journalled locally because PostgreSQL was unreachable")
                .register(registry);
        FunctionCounter.builder("ponder.outcome.log.dropped", log, OutcomeLog::dropped)
                .description("Outcomes lost because the writer's queue was full")
                .register(registry);
    }
}
