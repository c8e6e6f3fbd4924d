-- A retraining run that found nothing to train on (no new labels, or so few that all are held out, or none on a weak
-- model's answer, and no seed data) gets its own status. It was stored as 'held' with no model version, which the
-- console showed like a candidate that lost its comparison. Such a run stores no version and does not move the label
-- window: the next run reads its labels again.
ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check;
ALTER TABLE training_runs ADD CONSTRAINT training_runs_status_check
    CHECK (status IN ('running', 'promoted', 'held', 'nothing_to_train', 'failed', 'abandoned'));

-- The runs stored before: a run that trained a candidate always names its version.
UPDATE training_runs SET status = 'nothing_to_train' WHERE status = 'held' AND model_version IS NULL;
