-- refused_reports was made LIKE reports before reports had submitted_on (0006): a report set
-- aside keeps the day it was submitted too (a closure recorded after the report was accepted
-- moves it here from reports, whole).
ALTER TABLE refused_reports ADD COLUMN submitted_on date;
