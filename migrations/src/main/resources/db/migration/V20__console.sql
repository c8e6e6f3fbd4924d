-- Threshold and budget edits made in the console: the current override per policy, which every replica applies
-- within seconds, and the audit trail of every change.
CREATE TABLE policy_overrides (
    policy          text             PRIMARY KEY,
    thresholds      jsonb            NOT NULL,
    max_escalations integer          NOT NULL,
    max_cost_usd    double precision NOT NULL,
    deadline_ms     bigint           NOT NULL,
    updated_by      text             NOT NULL,
    updated_at      timestamptz      NOT NULL
);

CREATE TABLE policy_audit (
    id         bigserial   PRIMARY KEY,
    policy     text        NOT NULL,
    changed_by text        NOT NULL,
    before     jsonb       NOT NULL,
    after      jsonb       NOT NULL,
    changed_at timestamptz NOT NULL
);

CREATE INDEX policy_audit_policy_idx ON policy_audit (policy, changed_at DESC);
