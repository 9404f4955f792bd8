-- One SMS turn in the middle of the wizard, as the bot's database sees it:
-- the statements of bot/postgres (Turn, PriorReply, OpenConversation,
-- ContactOffers, SaveConversation, AddTurn) in one transaction, a round
-- trip each (the bot pipelines them into two). Each pgbench client is one
-- texting number (participant 'pgbench-<client_id>', seeded by run.sh with
-- an open conversation). Sealed values are base64 of the sizes the bot
-- stores (measured on a bench run): phone 66 characters, inbound body 58,
-- the reply kept with it 328, the outbound body 192, conversation state 516.
-- Run: pgbench -n -c 16 -j 2 -T 20 -M prepared -f scripts/bench/turn.sql
\set sid random(1, 9223372036854775806)
BEGIN;
-- Turn: lock (or create) the participant.
INSERT INTO participants (phone_idx, phone, created_at)
VALUES ('pgbench-' || :client_id, 'v1.pgbench.DDWlO1LMpfGvHIP8xjVtJTaAg9DPW9H8zbAgoimKNssEmwF9lET2Ow', now())
ON CONFLICT (phone_idx) DO UPDATE SET phone_idx = EXCLUDED.phone_idx
RETURNING language, opted_out_at, texted_at IS NOT NULL;
-- PriorReply: was this MessageSid answered already?
SELECT id, reply FROM messages WHERE direction = 'in' AND provider_id = 'SM' || lpad(to_hex(:sid::bigint), 32, '0');
-- OpenConversation.
SELECT id AS conversation_id, open, step, state, history, invalid_count, channel, attestation, version, created_at, updated_at
FROM conversations WHERE phone_idx = 'pgbench-' || :client_id AND open FOR UPDATE \gset
-- ContactOffers: callback offers waiting for this number's YES or NO.
SELECT o.id, o.request_id, r.reference, r.language, o.starts_at, o.ends_at, o.zone, o.status,
    o.contact_phone, o.contact_role, o.not_sent_reason, o.message_status, o.better_times, o.answered_at, o.created_at, o.updated_at
FROM callback_offers o JOIN requests r ON r.id = o.request_id
WHERE o.contact_idx = 'pgbench-' || :client_id
    AND (o.status = 'awaiting' OR (o.status = 'declined' AND o.better_times = '')
        OR (o.status = 'expired' AND o.answered_at IS NULL))
ORDER BY o.id DESC FOR UPDATE OF o;
-- SaveConversation.
UPDATE conversations SET open = true, step = 'email',
    state = 'v1.pgbench.CCabhj53DiwKzldtbCFn0WG23UhsR4gYV2eZ6kaXOFxFnl2QHBKHZfBLSbS3KzOnmOMWygRMmI5sPQkiHkNfcaAvR9VwN9ySX8Z0HKPEvYOyS7E95Q38hQfxxQPxkbO9MTNnntrTUuYfqbExmxMJCNyyNgLAYhP2pSMXVV0936imW7QH1gtxWblEf8VjqPR7Otm9fMDM1Sk0xPrqDbNF2bCqoj1nzDdVz4FtmV2Jl4PHWKS608qyoEYKuWPdIAVzk77Lxirf0C9WyCZ4tR0mzoJsw4tkj4EJKldqnvdpOZhaig2cafuxAj7MHtA6AUwLHi0SiWyaOyJfjfU3GXvnk987SIlnrtdU6rMNuonr01WaetNWydhJzMO0dZrQNwlFj3e6UWGM1ESa0EsRsq25x1nJm0B9bEyKZB60vSKh1yU0Or1QHxaf0fZwMLLt2sVtETG16pQJcyt4Cjy32cdJyKLDyurKx0LzoDrbGg5uMv3ggbgab0Q9PVyE',
    history = '{language,who,type,adit_date,days,time_of_day,name,birth_date,residence,birth_country,receipt,a_number,email}',
    invalid_count = 0, channel = 'sms', attestation = '', version = version + 1, updated_at = now(), closed_at = NULL
WHERE id = :conversation_id;
-- AddTurn: draw the two messages' ids (their sealed values are bound to
-- them), then store the inbound message with its reply, and the reply.
SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS in_id, nextval(pg_get_serial_sequence('messages', 'id')) AS out_id \gset
INSERT INTO messages (id, conversation_id, direction, channel, provider_id, body, reply, created_at)
VALUES (:in_id, :conversation_id, 'in', 'sms', 'SM' || lpad(to_hex(:sid::bigint), 32, '0'),
    'v1.pgbench.O3f2pi2y0wYxmAVH5Ow6jCaZc2dqHT7QiJlRA298QA',
    'v1.pgbench.4rv6pcUOMLB8kM86Zkb2d3yH8mbLQka2WLHydCwv79TMGX2kx3viWTI2AFPeHD7m9URd4EpFulHiooJ9DTx1bcTmd19FjySTT3qQ5A7cT2IPXslDwVz9pHfrOyFpxR5xWqLTySEn6E0wPtge7M5UXokyZWaRu8lGXxHVARqRilsqRlPppFTm67BqLSIlRs1wmvu10tmSKMNHyk8Bb5sKG7PvQyX2iM1bv53V0mUXIkxXeyayfnMqWrINKFT4PigTMyPxYMxUarYxbA5ny4qL2W7iE4jwNJT5GMxRxhv2VQPaGxtkfZYn0Oi2IKbw',
    now());
INSERT INTO messages (id, conversation_id, direction, channel, body, reply_to, created_at)
VALUES (:out_id, :conversation_id, 'out', 'sms',
    'v1.pgbench.ASGAFCCvNF8tyMPXzeedNEOMDYR01EyxTd458JWbFU47F7x4oro641LzqZjevyGFwLbP2WWWzfzeAs7PEcGa9xeUvbzFQoKlwKtalr3cetMk00tBkLQ5G47SrwixbzoFRFJahVTyXPDyj1adm8Bf3b2E8WKBZqVhTy2GQSyuwcxPFKNsOKJ2',
    :in_id, now());
COMMIT;
