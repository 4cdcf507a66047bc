-- How a unit ended and who took over (UnitClosed.closure_kind and successor_unit_ids, optional in
-- the contract: events published before they were carried leave them null and empty; a merger's
-- successor is then `merged_into`, from UnitMerged). A unit closed on D takes no report dated on
-- or after D.
ALTER TABLE units
    ADD COLUMN closure_kind  text,
    ADD COLUMN successor_ids uuid[] NOT NULL DEFAULT '{}';

-- Reports read from progress.reports.v1 (a rebuild, or a report accepted before the registry
-- recorded the closure it falls after) that describe a day on which their unit no longer existed:
-- kept as the log has them, with the reason, but never applied to a target (no completion, no
-- early finish, no standings).
CREATE TABLE refused_reports (
    LIKE reports INCLUDING DEFAULTS,
    reason text NOT NULL,
    detail text NOT NULL,
    PRIMARY KEY (report_id)
);
