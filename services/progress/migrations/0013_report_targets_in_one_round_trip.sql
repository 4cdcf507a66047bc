-- POST /reports reads its targets in one round trip (services/progress/store/targets.py,
-- `lock_report_targets`): each target locked, then its state, campaign, latest report time and
-- whether its unit is closed, read by a statement of the function, whose snapshot is taken after
-- the locks (a VOLATILE function's statements each take a fresh one under READ COMMITTED). A
-- locking read in one statement would join the reports and achievement of its own older
-- snapshot to the newer target row it waited for.

-- The columns of store/targets.py's _STATE_SELECT, in its order (rows are read by position),
-- then the campaign's scalars, the latest report time and the unit's closure mark.
CREATE VIEW report_target_states AS
SELECT t.target_id, t.campaign_id, t.unit_id, t.name, t.metric, t.unit_of_measure,
       t.target_value, t.direction, t.weight, t.deadline, t.revision, t.allow_negative,
       t.indicator_code,
       cr.report_id AS c_report_id, cr.target_id AS c_target_id, cr.unit_id AS c_unit_id,
       cr.value AS c_value, cr.as_of AS c_as_of, cr.reported_at AS c_reported_at,
       cr.note AS c_note, cr.evidence AS c_evidence, cr.supersedes AS c_supersedes,
       cr.submitted_on AS c_submitted_on,
       fr.report_id AS f_report_id, fr.target_id AS f_target_id, fr.unit_id AS f_unit_id,
       fr.value AS f_value, fr.as_of AS f_as_of, fr.reported_at AS f_reported_at,
       fr.note AS f_note, fr.evidence AS f_evidence, fr.supersedes AS f_supersedes,
       fr.submitted_on AS f_submitted_on,
       a.report_id AS a_report_id, a.achieved_on AS a_achieved_on, a.deadline AS a_deadline,
       a.completion AS a_completion,
       c.campaign_id AS campaign_found, c.state AS campaign_state,
       c.start_date AS campaign_start, c.end_date AS campaign_end,
       (SELECT max(r.reported_at) FROM reports r WHERE r.target_id = t.target_id) AS last_at,
       EXISTS (SELECT 1 FROM units u WHERE u.unit_id = t.unit_id AND u.valid_to IS NOT NULL)
           AS unit_closed
FROM targets t
LEFT JOIN reports cr ON cr.report_id = t.current_report_id
LEFT JOIN reports fr ON fr.report_id = t.first_report_id
LEFT JOIN achievements a ON a.target_id = t.target_id
LEFT JOIN campaigns c ON c.campaign_id = t.campaign_id;

-- A campaign's unit and bloc arrays (hundreds of ids) come with its first target only: a batch
-- of reports on one campaign's targets decodes them once.
CREATE FUNCTION lock_report_targets(ids uuid[])
RETURNS TABLE (target_row report_target_states, campaign_units uuid[], campaign_blocs uuid[])
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM targets WHERE target_id = ANY(ids) ORDER BY target_id FOR UPDATE;
    RETURN QUERY
    SELECT x.s,
           CASE WHEN x.n = 1 THEN c.participating_unit_ids END,
           CASE WHEN x.n = 1 THEN c.bloc_ids END
    FROM (SELECT s, row_number() OVER (PARTITION BY s.campaign_id ORDER BY s.target_id) AS n
          FROM report_target_states s WHERE s.target_id = ANY(ids)) x
    LEFT JOIN campaigns c ON c.campaign_id = (x.s).campaign_id
    ORDER BY (x.s).target_id;
END
$$;
