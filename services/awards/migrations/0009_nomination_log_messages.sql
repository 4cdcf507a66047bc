-- A nomination's history line written by the service (a screening's verdict, a vote's count, a
-- decision's number) kept as its message (servicekit.messages.to_json) beside the English
-- `detail`, so the history is answered in the reader's language. NULL for the text a person
-- wrote (a withdrawal's reason) and for the lines written before.
ALTER TABLE nomination_log ADD COLUMN detail_msg jsonb;
