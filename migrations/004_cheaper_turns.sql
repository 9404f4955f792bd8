-- Every turn updates its conversation. An update that changes no indexed
-- column and finds room on its row's page is a heap-only tuple (HOT)
-- update: no index gets a new entry, and the old version is pruned from
-- the page without a vacuum.
--
-- conversations_updated_at made every turn's update a full one (updated_at
-- changes each turn) and served no query: the purge of idle conversations
-- (DeleteIdle) looks at open and closed ones alike, which an index "WHERE
-- open" cannot answer. It runs every 10 minutes and reads the table.
DROP INDEX conversations_updated_at;

-- Room on each page for the new versions of its rows (the default is 100,
-- no room). It applies to the pages written from now on.
ALTER TABLE conversations SET (fillfactor = 50);

-- Only outbound messages answer another: inbound ones (one a turn) need no
-- entry in the index that finds a message's replies (when a message is
-- deleted, the replies go with it). A query for reply_to = x still uses it.
DROP INDEX messages_reply_to;
CREATE INDEX messages_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;
