-- Request logs in chunks: the entries of one write batch sharing a project, a
-- mock, a status and a minute are one row (see sql-shared/log_chunks.rs).
CREATE TABLE request_log_chunks (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    mock_id         TEXT REFERENCES mocks(id) ON DELETE CASCADE,
    response_status INTEGER NOT NULL,
    first_at        TEXT NOT NULL,
    last_at         TEXT NOT NULL,
    entries         INTEGER NOT NULL,
    total_ms        INTEGER NOT NULL,
    times           TEXT NOT NULL,
    body            BLOB NOT NULL
);
CREATE INDEX request_log_chunks_project ON request_log_chunks (project_id, last_at, id);
CREATE INDEX request_log_chunks_mock ON request_log_chunks (mock_id, last_at, id);

-- Every stored entry becomes a chunk of one, its body plain JSON in the
-- chunk entry format (sql-shared/log_chunks.rs, `Stored`).
INSERT INTO request_log_chunks
SELECT id, project_id, mock_id, response_status, created_at, created_at, 1, response_time_ms,
       json_object(CAST(response_time_ms AS TEXT), 1),
       CAST(json_array(json_object(
           'id', id, 'm', request_method, 'p', request_path,
           'h', json(request_headers), 'q', json(request_query), 'b', request_body,
           'bt', json(CASE WHEN request_body_truncated THEN 'true' ELSE 'false' END),
           'r', response_id, 'ms', response_time_ms, 'ip', ip_address, 'ua', user_agent,
           'at', CAST(strftime('%s', substr(created_at, 1, 19)) AS INTEGER) * 1000000
                 + CAST(substr(created_at, 21, 6) AS INTEGER))) AS BLOB)
FROM request_logs;

DROP TABLE request_logs;
