//! Fixtures shared by MockBird's benchmarks; see `benches/README.md` for how to run them.

use std::time::Duration;

use criterion::Criterion;
use mockbird_core::engine::MockSource;
use mockbird_core::model::{MockDef, ResponseDef};

/// Criterion settings that keep a full run to a few minutes on two cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
        .configure_from_args()
}

/// `n` mocks shaped like a real API: for each resource a list route
/// `/api/v1/resource{i}` and an item route `/api/v1/resource{i}/{id}`
/// (so `n` mocks cover `n / 2` resources), each with one static JSON response.
pub fn api_mocks(n: usize) -> Vec<MockSource> {
    (0..n)
        .map(|i| {
            let resource = i / 2;
            let path = if i % 2 == 0 {
                format!("/api/v1/resource{resource}")
            } else {
                format!("/api/v1/resource{resource}/{{id}}")
            };
            let def = MockDef::new(&format!("mock {i}"), "GET", &path).expect("valid mock");
            MockSource::new(
                def,
                vec![ResponseDef::new(200, r#"{"ok":true}"#).expect("valid response")],
            )
        })
        .collect()
}

/// The item path of the resource in the middle of [`api_mocks`]`(n)`.
pub fn middle_item_path(n: usize) -> String {
    format!("/api/v1/resource{}/42", n / 4)
}
