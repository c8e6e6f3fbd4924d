-- The labelled answer's text and the reference answer's, so that retraining can fit the answer scorer on this
-- deployment's own answers (null when content logging is off or the label has no answer, e.g. an escalation).
ALTER TABLE labels ADD COLUMN answer text;
ALTER TABLE labels ADD COLUMN reference_answer text;
