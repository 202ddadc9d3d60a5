-- Usage alerts already sent (80 % and 100 % of the monthly quota), one row each.
CREATE TABLE usage_alerts (
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    month      TEXT NOT NULL,
    percent    INTEGER NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, month, percent)
);
