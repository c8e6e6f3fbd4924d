-- The outcome log: one row per request and one per attempt. Both tables are append-only and partitioned by day,
-- so retention drops whole partitions instead of deleting rows (deletes bloat the table and the console slows down).

CREATE TABLE requests (
    request_id      text             NOT NULL,
    created_at      timestamptz      NOT NULL,
    policy          text,
    requested_model text             NOT NULL,
    score           double precision,
    start_tier      integer,
    status          text             NOT NULL CHECK (status IN ('answered', 'failed')),
    http_status     integer          NOT NULL,
    answered_by     text,
    answered_model  text,
    answered_tier   integer,
    attempts        integer          NOT NULL,
    escalations     integer          NOT NULL,
    total_ms        double precision NOT NULL,
    backend_ms      double precision NOT NULL,
    input_tokens    integer          NOT NULL,
    output_tokens   integer          NOT NULL,
    cost_usd        double precision NOT NULL,
    stream          boolean          NOT NULL DEFAULT false,
    error           text,
    prompt          text,
    answer          text,
    PRIMARY KEY (created_at, request_id)
) PARTITION BY RANGE (created_at);

CREATE INDEX requests_created_at_idx ON requests (created_at DESC);
CREATE INDEX requests_request_id_idx ON requests (request_id);

CREATE TABLE attempts (
    request_id     text             NOT NULL,
    created_at     timestamptz      NOT NULL,
    seq            integer          NOT NULL,
    tier           integer          NOT NULL,
    tier_name      text             NOT NULL,
    backend        text             NOT NULL,
    model          text,
    verdict        text             NOT NULL CHECK (verdict IN ('accepted', 'escalated', 'failed')),
    latency_ms     double precision NOT NULL,
    first_token_ms double precision,
    input_tokens   integer          NOT NULL,
    output_tokens  integer          NOT NULL,
    cost_usd       double precision NOT NULL,
    signals        jsonb            NOT NULL DEFAULT '{}'::jsonb,
    error          text,
    PRIMARY KEY (created_at, request_id, seq)
) PARTITION BY RANGE (created_at);

CREATE INDEX attempts_request_id_idx ON attempts (request_id);

-- Creates the daily partitions of both tables from `from_day` for `days` days; safe to call repeatedly.
CREATE FUNCTION ponder_ensure_partitions(from_day date, days integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d date;
    t text;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        d := from_day + i;
        FOREACH t IN ARRAY ARRAY['requests', 'attempts'] LOOP
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                t || '_' || to_char(d, 'YYYYMMDD'), t,
                d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
        END LOOP;
    END LOOP;
END;
$$;

-- Drops the daily partitions of both tables that end before `before_day`: retention without row deletes.
CREATE FUNCTION ponder_drop_partitions_before(before_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    dropped integer := 0;
BEGIN
    FOR p IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class parent ON parent.oid = i.inhparent
        WHERE parent.relname IN ('requests', 'attempts')
          AND c.relname ~ '_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < before_day
    LOOP
        EXECUTE format('DROP TABLE %I', p.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT ponder_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, 9);
