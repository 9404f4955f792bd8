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

