-- The channel of a conversation's last turn: a turn on the other channel
-- offers to continue where the person left off.
ALTER TABLE conversations ADD COLUMN channel text NOT NULL DEFAULT 'sms';

-- The whole reply a turn got, so that a repeated delivery (a retried SMS
-- webhook, a retried voice action) is answered exactly as the first time.
ALTER TABLE messages ADD COLUMN reply jsonb;
