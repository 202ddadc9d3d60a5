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
    body            TEXT NOT NULL
);
CREATE INDEX request_log_chunks_project ON request_log_chunks (project_id, last_at, id);
CREATE INDEX request_log_chunks_mock ON request_log_chunks (mock_id, last_at, id);

-- Every stored entry becomes a chunk of one.
INSERT INTO request_log_chunks
SELECT id, project_id, mock_id, response_status, created_at, created_at, 1, response_time_ms,
       json_object(CAST(response_time_ms AS TEXT), 1),
       json_array(json_object(
           'id', id, 'mockId', mock_id, 'projectId', project_id,
           'requestMethod', request_method, 'requestPath', request_path,
           'requestHeaders', json(request_headers), 'requestQuery', json(request_query),
           'requestBody', request_body,
           'requestBodyTruncated', json(CASE WHEN request_body_truncated THEN 'true' ELSE 'false' END),
           'responseId', response_id, 'responseStatus', response_status,
           'responseTimeMs', response_time_ms, 'ipAddress', ip_address, 'userAgent', user_agent,
           'createdAt', created_at))
FROM request_logs;

DROP TABLE request_logs;
