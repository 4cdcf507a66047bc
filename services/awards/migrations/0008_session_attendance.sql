-- Attendance of a council session: the members the secretary marked absent before the vote
-- opened. Only they vote in writing (their ballot recorded by the secretary); the others vote
-- in the meeting. A member not listed is present.
CREATE TABLE session_absences (
    session_id uuid NOT NULL REFERENCES council_sessions,
    member_id  uuid NOT NULL REFERENCES council_members,
    PRIMARY KEY (session_id, member_id)
);
