-- Staff notes on a request's status changes.
CREATE TABLE request_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    status     text NOT NULL,
    note       text NOT NULL DEFAULT '',
    actor      text NOT NULL, -- "staff" or "applicant"
    created_at timestamptz NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- A callback offer is a window in which an officer offers to call. The
-- contact is asked by text whether they can take the call.
CREATE TABLE callback_offers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    zone            text NOT NULL,
    status          text NOT NULL CHECK (status IN
                    ('awaiting', 'confirmed', 'declined', 'expired', 'cancelled', 'not_sent')),
    contact_phone   text NOT NULL DEFAULT '',
    contact_role    text NOT NULL DEFAULT '',
    not_sent_reason text NOT NULL DEFAULT '',
    message_status  text NOT NULL DEFAULT '',
    better_times    text NOT NULL DEFAULT '',
    answered_at     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX callback_offers_request ON callback_offers (request_id, id);
CREATE INDEX callback_offers_contact ON callback_offers (contact_phone, status);

-- The outbox holds every text the service sends on its own. A row is
-- committed with what caused it and sent afterwards by a worker, which
-- claims rows with a lease so that a crash neither loses nor repeats one.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    offer_id        bigint REFERENCES callback_offers (id) ON DELETE SET NULL,
    to_phone        text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL CHECK (status IN
                    ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    send_after      timestamptz NOT NULL,
    lease_until     timestamptz,
    claimed_at      timestamptz,
    provider_sid    text UNIQUE,
    error_code      integer,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX outbox_due ON outbox (send_after, id) WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_offer ON outbox (offer_id);
