-- Version 2 -> 3: the index from a replayed request to its source leaves out the rows that have
-- no source (every captured and imported row), for which it was only an insert to pay.

DROP INDEX IF EXISTS requests_by_source;
CREATE INDEX requests_by_source ON requests (source_request_id) WHERE source_request_id IS NOT NULL;
