-- The console on big logs (docs/console.md, "Performance on big logs"): the overview of a week or a month reads
-- hourly rollups for the whole hours of its range and the logged rows only for the partial hours at its ends, and
-- percentiles come from a latency histogram; prompt search uses a trigram index.

-- One hour of traffic per policy, answering backend ('' when failed) and status.
CREATE TABLE console_hourly (
    hour          timestamptz      NOT NULL,
    policy        text             NOT NULL,
    backend       text             NOT NULL,
    status        text             NOT NULL,
    requests      bigint           NOT NULL,
    escalated     bigint           NOT NULL,
    cost_usd      double precision NOT NULL,
    -- the tokens of one attempt per request: what the "always the top tier" counterfactual is priced with
    input_tokens  double precision NOT NULL,
    output_tokens double precision NOT NULL,
    PRIMARY KEY (hour, policy, backend, status)
);

-- Requests per hour and latency bucket: bucket b holds total_ms in [1.1^b, 1.1^(b+1)), so a percentile read from
-- it is within 5% of the exact one.
CREATE TABLE console_latency_hourly (
    hour     timestamptz NOT NULL,
    bucket   integer     NOT NULL,
    requests bigint      NOT NULL,
    PRIMARY KEY (hour, bucket)
);

-- The end of the last hour rolled up: every hour before it (within retention) is in the rollups.
CREATE TABLE console_rollup_state (
    id           boolean     PRIMARY KEY DEFAULT true CHECK (id),
    rolled_until timestamptz NOT NULL
);
INSERT INTO console_rollup_state VALUES (true, '-infinity');

CREATE FUNCTION ponder_latency_bucket(ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT floor(ln(greatest(ms, 1)) / ln(1.1))::integer
$$;

-- The logged rows of [range_from, range_to) in the shape of console_hourly; the console reads the partial hours
-- of its ranges through it, and the rollup fills whole hours with it.
CREATE FUNCTION ponder_console_usage(range_from timestamptz, range_to timestamptz)
RETURNS TABLE (hour timestamptz, policy text, backend text, status text, requests bigint, escalated bigint,
               cost_usd double precision, input_tokens double precision, output_tokens double precision)
LANGUAGE sql STABLE AS $$
    SELECT date_bin('1 hour', created_at, TIMESTAMPTZ '2000-01-01 00:00+00'), coalesce(policy, ''),
           coalesce(answered_by, ''), status, count(*), count(*) FILTER (WHERE escalations > 0), sum(cost_usd),
           sum(input_tokens::double precision / greatest(attempts, 1)),
           sum(output_tokens::double precision / greatest(attempts, 1))
    FROM requests WHERE created_at >= range_from AND created_at < range_to
    GROUP BY 1, 2, 3, 4
$$;

CREATE FUNCTION ponder_console_latency(range_from timestamptz, range_to timestamptz)
RETURNS TABLE (hour timestamptz, bucket integer, requests bigint)
LANGUAGE sql STABLE AS $$
    SELECT date_bin('1 hour', created_at, TIMESTAMPTZ '2000-01-01 00:00+00'), ponder_latency_bucket(total_ms), count(*)
    FROM requests WHERE created_at >= range_from AND created_at < range_to
    GROUP BY 1, 2
$$;

-- Rolls up the whole hours that ended before `until` and are not rolled up yet (at most the last 32 days), and
-- returns the new end; older rollups go with retention. Concurrent callers queue on the state row, so each hour is rolled up once.
CREATE FUNCTION ponder_rollup_console(until timestamptz) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    target timestamptz := date_bin('1 hour', until, TIMESTAMPTZ '2000-01-01 00:00+00');
    done   timestamptz;
BEGIN
    SELECT greatest(rolled_until, target - interval '32 days') INTO done FROM console_rollup_state FOR UPDATE;
    IF done < target THEN
        DELETE FROM console_hourly WHERE hour >= done AND hour < target OR hour < target - interval '32 days';
        DELETE FROM console_latency_hourly WHERE hour >= done AND hour < target OR hour < target - interval '32 days';
        INSERT INTO console_hourly SELECT * FROM ponder_console_usage(done, target);
        INSERT INTO console_latency_hourly SELECT * FROM ponder_console_latency(done, target);
        UPDATE console_rollup_state SET rolled_until = target;
        done := target;
    END IF;
    RETURN done;
END;
$$;

-- Prompt text search (ILIKE '%words%') without reading every prompt of the range.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX requests_prompt_trgm_idx ON requests USING gin (prompt gin_trgm_ops);
