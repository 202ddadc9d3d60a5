-- Request logs as the schema before 20261201000000 (one row per entry) held
-- them; literals both SQLite and PostgreSQL read as the columns' types.
INSERT INTO organizations (id, name, slug, plan, created_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'Acme', 'acme', 'free', '2026-11-01T00:00:00.000000Z');
INSERT INTO projects (id, org_id, name, slug, description, is_public, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'Shop', 'shop', '', TRUE,
        '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z');
INSERT INTO mocks (id, project_id, name, path, method, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 'users', '/users', 'GET',
        '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z');
INSERT INTO mock_responses (id, mock_id, name, status_code, body, is_default, created_at)
VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', 'ok', 200, '[]', TRUE,
        '2026-11-01T00:00:00.000000Z');
INSERT INTO request_logs (id, project_id, mock_id, request_method, request_path, request_headers,
    request_query, request_body, request_body_truncated, response_id, response_status,
    response_time_ms, ip_address, user_agent, created_at)
VALUES
    ('00000000-0000-7000-8000-000000000011', '00000000-0000-4000-8000-000000000002',
     '00000000-0000-4000-8000-000000000003', 'GET', '/users', '{"accept":"*/*","authorization":"[redacted]"}',
     '{"page":"2"}', NULL, FALSE, '00000000-0000-4000-8000-000000000004', 200, 3, '10.0.0.7', 'curl/8',
     '2026-11-20T10:00:00.000001Z'),
    ('00000000-0000-7000-8000-000000000012', '00000000-0000-4000-8000-000000000002',
     '00000000-0000-4000-8000-000000000003', 'GET', '/users', '{}', '{}', 'a "quoted" body', TRUE,
     NULL, 500, 12, '::1', NULL, '2026-11-20T10:00:30.500000Z'),
    ('00000000-0000-7000-8000-000000000013', '00000000-0000-4000-8000-000000000002', NULL, 'POST',
     '/nope', '{}', '{}', NULL, FALSE, NULL, 404, 0, NULL, NULL, '2026-11-21T08:00:00.000000Z');
