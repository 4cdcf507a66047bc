-- A unit's own movement answers a province campaign: the parent's dashboard rolls it up
-- (CampaignLaunched.parent_campaign_id), naming the unit that launched it (launched_by, read
-- from the same event; NULL for campaigns read before this column).
ALTER TABLE campaigns
    ADD COLUMN parent_campaign_id uuid,
    ADD COLUMN launched_by        uuid;
CREATE INDEX campaigns_parent ON campaigns (parent_campaign_id)
    WHERE parent_campaign_id IS NOT NULL;
