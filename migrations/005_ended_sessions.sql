-- Staff sessions that were signed out before their cookie expired. The
-- cookie is sealed and signed, so it cannot be forged, but a copy of it
-- would open the console until it expires: every replica looks here.
-- Rows go when the session would have expired anyway.
CREATE TABLE ended_sessions (
    id         text PRIMARY KEY, -- the session's random id
    expires_at timestamptz NOT NULL
);
