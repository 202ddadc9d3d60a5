-- Hourly totals of request logs, kept with the chunks they count (see
-- sql-shared/log_hours.rs): what analytics over days, weeks and months read.
CREATE TABLE request_log_hours (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- The mock's id, or '' for requests no mock matched (a key column).
    mock_key   TEXT NOT NULL,
    mock_id    TEXT REFERENCES mocks(id) ON DELETE CASCADE,
    hour       TEXT NOT NULL,
    requests   INTEGER NOT NULL,
    errors     INTEGER NOT NULL,
    total_ms   INTEGER NOT NULL,
    -- Response times: {"ms": count}.
    times      TEXT NOT NULL,
    PRIMARY KEY (project_id, mock_key, hour)
);
CREATE INDEX request_log_hours_mock ON request_log_hours (mock_id, hour);

-- The hours of the logs stored so far (a chunk lies inside one minute).
WITH chunks AS (
    SELECT project_id, mock_id, substr(first_at, 1, 13) || ':00:00.000000Z' AS hour,
           entries, response_status, total_ms, times
    FROM request_log_chunks
), totals AS (
    SELECT project_id, mock_id, hour, SUM(entries) AS requests,
           SUM(CASE WHEN response_status >= 400 THEN entries ELSE 0 END) AS errors,
           SUM(total_ms) AS total_ms
    FROM chunks GROUP BY project_id, mock_id, hour
), histograms AS (
    SELECT project_id, mock_id, hour, json_group_object(ms, n) AS times
    FROM (SELECT c.project_id, c.mock_id, c.hour, t.key AS ms, SUM(t.value) AS n
          FROM chunks c, json_each(c.times) t
          GROUP BY c.project_id, c.mock_id, c.hour, t.key)
    GROUP BY project_id, mock_id, hour
)
INSERT INTO request_log_hours
SELECT t.project_id, COALESCE(t.mock_id, ''), t.mock_id, t.hour,
       t.requests, t.errors, t.total_ms, COALESCE(h.times, '{}')
FROM totals t LEFT JOIN histograms h
  ON h.project_id = t.project_id AND h.mock_id IS t.mock_id AND h.hour = t.hour;
