-- A replica refused for lack of share asks for more at its next sync: the share it would need (what it has in use
-- plus the largest request it refused) and since when it has asked. The oldest ask that fits what the limit has left
-- is served first: the other replicas count it as held and give back their idle share (see docs/security.md).
-- No ask: zeros and a null demand_since.
ALTER TABLE key_shares
    ADD COLUMN demand_requests bigint           NOT NULL DEFAULT 0,
    ADD COLUMN demand_tokens   bigint           NOT NULL DEFAULT 0,
    ADD COLUMN demand_cost_usd double precision NOT NULL DEFAULT 0,
    ADD COLUMN demand_since    timestamptz;
