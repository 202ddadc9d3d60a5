//! `subscriptions`, `invoices`, `billing_events` and `audit_logs`.

use async_trait::async_trait;
use mockbird_core::clock;
use mockbird_core::model::*;
use mockbird_core::store::*;
use sqlx::types::Json;
use uuid::Uuid;

use super::convert::{self, status_text};
use super::support::{all, backend, int, one, write_err};
use crate::Store;
use crate::dialect::{id, ts};

#[async_trait]
impl BillingStore for Store {
    async fn subscription(&self, org_id: Uuid) -> StoreResult<Subscription> {
        let row = sqlx::query("SELECT * FROM subscriptions WHERE org_id = $1")
            .bind(id(org_id))
            .fetch_optional(self.reader())
            .await
            .map_err(backend)?;
        one(row, convert::subscription, "subscription", org_id)
    }

    async fn upsert_subscription(&self, sub: Subscription) -> StoreResult<Subscription> {
        let row = sqlx::query(
            "INSERT INTO subscriptions (org_id, tier, status, current_period_end, \
             cancel_at_period_end, customer_id, provider_subscription_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (org_id) DO UPDATE SET tier = excluded.tier, status = excluded.status, \
               current_period_end = excluded.current_period_end, \
               cancel_at_period_end = excluded.cancel_at_period_end, \
               customer_id = excluded.customer_id, \
               provider_subscription_id = excluded.provider_subscription_id, \
               updated_at = excluded.updated_at \
             RETURNING *",
        )
        .bind(id(sub.org_id))
        .bind(&sub.tier)
        .bind(status_text(sub.status))
        .bind(sub.current_period_end.map(clock::truncate).map(ts))
        .bind(sub.cancel_at_period_end)
        .bind(&sub.customer_id)
        .bind(&sub.provider_subscription_id)
        .bind(ts(clock::truncate(sub.updated_at)))
        .fetch_optional(self.writer())
        .await
        .map_err(|e| write_err(e, "organization", sub.org_id))?;
        one(row, convert::subscription, "subscription", sub.org_id)
    }

    async fn invoices(&self, org_id: Uuid) -> StoreResult<Vec<Invoice>> {
        let rows = sqlx::query(
            "SELECT * FROM invoices WHERE org_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(id(org_id))
        .fetch_all(self.reader())
        .await
        .map_err(backend)?;
        all(rows, convert::invoice)
    }

    async fn upsert_invoice(&self, invoice: Invoice) -> StoreResult<Invoice> {
        let row = sqlx::query(
            "INSERT INTO invoices (id, org_id, amount_cents, currency, status, period_start, \
             period_end, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, \
               amount_cents = excluded.amount_cents, currency = excluded.currency, \
               status = excluded.status, period_start = excluded.period_start, \
               period_end = excluded.period_end, created_at = excluded.created_at \
             RETURNING *",
        )
        .bind(&invoice.id)
        .bind(id(invoice.org_id))
        .bind(int(invoice.amount_cents))
        .bind(&invoice.currency)
        .bind(&invoice.status)
        .bind(ts(clock::truncate(invoice.period_start)))
        .bind(ts(clock::truncate(invoice.period_end)))
        .bind(ts(clock::truncate(invoice.created_at)))
        .fetch_optional(self.writer())
        .await
        .map_err(|e| write_err(e, "organization", invoice.org_id))?;
        one(row, convert::invoice, "invoice", &invoice.id)
    }

    async fn record_billing_event(&self, event: BillingEvent) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO billing_events (id, event_type, org_id, payload, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(&event.event_type)
        .bind(event.org_id.map(id))
        .bind(Json(&event.payload))
        .bind(ts(clock::truncate(event.received_at)))
        .execute(self.writer())
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn forget_billing_event(&self, event_id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM billing_events WHERE id = $1")
            .bind(event_id)
            .execute(self.writer())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for Store {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let created = AuditEntry {
            id: Uuid::new_v4(),
            org_id: entry.org_id,
            user_id: entry.user_id,
            action: entry.action,
            target: entry.target,
            details: entry.details,
            created_at: clock::now(),
        };
        sqlx::query(
            "INSERT INTO audit_logs (id, org_id, user_id, action, target, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id(created.id))
        .bind(id(created.org_id))
        .bind(created.user_id.map(id))
        .bind(&created.action)
        .bind(&created.target)
        .bind(Json(&created.details))
        .bind(ts(created.created_at))
        .execute(self.writer())
        .await
        .map_err(|e| write_err(e, "organization", created.org_id))?;
        Ok(created)
    }

    async fn audit_entries(&self, org_id: Uuid, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, org_id, user_id, action, target, details, created_at FROM audit_logs \
             WHERE org_id = $1 ORDER BY rowid DESC LIMIT $2",
        )
        .bind(id(org_id))
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(backend)?;
        all(rows, convert::audit_entry)
    }
}
