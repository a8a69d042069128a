-- Version 1 -> 2: the samples table, the index from a replayed request to its source, and
-- the views.

CREATE INDEX requests_by_source ON requests (source_request_id);

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
  t.id AS trace_id, t.kind, t.label, t.created, t.target, t.source_trace_id,
  COUNT(r.id) AS requests,
  SUM(r.outcome = 'ok') AS ok,
  MIN(r.sent_us) AS first_sent_us,
  MAX(COALESCE(r.end_us, r.sent_us)) AS last_end_us
FROM traces t LEFT JOIN requests r ON r.trace_id = t.id
GROUP BY t.id;
