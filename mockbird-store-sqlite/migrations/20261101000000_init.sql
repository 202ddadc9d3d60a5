-- MockBird schema, SQLite form: ids are UUID text, timestamps fixed-width
-- RFC 3339 UTC text with microseconds (so text order is time order), JSON is
-- text, booleans are 0/1. Creation order is SQLite's implicit rowid.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    plan       TEXT NOT NULL DEFAULT 'free',
    created_at TEXT NOT NULL
);

CREATE TABLE organization_members (
    org_id    TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_public   INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX projects_org ON projects (org_id);

CREATE TABLE mocks (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    path              TEXT NOT NULL,
    method            TEXT NOT NULL DEFAULT 'GET',
    description       TEXT NOT NULL DEFAULT '',
    is_active         INTEGER NOT NULL DEFAULT 1,
    response_type     TEXT NOT NULL DEFAULT 'json',
    response_delay_ms INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (project_id, path, method)
);
CREATE INDEX mocks_project ON mocks (project_id); -- rowid order within a project comes free

CREATE TABLE mock_responses (
    id          TEXT PRIMARY KEY,
    mock_id     TEXT NOT NULL REFERENCES mocks(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 200,
    headers     TEXT NOT NULL DEFAULT '{}',
    body        TEXT NOT NULL DEFAULT '',
    conditions  TEXT NOT NULL DEFAULT '[]',
    weight      INTEGER NOT NULL DEFAULT 100,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE INDEX mock_responses_mock ON mock_responses (mock_id);
-- At most one default response per mock, whatever the writers do.
CREATE UNIQUE INDEX mock_responses_one_default ON mock_responses (mock_id) WHERE is_default;

CREATE TABLE request_logs (
    id                     TEXT PRIMARY KEY,
    project_id             TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    mock_id                TEXT REFERENCES mocks(id) ON DELETE CASCADE,
    request_method         TEXT NOT NULL,
    request_path           TEXT NOT NULL,
    request_headers        TEXT NOT NULL DEFAULT '{}',
    request_query          TEXT NOT NULL DEFAULT '{}',
    request_body           TEXT,
    request_body_truncated INTEGER NOT NULL DEFAULT 0,
    response_id            TEXT REFERENCES mock_responses(id) ON DELETE SET NULL,
    response_status        INTEGER NOT NULL,
    response_time_ms       INTEGER NOT NULL,
    ip_address             TEXT,
    user_agent             TEXT,
    created_at             TEXT NOT NULL
);
CREATE INDEX request_logs_project_time ON request_logs (project_id, created_at, id);
CREATE INDEX request_logs_mock_time ON request_logs (mock_id, created_at, id);
CREATE INDEX request_logs_response ON request_logs (response_id);

CREATE TABLE usage_stats (
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    month           TEXT NOT NULL,
    request_count   INTEGER NOT NULL DEFAULT 0,
    bandwidth_bytes INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, month)
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    last_used_at TEXT,
    expires_at   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE password_reset_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);

CREATE TABLE subscriptions (
    org_id                   TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    tier                     TEXT NOT NULL,
    status                   TEXT NOT NULL,
    current_period_end       TEXT,
    cancel_at_period_end     INTEGER NOT NULL DEFAULT 0,
    customer_id              TEXT,
    provider_subscription_id TEXT,
    updated_at               TEXT NOT NULL
);

CREATE TABLE invoices (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    amount_cents INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX invoices_org ON invoices (org_id, created_at);

-- Billing events outlive organizations: they are the record of what the provider sent.
CREATE TABLE billing_events (
    id          TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    org_id      TEXT,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE audit_logs (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    details    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX audit_logs_org ON audit_logs (org_id);
