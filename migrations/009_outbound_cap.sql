-- OUTBOUND_HOURLY_CAP and OUTBOUND_DAILY_CAP count the texts sent across
-- every number in the last hour and day at each claim (bot/postgres
-- ClaimOutbox).
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
