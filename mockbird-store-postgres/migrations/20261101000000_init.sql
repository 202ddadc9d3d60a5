-- MockBird schema, PostgreSQL form: native UUID, TIMESTAMPTZ, JSONB, INET,
-- BIGINT for every integer (one Rust type, i64, reads them all). Creation
-- order is an identity column named rowid, like SQLite's implicit one, so the
-- shared queries can say ORDER BY rowid on both.

CREATE TABLE users (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    plan       TEXT NOT NULL DEFAULT 'free',
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE organization_members (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    org_id    UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id   UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE invitations (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  UUID NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE projects (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_public   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX projects_org ON projects (org_id);

CREATE TABLE mocks (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id                UUID PRIMARY KEY,
    project_id        UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    path              TEXT NOT NULL,
    method            TEXT NOT NULL DEFAULT 'GET',
    description       TEXT NOT NULL DEFAULT '',
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    response_type     TEXT NOT NULL DEFAULT 'json',
    response_delay_ms BIGINT NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, path, method)
);
CREATE INDEX mocks_project ON mocks (project_id, rowid);

CREATE TABLE mock_responses (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id          UUID PRIMARY KEY,
    mock_id     UUID NOT NULL REFERENCES mocks(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status_code BIGINT NOT NULL DEFAULT 200,
    headers     JSONB NOT NULL DEFAULT '{}',
    body        TEXT NOT NULL DEFAULT '',
    conditions  JSONB NOT NULL DEFAULT '[]',
    weight      BIGINT NOT NULL DEFAULT 100,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX mock_responses_mock ON mock_responses (mock_id);
-- At most one default response per mock, whatever the writers do.
CREATE UNIQUE INDEX mock_responses_one_default ON mock_responses (mock_id) WHERE is_default;

CREATE TABLE request_logs (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id                     UUID PRIMARY KEY,
    project_id             UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    mock_id                UUID REFERENCES mocks(id) ON DELETE CASCADE,
    request_method         TEXT NOT NULL,
    request_path           TEXT NOT NULL,
    request_headers        JSONB NOT NULL DEFAULT '{}',
    request_query          JSONB NOT NULL DEFAULT '{}',
    request_body           TEXT,
    request_body_truncated BOOLEAN NOT NULL DEFAULT FALSE,
    response_id            UUID REFERENCES mock_responses(id) ON DELETE SET NULL,
    response_status        BIGINT NOT NULL,
    response_time_ms       BIGINT NOT NULL,
    ip_address             INET,
    user_agent             TEXT,
    created_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX request_logs_project_time ON request_logs (project_id, created_at, id);
CREATE INDEX request_logs_mock_time ON request_logs (mock_id, created_at, id);
CREATE INDEX request_logs_response ON request_logs (response_id);

CREATE TABLE usage_stats (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    org_id          UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    month           TEXT NOT NULL,
    request_count   BIGINT NOT NULL DEFAULT 0,
    bandwidth_bytes BIGINT NOT NULL DEFAULT 0,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, month)
);

CREATE TABLE api_keys (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE refresh_tokens (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  UUID NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE password_reset_tokens (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);

CREATE TABLE subscriptions (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    org_id                   UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    tier                     TEXT NOT NULL,
    status                   TEXT NOT NULL,
    current_period_end       TIMESTAMPTZ,
    cancel_at_period_end     BOOLEAN NOT NULL DEFAULT FALSE,
    customer_id              TEXT,
    provider_subscription_id TEXT,
    updated_at               TIMESTAMPTZ NOT NULL
);

CREATE TABLE invoices (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id           TEXT PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    amount_cents BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_org ON invoices (org_id, created_at);

-- Billing events outlive organizations: they are the record of what the provider sent.
CREATE TABLE billing_events (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id          TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    org_id      UUID,
    payload     JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_logs (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    UUID,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    details    JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_logs_org ON audit_logs (org_id);
