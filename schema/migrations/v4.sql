-- Version 3 -> 4: the proxy's own bookkeeping leaves the request's header list (a replay sends
-- that list back), traces say whether their run ended, and estimated prompt sizes are marked.

-- The client's address as the proxy saw it; was a ":peer" entry among the request headers.
ALTER TABLE requests ADD COLUMN client_address TEXT;
UPDATE requests
SET client_address = (SELECT json_extract(value, '$[1]') FROM json_each(request_headers)
                      WHERE json_extract(value, '$[0]') = ':peer' LIMIT 1),
    request_headers = (SELECT json_group_array(json(value)) FROM json_each(request_headers)
                       WHERE json_extract(value, '$[0]') <> ':peer')
WHERE request_headers LIKE '%":peer"%';

-- 1 when input_tokens is an estimate (from the prompt's characters), not the server's count.
ALTER TABLE requests ADD COLUMN input_tokens_estimated INTEGER NOT NULL DEFAULT 0;

-- 'recording' while a capture, replay or import runs (and forever if it crashed),
-- 'interrupted' when it was stopped before its end (Ctrl-C during a replay), else 'complete'.
ALTER TABLE traces ADD COLUMN state TEXT NOT NULL DEFAULT 'complete'
  CHECK (state IN ('recording', 'complete', 'interrupted'));

DROP VIEW trace_summary;
CREATE VIEW trace_summary AS
SELECT
  t.id AS trace_id, t.kind, t.label, t.created, t.target, t.source_trace_id, t.state,
  COUNT(r.id) AS requests,
  SUM(r.outcome = 'ok') AS ok,
  MIN(r.sent_us) AS first_sent_us,
  MAX(COALESCE(r.end_us, r.sent_us)) AS last_end_us
FROM traces t LEFT JOIN requests r ON r.trace_id = t.id
GROUP BY t.id;
