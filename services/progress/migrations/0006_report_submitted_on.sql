-- The day a report was submitted, when it was entered later than that (a past year's records
-- entered after the fact by the province's office or an import): timeliness reads it against the
-- deadline. NULL: the day of reported_at (Asia/Ho_Chi_Minh), as before.
ALTER TABLE reports ADD COLUMN submitted_on date;
