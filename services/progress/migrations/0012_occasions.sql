-- Occasions achievements are dedicated to (registry.occasions.v1: OccasionDefined), and the
-- occasions each campaign is dedicated to (CampaignLaunched.occasion_ids): a dashboard filters
-- the units' own movements by them.
CREATE TABLE occasions (
    occasion_id uuid PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date
);

ALTER TABLE campaigns ADD COLUMN occasion_ids uuid[] NOT NULL DEFAULT '{}';
