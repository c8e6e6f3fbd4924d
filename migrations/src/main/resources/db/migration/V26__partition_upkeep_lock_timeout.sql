-- Creating or dropping a daily partition takes an ACCESS EXCLUSIVE lock on the partitioned table. Waiting for it
-- behind a long read (a month-long console search, a retraining run) would queue every insert of the outcome writer
-- behind the waiting DDL for as long as that read lasts. The upkeep functions give up after two seconds instead; the
-- gateway retries them within the hour, and partitions are created days before they are needed.
ALTER FUNCTION ponder_ensure_partitions(date, integer) SET lock_timeout = '2s';
ALTER FUNCTION ponder_drop_partitions_before(date) SET lock_timeout = '2s';
