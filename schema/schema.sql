-- tracetune database schema, version 4 (PRAGMA user_version).
--
-- This file is what a new database gets. An older file is brought forward by the steps in
-- migrations/ (v<N>.sql takes version N-1 to N); tests check that both paths give the same
-- schema. Every time is an integer number of microseconds on the trace's own time axis, whose
-- zero is the trace's origin (traces.origin_unix_us gives it on the wall clock).

-- One capture, replay, import or simulation run.
CREATE TABLE traces (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('capture', 'replay', 'import', 'simulation')),
  label           TEXT    NOT NULL DEFAULT '',
  created         TEXT    NOT NULL,               -- ISO 8601 UTC, when the run started
  origin_unix_us  INTEGER NOT NULL DEFAULT 0,     -- wall-clock time of the time axis' zero
  target          TEXT    NOT NULL DEFAULT '',    -- upstream URL, input file or model
  parameters      TEXT    NOT NULL DEFAULT '{}',  -- JSON: how the run was made (flags, scaling)
  server_info     TEXT    NOT NULL DEFAULT '{}',  -- JSON: the server's /info and launcher limits
  source_trace_id INTEGER REFERENCES traces (id), -- the trace a replay or simulation re-ran
  -- 'recording' while its run goes on (and forever if the run crashed), 'interrupted' when it was
  -- stopped before its end (Ctrl-C during a replay), else 'complete'
  state           TEXT    NOT NULL DEFAULT 'complete'
                          CHECK (state IN ('recording', 'complete', 'interrupted'))
);

-- One exchange (request and response); see core/exchange.h for the meaning of each field.
CREATE TABLE requests (
  id                    INTEGER PRIMARY KEY,
  trace_id              INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
  source_request_id     INTEGER,          -- the request this one re-ran
  session               TEXT,             -- conversation or session key
  intended_us           INTEGER,          -- planned send time (replay, simulation)
  sent_us               INTEGER NOT NULL, -- actual send time, or arrival at the proxy
  method                TEXT    NOT NULL,
  path                  TEXT    NOT NULL,
  request_headers       TEXT    NOT NULL DEFAULT '[]', -- JSON [[name, value], ...]
  client_address        TEXT,             -- the client's address as the proxy saw it (capture)
  request_body          BLOB,             -- NULL when redacted or absent
  request_body_sha256   TEXT,             -- hex digest when the body was redacted
  request_body_bytes    INTEGER NOT NULL DEFAULT 0,
  endpoint              TEXT    NOT NULL, -- generate, generate_stream, compat, chat, ...
  stream                INTEGER NOT NULL DEFAULT 0,
  input_bytes           INTEGER,
  input_tokens          INTEGER,
  input_tokens_estimated INTEGER NOT NULL DEFAULT 0, -- 1: from the prompt's characters, not TGI
  max_new_tokens        INTEGER,
  parameters            TEXT,             -- JSON: the request's generation parameters
  prefix_hash_ids       TEXT,             -- JSON array of prompt block hashes (Mooncake)
  status                INTEGER,
  response_headers      TEXT    NOT NULL DEFAULT '[]',
  response_body         BLOB,
  response_headers_us   INTEGER,
  token_times           BLOB,             -- core/token_times.h encoding, base = sent_us
  token_count           INTEGER NOT NULL DEFAULT 0,
  first_token_us        INTEGER,
  last_token_us         INTEGER,
  max_itl_us            INTEGER,          -- longest gap between two token events
  end_us                INTEGER,
  output_tokens         INTEGER,
  finish_reason         TEXT,
  tgi_total_us          INTEGER,          -- TGI's x-* headers (non-streaming answers)
  tgi_validation_us     INTEGER,
  tgi_queue_us          INTEGER,
  tgi_inference_us      INTEGER,
  tgi_time_per_token_us INTEGER,
  tgi_prompt_tokens     INTEGER,
  tgi_generated_tokens  INTEGER,
  outcome               TEXT    NOT NULL CHECK (outcome IN ('ok', 'http_error', 'upstream_error',
                                                            'client_abort', 'timeout', 'truncated')),
  error                 TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX requests_by_trace_time ON requests (trace_id, sent_us);
CREATE INDEX requests_by_source ON requests (source_request_id) WHERE source_request_id IS NOT NULL;

-- Time series scraped from the server during a run (e.g. tgi_queue_size).
CREATE TABLE samples (
  trace_id INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
  t_us     INTEGER NOT NULL,
  name     TEXT    NOT NULL,
  labels   TEXT    NOT NULL DEFAULT '',
  value    REAL    NOT NULL
);
CREATE INDEX samples_by_trace_name ON samples (trace_id, name, t_us);

-- Per-request latencies. Columns ending in _us are microseconds. "from_intended" columns count
-- from the planned send time (coordinated omission corrected); the others from the actual send.
CREATE VIEW request_metrics AS
SELECT
  id AS request_id, trace_id, source_request_id, session, endpoint, stream, status, outcome,
  input_tokens, output_tokens, token_count,
  intended_us, sent_us, end_us,
  sent_us - intended_us AS send_lag_us,
  first_token_us - sent_us AS ttft_us,
  first_token_us - COALESCE(intended_us, sent_us) AS ttft_from_intended_us,
  end_us - sent_us AS e2e_us,
  end_us - COALESCE(intended_us, sent_us) AS e2e_from_intended_us,
  CASE WHEN token_count > 1
    THEN (last_token_us - first_token_us) * 1.0 / (token_count - 1) END AS itl_mean_us,
  max_itl_us,
  CASE WHEN output_tokens > 1 AND first_token_us IS NOT NULL
    THEN (end_us - first_token_us) * 1.0 / (output_tokens - 1) END AS tpot_us,
  tgi_queue_us
FROM requests;

-- One row per trace: what `tracetune traces` lists.
CREATE VIEW trace_summary AS
SELECT
  t.id AS trace_id, t.kind, t.label, t.created, t.target, t.source_trace_id, t.state,
  COUNT(r.id) AS requests,
  SUM(r.outcome = 'ok') AS ok,
  MIN(r.sent_us) AS first_sent_us,
  MAX(COALESCE(r.end_us, r.sent_us)) AS last_end_us
FROM traces t LEFT JOIN requests r ON r.trace_id = t.id
GROUP BY t.id;
