-- Bloc membership and headship are dated (BlocFormed.formed_on, BlocMembershipChanged's
-- effective_on, BlocHeadElected.effective_on): a unit ranks in a year's standings for the period
-- it was a member, and the bloc head's acts are checked against the head in office that day.
-- bloc_members now lists every unit that was a member at some time in the year.

CREATE TABLE bloc_memberships (
    bloc_id   uuid NOT NULL,
    year      integer NOT NULL,
    unit_id   uuid NOT NULL,
    joined_on date NOT NULL,
    left_on   date,              -- exclusive
    PRIMARY KEY (bloc_id, year, unit_id, joined_on)
);

INSERT INTO bloc_memberships (bloc_id, year, unit_id, joined_on)
SELECT bloc_id, year, unit_id, make_date(year, 1, 1) FROM bloc_members;

-- Head terms: each from its first day to the next term's (within the year).
CREATE TABLE bloc_heads (
    bloc_id        uuid NOT NULL,
    year           integer NOT NULL,
    from_on        date NOT NULL,
    head_unit_id   uuid NOT NULL,
    deputy_unit_id uuid,
    PRIMARY KEY (bloc_id, year, from_on)
);

INSERT INTO bloc_heads (bloc_id, year, from_on, head_unit_id, deputy_unit_id)
SELECT bloc_id, year, make_date(year, 1, 1), head_unit_id, deputy_unit_id
FROM blocs WHERE head_unit_id IS NOT NULL;
