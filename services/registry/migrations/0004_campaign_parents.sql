-- A unit's own movement answers a province campaign (parent_campaign_id) with its own sub-themes
-- (chuyên đề). The domain checks the parent's state, period and participants; the foreign key is
-- a backstop.
ALTER TABLE campaigns
    ADD COLUMN parent_campaign_id uuid REFERENCES campaigns (id),
    ADD COLUMN sub_themes         text[] NOT NULL DEFAULT '{}';
CREATE INDEX campaigns_parent ON campaigns (parent_campaign_id)
    WHERE parent_campaign_id IS NOT NULL;
