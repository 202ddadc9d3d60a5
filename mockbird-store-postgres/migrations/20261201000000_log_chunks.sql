-- Request logs in chunks: the entries of one write batch sharing a project, a
-- mock, a status and a minute are one row (see sql-shared/log_chunks.rs).
CREATE TABLE request_log_chunks (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id              UUID PRIMARY KEY,
    project_id      UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    mock_id         UUID REFERENCES mocks(id) ON DELETE CASCADE,
    response_status BIGINT NOT NULL,
    first_at        TIMESTAMPTZ NOT NULL,
    last_at         TIMESTAMPTZ NOT NULL,
    entries         BIGINT NOT NULL,
    total_ms        BIGINT NOT NULL,
    times           TEXT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX request_log_chunks_project ON request_log_chunks (project_id, last_at, id);
CREATE INDEX request_log_chunks_mock ON request_log_chunks (mock_id, last_at, id);

-- Every stored entry becomes a chunk of one.
INSERT INTO request_log_chunks
    (id, project_id, mock_id, response_status, first_at, last_at, entries, total_ms, times, body)
SELECT id, project_id, mock_id, response_status, created_at, created_at, 1, response_time_ms,
       json_build_object(response_time_ms::text, 1)::text,
       json_build_array(json_build_object(
           'id', id, 'mockId', mock_id, 'projectId', project_id,
           'requestMethod', request_method, 'requestPath', request_path,
           'requestHeaders', request_headers, 'requestQuery', request_query,
           'requestBody', request_body, 'requestBodyTruncated', request_body_truncated,
           'responseId', response_id, 'responseStatus', response_status,
           'responseTimeMs', response_time_ms, 'ipAddress', host(ip_address),
           'userAgent', user_agent,
           'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))::text
FROM request_logs
ORDER BY rowid;

DROP TABLE request_logs;
