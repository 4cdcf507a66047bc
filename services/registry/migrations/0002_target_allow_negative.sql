-- Targets whose reported values may fall below zero (growth rates); counts, amounts and shares
-- cannot. Carried by TargetSpec / TargetAssigned / TargetRevised.allow_negative.
ALTER TABLE targets ADD COLUMN allow_negative boolean NOT NULL DEFAULT false;
ALTER TABLE target_revisions ADD COLUMN allow_negative boolean NOT NULL DEFAULT false;
