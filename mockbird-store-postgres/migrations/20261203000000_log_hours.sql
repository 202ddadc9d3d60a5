-- Hourly totals of request logs, kept with the chunks they count (see
-- sql-shared/log_hours.rs): what analytics over days, weeks and months read.
CREATE TABLE request_log_hours (
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- The mock's id, or '' for requests no mock matched (a key column).
    mock_key   TEXT NOT NULL,
    mock_id    UUID REFERENCES mocks(id) ON DELETE CASCADE,
    hour       TIMESTAMPTZ NOT NULL,
    requests   BIGINT NOT NULL,
    errors     BIGINT NOT NULL,
    total_ms   BIGINT NOT NULL,
    -- Response times: {"ms": count}.
    times      TEXT NOT NULL,
    PRIMARY KEY (project_id, mock_key, hour)
);
CREATE INDEX request_log_hours_mock ON request_log_hours (mock_id, hour);

-- The hours of the logs stored so far (a chunk lies inside one minute).
WITH chunks AS (
    SELECT project_id, mock_id, date_trunc('hour', first_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           entries, response_status, total_ms, times
    FROM request_log_chunks
), totals AS (
    SELECT project_id, mock_id, hour, SUM(entries) AS requests,
           SUM(CASE WHEN response_status >= 400 THEN entries ELSE 0 END) AS errors,
           SUM(total_ms) AS total_ms
    FROM chunks GROUP BY project_id, mock_id, hour
), histograms AS (
    SELECT project_id, mock_id, hour, CAST(json_object_agg(ms, n) AS TEXT) AS times
    FROM (SELECT c.project_id, c.mock_id, c.hour, t.key AS ms, SUM(CAST(t.value AS BIGINT)) AS n
          FROM chunks c, json_each_text(CAST(c.times AS json)) t
          GROUP BY c.project_id, c.mock_id, c.hour, t.key) per_ms
    GROUP BY project_id, mock_id, hour
)
INSERT INTO request_log_hours
SELECT t.project_id, COALESCE(CAST(t.mock_id AS TEXT), ''), t.mock_id, t.hour,
       t.requests, t.errors, t.total_ms, COALESCE(h.times, '{}')
FROM totals t LEFT JOIN histograms h
  ON h.project_id = t.project_id AND h.mock_id IS NOT DISTINCT FROM t.mock_id AND h.hour = t.hour;
