-- A rating is not the title: a person rated HTTNV or better whom the unit did not confer Lao
-- động tiên tiến, and why (disciplined in the year, not long enough in service, conduct, other).
-- Null: not stated. Carried on PerformanceRated.ldtt_not_conferred.
ALTER TABLE rating_entries ADD COLUMN ldtt_not_conferred text
    CHECK (ldtt_not_conferred IN ('discipline', 'months_worked', 'conduct', 'other'));
ALTER TABLE ratings ADD COLUMN ldtt_not_conferred text;
