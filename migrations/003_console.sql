-- The staff console's audit trail: which officer opened or changed which
-- request, and when. There is one staff token, so an officer is the name
-- they gave at sign-in together with their session's random id. The trail
-- outlives the request's personal data (retention only blanks those
-- columns) and keeps the reference even if a request row is deleted.
CREATE TABLE request_access (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint REFERENCES requests (id) ON DELETE SET NULL,
    reference  text NOT NULL,
    officer    text NOT NULL,
    session_id text NOT NULL,
    action     text NOT NULL CHECK (action IN ('view', 'offer', 'cancel_offer', 'status')),
    at         timestamptz NOT NULL
);
CREATE INDEX request_access_request ON request_access (request_id, id);
CREATE INDEX request_access_officer ON request_access (officer, at);

-- The overview counts the offers made per day.
CREATE INDEX callback_offers_created_at ON callback_offers (created_at);
