-- The occasion a report is dedicated to (TargetReported.occasion_id): one its campaign is
-- dedicated to. Beside the reports, not a column of theirs: most reports name none, and the
-- reports' batch statements and the report_target_states view (0013) read columns by position.
CREATE TABLE report_occasions (
    report_id   uuid PRIMARY KEY REFERENCES reports (report_id),
    occasion_id uuid NOT NULL
);
CREATE INDEX report_occasions_by_occasion ON report_occasions (occasion_id);
