-- A collective's discipline, investigation, inspection and complaint periods, from
-- UnitStatusChanged (registry.units.v1): a pending one blocks the collective (R14), as
-- rm_person_statuses does a person.
CREATE TABLE rm_unit_statuses (
    status_id        uuid PRIMARY KEY,
    unit_id          uuid NOT NULL,
    kind             text NOT NULL,
    discipline_level text,
    start_on         date NOT NULL,
    end_on           date
);
CREATE INDEX rm_unit_statuses_unit ON rm_unit_statuses (unit_id);
