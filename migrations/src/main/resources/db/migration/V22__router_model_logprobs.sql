-- The logprob signal's aggregation weights the retraining job fitted with this router model version (bias, then
-- mean, min, unsure, length; see LogprobConfidence): a JSON array, or null when the version uses the built-in prior.
-- Numbered after V21 so that databases already at V21 apply it in order.
ALTER TABLE router_models ADD COLUMN logprob_weights jsonb;
