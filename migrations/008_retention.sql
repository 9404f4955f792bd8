-- Retention leaves nothing behind (bot/postgres/protect.go).
--
-- A text not about a callback offer (a caller going on by text) names the
-- conversation it belongs to, so that it goes when the conversation does.
-- There is no foreign key: a text still queued or being sent when its
-- conversation goes is sent first, then deleted.
ALTER TABLE outbox ADD COLUMN conversation_id bigint;
-- Texts of a purged request that were queued or being sent at the purge:
-- deleted once they settle.
ALTER TABLE outbox ADD COLUMN purge boolean NOT NULL DEFAULT false;

-- The texts queued so far name no conversation: a caller's text belongs to
-- the conversation of that number open when it was queued, the last one
-- begun before it.
UPDATE outbox o SET conversation_id = (
    SELECT c.id FROM conversations c
    WHERE c.phone_idx = o.to_idx AND c.created_at <= o.created_at
    ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
WHERE o.offer_id IS NULL AND o.kind = 'handoff';

CREATE INDEX outbox_conversation ON outbox (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX outbox_purge ON outbox (id) WHERE purge;

-- Deleting a conversation sets its request's conversation_id to NULL: this
-- index spares that a scan of every request.
CREATE INDEX requests_conversation ON requests (conversation_id);

-- Whether a number has a conversation left, and the foreign key's check
-- when its participant row goes. A turn's update of its conversation never
-- changes phone_idx, so it stays a heap-only (HOT) update.
CREATE INDEX conversations_phone ON conversations (phone_idx);

-- Submitted requests nobody touched for STALE_DAYS are closed.
CREATE INDEX requests_stale ON requests (updated_at) WHERE status = 'submitted';
