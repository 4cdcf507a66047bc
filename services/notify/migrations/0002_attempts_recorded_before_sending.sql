-- An attempt is recorded before its request goes out ('sending', no duration yet) and completed
-- when it ends. One still 'sending' when its delivery is attempted again was cut short by a
-- crash (of notify or of its database): it becomes 'interrupted', its outcome unknown (the
-- receiver may have had it). docs/webhooks.md says what that means for receivers.
ALTER TABLE delivery_attempts ALTER COLUMN duration_ms DROP NOT NULL;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_result_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_result_check
    CHECK (result IN ('sending', 'delivered', 'retry', 'parked', 'late', 'interrupted'));
CREATE INDEX delivery_attempts_sending ON delivery_attempts (delivery_id)
    WHERE result = 'sending';
