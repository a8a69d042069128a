-- Version 2 -> 3: the index from a replayed request to its source leaves out the rows that have
-- none (every captured and imported one), which it only cost an insert each.

DROP INDEX requests_by_source;
CREATE INDEX requests_by_source ON requests (source_request_id) WHERE source_request_id IS NOT NULL;
