-- Rollups that hold every logged row, however late it is written (a journal replayed after a database outage, a
-- replica whose writer fell behind). Each insert into `requests` marks, in its own transaction, the hours and UTC
-- days it wrote rows to; the rollups then roll up again the marked periods they had already rolled up. Rows whose
-- partition retention dropped keep their rollups.

-- A period that received rows since its rollup last took its mark.
CREATE TABLE rollup_marks (
    rollup text        NOT NULL CHECK (rollup IN ('console', 'usage')),
    period timestamptz NOT NULL,  -- the start of the hour (console_hourly) or of the UTC day (usage_rollups)
    PRIMARY KEY (rollup, period)
);

CREATE FUNCTION ponder_mark_rollups() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- DO UPDATE rather than DO NOTHING: it locks the mark until this transaction ends, so that a rollup taking the
    -- mark meanwhile waits for these rows to commit and then reads them. Marks are locked in key order, as the
    -- rollups take them, so that the two cannot deadlock.
    INSERT INTO rollup_marks (rollup, period)
    SELECT DISTINCT m.rollup, m.period
    FROM logged, LATERAL (VALUES
        ('console', date_bin('1 hour', logged.created_at, TIMESTAMPTZ '2000-01-01 00:00+00')),
        ('usage', date_bin('1 day', logged.created_at, TIMESTAMPTZ '2000-01-01 00:00+00'))) m (rollup, period)
    ORDER BY 1, 2
    ON CONFLICT (rollup, period) DO UPDATE SET period = excluded.period;
    RETURN NULL;
END;
$$;

CREATE TRIGGER requests_mark_rollups AFTER INSERT ON requests
REFERENCING NEW TABLE AS logged FOR EACH STATEMENT EXECUTE FUNCTION ponder_mark_rollups();

-- Takes the marks of one rollup before `before`, in key order (waiting for the transactions that hold them), and
-- returns their periods.
CREATE FUNCTION ponder_take_marks(which text, before timestamptz) RETURNS timestamptz[]
LANGUAGE sql AS $$
    WITH taken AS (
        DELETE FROM rollup_marks WHERE (rollup, period) IN
            (SELECT rollup, period FROM rollup_marks WHERE rollup = which AND period < before
             ORDER BY period FOR UPDATE)
        RETURNING period)
    SELECT coalesce(array_agg(period ORDER BY period), '{}') FROM taken
$$;

-- As in V21, plus the hours before the rolled-up end that received rows since: they are rolled up again.
CREATE OR REPLACE FUNCTION ponder_rollup_console(until timestamptz) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    target timestamptz := date_bin('1 hour', until, TIMESTAMPTZ '2000-01-01 00:00+00');
    oldest timestamptz := target - interval '32 days';
    done   timestamptz;
    late   timestamptz[];
BEGIN
    SELECT greatest(rolled_until, oldest) INTO done FROM console_rollup_state FOR UPDATE;
    SELECT array_agg(h) INTO late
    FROM unnest(ponder_take_marks('console', target)) h WHERE h >= oldest AND h < done;
    IF done < target OR late IS NOT NULL THEN
        late := coalesce(late, '{}');
        DELETE FROM console_hourly
        WHERE hour >= done AND hour < target OR hour = ANY (late) OR hour < oldest;
        DELETE FROM console_latency_hourly
        WHERE hour >= done AND hour < target OR hour = ANY (late) OR hour < oldest;
        INSERT INTO console_hourly SELECT * FROM ponder_console_usage(done, target);
        INSERT INTO console_hourly SELECT u.* FROM unnest(late) h, ponder_console_usage(h, h + interval '1 hour') u;
        INSERT INTO console_latency_hourly SELECT * FROM ponder_console_latency(done, target);
        INSERT INTO console_latency_hourly
        SELECT l.* FROM unnest(late) h, ponder_console_latency(h, h + interval '1 hour') l;
        done := greatest(done, target);
        UPDATE console_rollup_state SET rolled_until = done;
    END IF;
    RETURN done;
END;
$$;

-- Rolls up again the UTC days before `today` that received rows since they were last rolled up (today itself is
-- rolled up whole every hour), unless retention dropped the day's partition meanwhile; returns how many it did.
CREATE FUNCTION ponder_rollup_usage_marked(today date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day_start timestamptz;
    rolled    integer := 0;
BEGIN
    FOREACH day_start IN ARRAY ponder_take_marks('usage', today::timestamp AT TIME ZONE 'UTC') LOOP
        IF to_regclass(format('requests_%s', to_char(day_start AT TIME ZONE 'UTC', 'YYYYMMDD'))) IS NOT NULL THEN
            PERFORM ponder_rollup_usage((day_start AT TIME ZONE 'UTC')::date);
            rolled := rolled + 1;
        END IF;
    END LOOP;
    RETURN rolled;
END;
$$;

-- Before this version the gateway rolled up yesterday and today every hour: those two stay due once more.
INSERT INTO rollup_marks
SELECT 'usage', d::timestamp AT TIME ZONE 'UTC'
FROM (VALUES ((now() AT TIME ZONE 'UTC')::date - 1), ((now() AT TIME ZONE 'UTC')::date)) days (d);
