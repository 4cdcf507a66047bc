-- A screening's batch is read back with it (how many were screened together): find a batch's
-- screenings without scanning them all.
CREATE INDEX screenings_batch ON screenings (batch_id);
