-- Occasions achievements are dedicated to (registry.occasions.v1: OccasionDefined), and the one a
-- nomination's achievement is dedicated to (lập thành tích chào mừng), which the list filters by.
CREATE TABLE rm_occasions (
    occasion_id uuid PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date
);

ALTER TABLE nominations ADD COLUMN occasion_id uuid;
CREATE INDEX nominations_occasion ON nominations (occasion_id) WHERE occasion_id IS NOT NULL;
