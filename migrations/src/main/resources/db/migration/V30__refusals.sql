-- A request whose answer was the model's refusal to answer (OpenAI's message.refusal) gets its own status: the client
-- got a 200 with the refusal, as OpenAI sends it, which the console and the counterfactual must not take for an
-- answer. It was a 400 content_filter, stored as 'failed'.
ALTER TABLE requests DROP CONSTRAINT requests_status_check;
ALTER TABLE requests ADD CONSTRAINT requests_status_check CHECK (status IN ('answered', 'refused', 'failed'));

-- What settled each attempt's verdict (the cascade's decidedBy): the signal that doubted it, 'refusal' for a tier
-- that refused and climbed, or 'signals', 'last-tier', 'budget', 'streamed', 'error', 'fallback'. Null on the rows
-- logged before.
ALTER TABLE attempts ADD COLUMN decided_by text;
