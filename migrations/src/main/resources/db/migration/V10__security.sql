-- Tenancy and security: virtual API keys (stored only as keyed hashes), admin users (passwords hashed with a slow
-- KDF), usage counters that replicas reconcile through, and which key made which request.

CREATE TABLE api_keys (
    key_id             text             PRIMARY KEY,
    key_hash           text             NOT NULL UNIQUE,  -- hex HMAC-SHA-256 of the key under the server secret
    key_prefix         text             NOT NULL,         -- the first characters, to recognise a key in a list
    name               text             NOT NULL,
    owner              text             NOT NULL,
    allowed_policies   text[]           NOT NULL DEFAULT '{}',  -- empty: every policy
    allowed_backends   text[]           NOT NULL DEFAULT '{}',  -- empty: every backend
    rpm_limit          integer,                                  -- null: unlimited
    tpm_limit          integer,
    daily_budget_usd   double precision,
    monthly_budget_usd double precision,
    log_content        text             CHECK (log_content IN ('full', 'redacted', 'off')),  -- null: as the policy says
    expires_at         timestamptz,
    created_at         timestamptz      NOT NULL,
    revoked_at         timestamptz
);

CREATE TABLE admin_users (
    username      text        PRIMARY KEY,
    password_hash text        NOT NULL,  -- a Spring Security DelegatingPasswordEncoder value, e.g. {bcrypt}...
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- Settings generated once and shared by all replicas, e.g. the key-hashing secret when none is configured.
CREATE TABLE security_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

-- Per key and period: 'm' + minute (rate limits), 'd' + day, 'M' + month (budgets), all UTC. Each replica adds
-- its settled usage every sync and reads the totals back.
CREATE TABLE key_usage (
    key_id   text             NOT NULL,
    period   text             NOT NULL,
    requests bigint           NOT NULL DEFAULT 0,
    tokens   bigint           NOT NULL DEFAULT 0,
    cost_usd double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (period, key_id)
);

-- Per key, period and replica: the share of the key's limits that the replica may use until its next sync. The
-- shares and the written totals together never exceed a limit (see docs/security.md).
CREATE TABLE key_shares (
    key_id     text             NOT NULL,
    period     text             NOT NULL,
    replica_id text             NOT NULL,
    requests   bigint           NOT NULL,
    tokens     bigint           NOT NULL,
    cost_usd   double precision NOT NULL,
    PRIMARY KEY (period, key_id, replica_id)
);

-- Live replicas, so that each takes its share of what a limit has left.
CREATE TABLE gateway_replicas (
    replica_id text        PRIMARY KEY,
    last_seen  timestamptz NOT NULL
);

-- Which key made which request, so that a key can read and label only its own.
CREATE TABLE request_keys (
    request_id text        PRIMARY KEY,
    key_id     text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX request_keys_created_at_idx ON request_keys (created_at);
