//! The emails the product sends, as Handlebars templates (subject, text, HTML):
//! welcome, password reset, invitation, usage alert, invoice. Values are
//! HTML-escaped in the HTML part; a missing value is an error caught by the tests.

use std::sync::LazyLock;

use handlebars::Handlebars;
use mockbird_core::service::Email;
use serde_json::{Value, json};

/// (name, subject, text, html) of every email.
const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    (
        "welcome",
        "Welcome to MockBird, {{name}}",
        "Hi {{name}},\n\nyour MockBird account {{email}} is ready. Create a project and your first mock at {{url}}.\n",
        "<p>Hi {{name}},</p><p>your MockBird account <b>{{email}}</b> is ready. <a href=\"{{url}}\">Create a project</a> and your first mock.</p>",
    ),
    (
        "password_reset",
        "Reset your MockBird password",
        "Someone asked to reset the password of {{email}}.\n\nToken: {{token}}\nLink: {{link}}\n\nIt works once, for one hour. If it was not you, ignore this email.",
        "<p>Someone asked to reset the password of {{email}}.</p><p><a href=\"{{link}}\">Reset it</a> (token <code>{{token}}</code>), once, within one hour.</p><p>If it was not you, ignore this email.</p>",
    ),
    (
        "invitation",
        "You are invited to {{org}} on MockBird",
        "{{inviter}} invited you to join {{org}} as {{role}}.\n\nAccept with POST {{link}} (token {{token}}) within 7 days.",
        "<p>{{inviter}} invited you to join <b>{{org}}</b> as {{role}}.</p><p>Accept: <code>POST {{link}}</code> within 7 days.</p>",
    ),
    (
        "usage_alert",
        "{{org}} has used {{percent}}% of its MockBird requests this month",
        "{{org}} has used {{used}} of its {{limit}} mock requests this month ({{percent}}%).{{#if exhausted}} Mock requests are refused with 429 until the month ends or the plan changes.{{/if}}\n\nUpgrade: {{billing}}\n",
        "<p><b>{{org}}</b> has used {{used}} of its {{limit}} mock requests this month ({{percent}}%).{{#if exhausted}} Mock requests are refused with 429 until the month ends or the plan changes.{{/if}}</p><p><a href=\"{{billing}}\">Upgrade</a></p>",
    ),
    (
        "invoice",
        "Your MockBird invoice {{id}}",
        "Invoice {{id}} for {{org}}: {{amount}} {{currency}}, {{status}}, for {{periodStart}} – {{periodEnd}}.\n\nAll invoices: {{billing}}\n",
        "<p>Invoice <b>{{id}}</b> for {{org}}: {{amount}} {{currency}}, {{status}}, for {{periodStart}} – {{periodEnd}}.</p><p><a href=\"{{billing}}\">All invoices</a></p>",
    ),
];

/// Every part, compiled; `escape` false for the subject and text parts.
fn registry(escape: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    if !escape {
        hb.register_escape_fn(handlebars::no_escape);
    }
    for (name, subject, text, html) in TEMPLATES {
        for (part, source) in [("subject", subject), ("text", text), ("html", html)] {
            hb.register_template_string(&format!("{name}.{part}"), source)
                .expect("email templates compile");
        }
    }
    hb
}

static HTML: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(true));
static PLAIN: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(false));

/// Renders email `name` to `to` with `data`.
fn render(name: &str, to: &str, data: &Value) -> Email {
    let part = |p: &str, escape: bool| {
        let hb: &Handlebars<'static> = if escape { &HTML } else { &PLAIN };
        hb.render(&format!("{name}.{p}"), data).unwrap_or_else(|e| {
            tracing::error!(template = name, error = %e, "email template failed");
            String::new()
        })
    };
    Email {
        to: to.to_owned(),
        subject: part("subject", false),
        text: part("text", false),
        html: part("html", true),
    }
}

/// After registration.
pub(crate) fn welcome(to: &str, name: &str, url: &str) -> Email {
    render(
        "welcome",
        to,
        &json!({"name": name, "email": to, "url": url}),
    )
}

/// A password reset token and link.
pub(crate) fn password_reset(to: &str, token: &str, link: &str) -> Email {
    render(
        "password_reset",
        to,
        &json!({"email": to, "token": token, "link": link}),
    )
}

/// An invitation to an organization.
pub(crate) fn invitation(
    to: &str,
    inviter: &str,
    org: &str,
    role: &str,
    token: &str,
    link: &str,
) -> Email {
    render(
        "invitation",
        to,
        &json!({"inviter": inviter, "org": org, "role": role, "token": token, "link": link}),
    )
}

/// The organization reached `percent` of its monthly request quota.
pub(crate) fn usage_alert(
    to: &str,
    org: &str,
    percent: u8,
    used: u64,
    limit: u64,
    billing: &str,
) -> Email {
    render(
        "usage_alert",
        to,
        &json!({"org": org, "percent": percent, "used": used, "limit": limit,
                "exhausted": percent >= 100, "billing": billing}),
    )
}

/// An invoice was issued or paid.
pub(crate) fn invoice(
    to: &str,
    org: &str,
    invoice: &mockbird_core::model::Invoice,
    billing: &str,
) -> Email {
    render(
        "invoice",
        to,
        &json!({
            "id": invoice.id, "org": org,
            "amount": format!("{}.{:02}", invoice.amount_cents / 100, invoice.amount_cents % 100),
            "currency": invoice.currency.to_uppercase(), "status": invoice.status,
            "periodStart": invoice.period_start.format("%Y-%m-%d").to_string(),
            "periodEnd": invoice.period_end.format("%Y-%m-%d").to_string(),
            "billing": billing,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_email_renders_all_parts_and_escapes_html() {
        let emails = [
            welcome("a@x.test", "Ann <b>", "http://h"),
            password_reset("a@x.test", "tok", "http://h/r"),
            invitation("a@x.test", "Bob", "Acme & Co", "admin", "tok", "http://h/i"),
            usage_alert("a@x.test", "Acme", 100, 1000, 1000, "http://h/billing"),
            invoice(
                "a@x.test",
                "Acme",
                &mockbird_core::model::Invoice {
                    id: "in_1".into(),
                    org_id: uuid::Uuid::nil(),
                    amount_cents: 900,
                    currency: "usd".into(),
                    status: "paid".into(),
                    period_start: chrono::Utc::now(),
                    period_end: chrono::Utc::now(),
                    created_at: chrono::Utc::now(),
                },
                "http://h/billing",
            ),
        ];
        for e in &emails {
            assert!(
                !e.subject.is_empty() && !e.text.is_empty() && !e.html.is_empty(),
                "{e:?}"
            );
        }
        assert!(emails[0].html.contains("Ann &lt;b&gt;") && emails[0].text.contains("Ann <b>"));
        assert!(
            emails[2].html.contains("Acme &amp; Co") && emails[2].subject.contains("Acme & Co")
        );
        assert!(emails[3].text.contains("1000 of its 1000") && emails[3].text.contains("429"));
        assert!(emails[4].text.contains("9.00 USD"));
    }
}
