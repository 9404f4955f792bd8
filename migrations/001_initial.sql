-- Participants are phone numbers that have talked to the bot. Their row is
-- locked at the start of every turn, so one number's turns run one at a time.
CREATE TABLE participants (
    phone        text PRIMARY KEY,
    language     text NOT NULL DEFAULT '',
    opted_out_at timestamptz,
    created_at   timestamptz NOT NULL
);

-- A conversation is one pass through the wizard. At most one is open per
-- number, whichever channel its turns arrive on.
CREATE TABLE conversations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone         text NOT NULL REFERENCES participants (phone),
    open          boolean NOT NULL DEFAULT true,
    step          text NOT NULL,
    answers       jsonb NOT NULL DEFAULT '{}',
    history       text[] NOT NULL DEFAULT '{}',
    invalid_count integer NOT NULL DEFAULT 0,
    pending       text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    closed_at     timestamptz
);
CREATE UNIQUE INDEX conversations_open_phone ON conversations (phone) WHERE open;
CREATE INDEX conversations_updated_at ON conversations (updated_at) WHERE open;

-- Messages are the turns, in and out. An inbound message's provider id
-- (Twilio's MessageSid) is unique, so a repeated delivery is recognized and
-- answered with the reply it got the first time.
CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    direction       text NOT NULL CHECK (direction IN ('in', 'out')),
    channel         text NOT NULL,
    provider_id     text,
    body            text NOT NULL,
    reply_to        bigint REFERENCES messages (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX messages_provider_id ON messages (provider_id) WHERE direction = 'in';
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_reply_to ON messages (reply_to);

-- Requests are what the wizard files: every answer, and the columns staff
-- filter on.
CREATE TABLE requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference       text NOT NULL UNIQUE,
    conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    status          text NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'scheduled', 'completed', 'closed')),
    type            text NOT NULL,
    language        text NOT NULL,
    channel         text NOT NULL,
    role            text NOT NULL,
    phone           text NOT NULL, -- the number that filed it
    contact_phone   text NOT NULL,
    zip             text NOT NULL DEFAULT '',
    answers         jsonb NOT NULL,
    submitted_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX requests_submitted_at ON requests (submitted_at);
CREATE INDEX requests_phone ON requests (phone);
CREATE INDEX requests_contact_phone ON requests (contact_phone);
