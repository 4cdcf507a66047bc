-- The dead letters an operator redrove (servicekit/deadletters.py): a `.dlq` topic is a log and
-- keeps the letter, so this says which ones were sent back, when and by whom. One row per letter
-- (a letter is redriven once; what fails again becomes a new letter).
CREATE TABLE dead_letter_redrives (
    dlq_topic     text        NOT NULL,
    dlq_partition integer     NOT NULL,
    dlq_offset    bigint      NOT NULL,
    redriven_at   timestamptz NOT NULL DEFAULT now(),
    redriven_by   text        NOT NULL,   -- the operator's token subject
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
