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
    body            BYTEA NOT NULL
);
CREATE INDEX request_log_chunks_project ON request_log_chunks (project_id, last_at, id);
CREATE INDEX request_log_chunks_mock ON request_log_chunks (mock_id, last_at, id);

-- Every stored entry becomes a chunk of one, its body plain JSON in the
-- chunk entry format (sql-shared/log_chunks.rs, `Stored`).
INSERT INTO request_log_chunks
    (id, project_id, mock_id, response_status, first_at, last_at, entries, total_ms, times, body)
SELECT id, project_id, mock_id, response_status, created_at, created_at, 1, response_time_ms,
       json_build_object(response_time_ms::text, 1)::text,
       convert_to(json_build_array(json_build_object(
           'id', id, 'm', request_method, 'p', request_path,
           'h', request_headers, 'q', request_query, 'b', request_body,
           'bt', request_body_truncated, 'r', response_id, 'ms', response_time_ms,
           'ip', host(ip_address), 'ua', user_agent,
           'at', (extract(epoch FROM created_at) * 1000000)::bigint))::text, 'UTF8')
FROM request_logs
ORDER BY rowid;

DROP TABLE request_logs;
