-- The schema as version 1 shipped it, frozen: the migration tests start from this.

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
  source_trace_id INTEGER REFERENCES traces (id)  -- the trace a replay or simulation re-ran
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
  request_body          BLOB,             -- NULL when redacted or absent
  request_body_sha256   TEXT,             -- hex digest when the body was redacted
  request_body_bytes    INTEGER NOT NULL DEFAULT 0,
  endpoint              TEXT    NOT NULL, -- generate, generate_stream, compat, chat, ...
  stream                INTEGER NOT NULL DEFAULT 0,
  input_bytes           INTEGER,
  input_tokens          INTEGER,
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
PRAGMA user_version = 1;
