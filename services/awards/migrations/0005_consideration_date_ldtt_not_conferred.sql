-- The consideration date (ngày xét) of a screening: the day every rule read statuses, titles and
-- periods as of (the council session's date, a date the board gave, or the day it screened).
-- Screenings stored before it were judged on the day they were made.
ALTER TABLE screenings ADD COLUMN considered_on date;
UPDATE screenings SET considered_on = screened_on;
ALTER TABLE screenings ALTER COLUMN considered_on SET NOT NULL;

-- A rating is not the title: a person rated HTTNV or better whom the unit did not confer Lao
-- động tiên tiến, and why (PerformanceRated.ldtt_not_conferred). Null: not stated.
ALTER TABLE rm_ratings ADD COLUMN ldtt_not_conferred text
    CHECK (ldtt_not_conferred IN ('discipline', 'months_worked', 'conduct', 'other'));
