---- tern: disable-tx ----
-- What grows with a year of requests (issue 18; scripts/bench/scale.sh
-- measures it). Each statement commits on its own, so that none holds a
-- lock for longer than itself; should the migration stop half way, it
-- runs again from the top, and every statement allows for that. Building
-- an index holds the writes to its table: on a deployment holding a year
-- of requests, seconds (docs/scaling.md). Built beforehand with CREATE
-- INDEX CONCURRENTLY under the same name, an index is left as it is.
-- (CONCURRENTLY cannot be used here: it waits for every transaction, among
-- them a replica waiting for the migrations' advisory lock.)

-- Lists of requests (the console's queue, the staff API) are in the order
-- of submission, and page with a keyset (submitted_at, id): the queue by
-- status and type, with or without a language, the API by any of them.
-- Each index answers its filters in that order from where a page starts,
-- however deep.
CREATE INDEX IF NOT EXISTS requests_list_status_type ON requests (status, type, submitted_at, id);
CREATE INDEX IF NOT EXISTS requests_list_status_type_language ON requests (status, type, language, submitted_at, id);
-- Every list unfiltered, or by period; the overview's counts by day.
CREATE INDEX IF NOT EXISTS requests_list ON requests (submitted_at, id);
DROP INDEX IF EXISTS requests_submitted_at;

-- A request's access log, shown to supervisors on its page, is found by
-- its reference (rows outlive their request).
CREATE INDEX IF NOT EXISTS request_access_reference ON request_access (reference, id);

-- The expiry job looks for the offers awaiting an answer whose window
-- began: a few among every offer ever made. status is indexed already
-- (callback_offers_contact), so this adds no work to an offer's update.
CREATE INDEX IF NOT EXISTS callback_offers_awaiting ON callback_offers (starts_at) WHERE status = 'awaiting';

-- The retention jobs (bot/postgres/retention.go) find their work through
-- these, in proportion to what is due rather than to all that is kept.
--
-- A conversation that filed a request is kept with it until retention
-- purges both: the idle purge looks at the others only, the oldest first.
-- created_at and filed never change in a turn's update of its
-- conversation, which stays heap-only (004_hot_turns.sql).
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS filed boolean NOT NULL DEFAULT false;
UPDATE conversations c SET filed = true WHERE NOT c.filed AND EXISTS (SELECT 1 FROM requests r WHERE r.conversation_id = c.id);
CREATE INDEX IF NOT EXISTS conversations_unfiled ON conversations (created_at) WHERE NOT filed;

-- Requests closed or completed, and not purged yet, by when.
CREATE INDEX IF NOT EXISTS requests_purge ON requests (updated_at) WHERE status IN ('closed', 'completed') AND purged_at IS NULL;

-- A number that may have nothing left: new, or one of its conversations,
-- requests or callback offers just went. The next pass looks at these
-- alone; every number is one at first. A turn's lock of its participant
-- changes no indexed column.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS recheck boolean NOT NULL DEFAULT true;
CREATE INDEX IF NOT EXISTS participants_recheck ON participants (phone_idx) WHERE recheck;

-- Texts of conversations that went are marked for purging where they go
-- (the idle purge, the purge of requests, a turn that starts over), as
-- the purge of requests marked its own; those of conversations already
-- gone are marked here. Texts of no conversation, no offer and no request
-- are found by when they settled.
UPDATE outbox o SET purge = true
WHERE NOT o.purge AND o.conversation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = o.conversation_id);
CREATE INDEX IF NOT EXISTS outbox_unlinked ON outbox (updated_at) WHERE conversation_id IS NULL AND offer_id IS NULL AND request_id IS NULL;

-- The overview's counts of the days that are over, per time zone they are
-- counted in (bot/postgres/console.go): a day's requests never change
-- once it is over; its offers' statuses may, and a day whose offers
-- changed since it was counted (callback_offers_updated_at) is counted
-- again. Only today is counted from the requests and offers themselves.
CREATE TABLE IF NOT EXISTS overview_days (
    zone       text NOT NULL,
    day        date NOT NULL,
    counted_at timestamptz NOT NULL,
    PRIMARY KEY (zone, day)
);
CREATE TABLE IF NOT EXISTS overview_requests (
    zone     text NOT NULL,
    day      date NOT NULL,
    type     text NOT NULL,
    language text NOT NULL,
    requests integer NOT NULL,
    PRIMARY KEY (zone, day, type, language)
);
CREATE TABLE IF NOT EXISTS overview_offers (
    zone   text NOT NULL,
    day    date NOT NULL,
    status text NOT NULL,
    offers integer NOT NULL,
    PRIMARY KEY (zone, day, status)
);
CREATE INDEX IF NOT EXISTS callback_offers_updated_at ON callback_offers (updated_at);
