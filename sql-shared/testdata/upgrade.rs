//! Shared by both stores' upgrade tests: request logs stored one row per
//! entry (the schema before `20261201000000_log_chunks`) read back whole
//! once the store has migrated them into chunks.

use chrono::{DateTime, Utc};
use mockbird_core::model::{LogQuery, LogScope, RequestLog};
use mockbird_core::store::DatabaseService;
use uuid::Uuid;

/// The last migration before request logs were chunked.
pub(crate) const BEFORE: i64 = 20261123000000;

/// An organization, project, mock and response, and three logs in the old table.
pub(crate) const OLD_LOGS: &str = include_str!("old_request_logs.sql");

fn uuid(n: u128, v7: bool) -> Uuid {
    let version = if v7 { 0x7000 } else { 0x4000 };
    Uuid::from_u128((version << 64) | (0x8000 << 48) | n)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Asserts every field of the three logs of [`OLD_LOGS`], through the store.
pub(crate) async fn check(store: &dyn DatabaseService) {
    let (project, mock, response) = (uuid(2, false), uuid(3, false), uuid(4, false));
    let page = store
        .logs(LogScope::Project(project), LogQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let hit = RequestLog {
        id: uuid(0x11, true),
        mock_id: Some(mock),
        project_id: project,
        request_method: "GET".into(),
        request_path: "/users".into(),
        request_headers: [
            ("accept".to_owned(), "*/*".to_owned()),
            ("authorization".to_owned(), "[redacted]".to_owned()),
        ]
        .into(),
        request_query: [("page".to_owned(), "2".to_owned())].into(),
        request_body: None,
        request_body_truncated: false,
        response_id: Some(response),
        response_status: 200,
        response_time_ms: 3,
        ip_address: Some("10.0.0.7".into()),
        user_agent: Some("curl/8".into()),
        created_at: at("2026-11-20T10:00:00.000001Z"),
    };
    let failed = RequestLog {
        id: uuid(0x12, true),
        request_headers: Default::default(),
        request_query: Default::default(),
        request_body: Some(r#"a "quoted" body"#.into()),
        request_body_truncated: true,
        response_id: None,
        response_status: 500,
        response_time_ms: 12,
        ip_address: Some("::1".into()),
        user_agent: None,
        created_at: at("2026-11-20T10:00:30.5Z"),
        ..hit.clone()
    };
    let unmatched = RequestLog {
        id: uuid(0x13, true),
        mock_id: None,
        request_method: "POST".into(),
        request_path: "/nope".into(),
        response_status: 404,
        response_time_ms: 0,
        ip_address: None,
        created_at: at("2026-11-21T08:00:00Z"),
        ..failed.clone()
    };
    let unmatched = RequestLog {
        request_body: None,
        request_body_truncated: false,
        ..unmatched
    };
    assert_eq!(page.items, [unmatched, failed, hit]);
    let stats = store
        .log_stats(LogScope::Mock(mock), at("2026-11-20T00:00:00Z"), 86_400)
        .await
        .unwrap();
    assert_eq!((stats.total(), stats.p95_ms), (2, 12));
}
