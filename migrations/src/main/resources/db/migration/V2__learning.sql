-- The learning loop: who sent a request, labels from feedback, shadow sampling and escalations, the router model
-- versions the retraining job produces, its runs, and daily usage rollups that outlive the request partitions.

-- The API key that sent the request (null in open mode): only that key may label it.
ALTER TABLE requests ADD COLUMN key_id text;

-- The console filters a time range by backend, policy or status.
CREATE INDEX requests_answered_by_idx ON requests (answered_by, created_at DESC);
CREATE INDEX requests_policy_idx ON requests (policy, created_at DESC);
CREATE INDEX requests_status_idx ON requests (status, created_at DESC);
CREATE INDEX attempts_backend_idx ON attempts (backend, created_at DESC);

-- What a client said about an answer: a score in [0, 1] (thumbs up = 1, down = 0) and an optional comment.
CREATE TABLE feedback (
    id                 bigserial        PRIMARY KEY,
    request_id         text             NOT NULL,
    request_created_at timestamptz      NOT NULL,
    key_id             text,
    score              double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    comment            text,
    created_at         timestamptz      NOT NULL
);

CREATE INDEX feedback_request_id_idx ON feedback (request_id);
CREATE INDEX feedback_created_at_idx ON feedback (created_at DESC);

-- Whether a model's answer to a prompt was good enough (score in [0, 1]), and who said so. A label carries its
-- prompt, so the training data outlives the retention of the request partitions.
CREATE TABLE labels (
    id                 bigserial        PRIMARY KEY,
    request_id         text             NOT NULL,
    request_created_at timestamptz      NOT NULL,
    source             text             NOT NULL CHECK (source IN ('feedback', 'shadow', 'escalation')),
    model              text             NOT NULL,
    reference_model    text,
    score              double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    judge              text             NOT NULL,
    prompt             text             NOT NULL,
    cost_usd           double precision NOT NULL DEFAULT 0,
    created_at         timestamptz      NOT NULL,
    UNIQUE (request_id, source, model)
);

CREATE INDEX labels_created_at_idx ON labels (created_at);

-- Router model versions: the artifact's bytes and model card, held-out metrics, routing curves and calibrated
-- thresholds. At most one is active; the gateways load it.
CREATE TABLE router_models (
    version         text        PRIMARY KEY,
    sha256          text        NOT NULL,
    artifact        bytea       NOT NULL,
    card            jsonb       NOT NULL,
    metrics         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    curves          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    thresholds      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status          text        NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
    training_run_id bigint,
    created_at      timestamptz NOT NULL,
    activated_at    timestamptz
);

CREATE UNIQUE INDEX router_models_one_active_idx ON router_models ((true)) WHERE status = 'active';

CREATE TABLE training_runs (
    id            bigserial   PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    status        text        NOT NULL CHECK (status IN ('running', 'promoted', 'held', 'failed', 'abandoned')),
    labels_after  timestamptz,
    labels_until  timestamptz,
    label_count   integer,
    progress      text,
    model_version text,
    detail        jsonb
);

CREATE INDEX training_runs_started_at_idx ON training_runs (started_at DESC);

-- Requests, failures, tokens and cost per day, policy, backend and key: what the console charts over months.
CREATE TABLE usage_rollups (
    day           date             NOT NULL,
    policy        text             NOT NULL,
    backend       text             NOT NULL,
    key_id        text             NOT NULL,
    requests      bigint           NOT NULL,
    failed        bigint           NOT NULL,
    escalations   bigint           NOT NULL,
    input_tokens  bigint           NOT NULL,
    output_tokens bigint           NOT NULL,
    cost_usd      double precision NOT NULL,
    PRIMARY KEY (day, policy, backend, key_id)
);

-- Recomputes one day's rollup from its request partition; safe to call repeatedly (before retention drops it).
CREATE FUNCTION ponder_rollup_usage(rollup_day date) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM usage_rollups WHERE day = rollup_day;
    INSERT INTO usage_rollups
    SELECT rollup_day, coalesce(policy, ''), coalesce(answered_by, ''), coalesce(key_id, ''),
           count(*), count(*) FILTER (WHERE status = 'failed'), sum(escalations),
           sum(input_tokens), sum(output_tokens), sum(cost_usd)
    FROM requests
    WHERE created_at >= rollup_day::timestamp AT TIME ZONE 'UTC'
      AND created_at < (rollup_day + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY 1, 2, 3, 4;
$$;
