//! Response selection: which of a mock's responses answers a request.
//!
//! 1. Candidates are the responses whose conditions all pass.
//! 2. If any candidate has conditions, only the most specific (most conditions) stay.
//! 3. Several left: weighted random by `weight` (all zero: the first created).
//! 4. None: the `isDefault` response, else a [`NoMatch`] naming the failed conditions.
//!
//! `X-Mockbird-Response: <name or id>` forces a response whatever its conditions.

use rand::{Rng, RngExt};
use serde::Serialize;
use uuid::Uuid;

use crate::condition::{CompiledCondition, FailedCondition};
use crate::request::RequestView;

/// What selection needs to know about a response.
pub trait Candidate {
    /// Identifier.
    fn id(&self) -> Uuid;
    /// Name.
    fn name(&self) -> &str;
    /// Conditions.
    fn conditions(&self) -> &[CompiledCondition];
    /// Weight 0–100.
    fn weight(&self) -> u8;
    /// Whether it is the default.
    fn is_default(&self) -> bool;
}

/// Why no response was selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum NoMatch {
    /// The mock has no response at all.
    NoResponses,
    /// `X-Mockbird-Response` named no response of the mock.
    UnknownForcedResponse {
        /// The header's value.
        requested: String,
    },
    /// Every response had a failing condition, and none is default.
    ConditionsFailed {
        /// For each response, the conditions that failed.
        responses: Vec<ResponseFailure>,
    },
}

impl NoMatch {
    /// A one-line explanation for the error message.
    pub fn message(&self) -> String {
        match self {
            NoMatch::NoResponses => "The mock has no responses".to_owned(),
            NoMatch::UnknownForcedResponse { requested } => {
                format!("X-Mockbird-Response names no response of this mock: {requested:?}")
            }
            NoMatch::ConditionsFailed { responses } => {
                format!(
                    "No response matched the request ({} responses had failing conditions)",
                    responses.len()
                )
            }
        }
    }
}

/// The conditions one response failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseFailure {
    /// The response.
    pub response_id: Uuid,
    /// Its name.
    pub response_name: String,
    /// Each condition that did not hold.
    pub failed: Vec<FailedCondition>,
}

/// Selects a response from `responses` (in creation order) as described in the module docs.
pub fn select<'r, C: Candidate>(
    responses: &'r [C],
    req: &RequestView<'_>,
    forced: Option<&str>,
    rng: &mut impl Rng,
) -> Result<&'r C, NoMatch> {
    if let Some(want) = forced {
        let want = want.trim();
        return responses
            .iter()
            .find(|r| r.name() == want)
            .or_else(|| {
                responses
                    .iter()
                    .find(|r| r.id().to_string().eq_ignore_ascii_case(want))
            })
            .ok_or_else(|| NoMatch::UnknownForcedResponse {
                requested: want.to_owned(),
            });
    }
    if let [only] = responses
        && only.conditions().is_empty()
    {
        return Ok(only);
    }
    let passes = |r: &C| r.conditions().iter().all(|c| c.evaluate(req).is_ok());
    let mut best: Vec<&C> = Vec::new();
    let mut best_specificity = 0;
    for r in responses.iter().filter(|r| passes(r)) {
        let n = r.conditions().len();
        if best.is_empty() || n > best_specificity {
            best.clear();
            best_specificity = n;
        }
        if n == best_specificity {
            best.push(r);
        }
    }
    match best.len() {
        0 => responses
            .iter()
            .find(|r| r.is_default())
            .ok_or_else(|| report(responses, req)),
        1 => Ok(best[0]),
        _ => Ok(weighted(&best, rng)),
    }
}

fn weighted<'r, C: Candidate>(candidates: &[&'r C], rng: &mut impl Rng) -> &'r C {
    let total: u32 = candidates.iter().map(|c| u32::from(c.weight())).sum();
    if total == 0 {
        return candidates[0];
    }
    let mut pick = rng.random_range(0..total);
    for c in candidates {
        let w = u32::from(c.weight());
        if pick < w {
            return c;
        }
        pick -= w;
    }
    candidates[candidates.len() - 1]
}

fn report<C: Candidate>(responses: &[C], req: &RequestView<'_>) -> NoMatch {
    if responses.is_empty() {
        return NoMatch::NoResponses;
    }
    NoMatch::ConditionsFailed {
        responses: responses
            .iter()
            .map(|r| ResponseFailure {
                response_id: r.id(),
                response_name: r.name().to_owned(),
                failed: r
                    .conditions()
                    .iter()
                    .filter_map(|c| c.evaluate(req).err())
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConditionSpec;
    use crate::request::MockRequest;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use serde_json::json;

    struct R {
        id: Uuid,
        name: &'static str,
        conditions: Vec<CompiledCondition>,
        weight: u8,
        default: bool,
    }

    impl Candidate for R {
        fn id(&self) -> Uuid {
            self.id
        }
        fn name(&self) -> &str {
            self.name
        }
        fn conditions(&self) -> &[CompiledCondition] {
            &self.conditions
        }
        fn weight(&self) -> u8 {
            self.weight
        }
        fn is_default(&self) -> bool {
            self.default
        }
    }

    fn header_is(name: &str, value: &str) -> CompiledCondition {
        let spec: ConditionSpec = serde_json::from_value(
            json!({"type": "header", "field": name, "operator": "equals", "value": value}),
        )
        .unwrap();
        CompiledCondition::compile(&spec.validate().unwrap()).unwrap()
    }

    fn r(name: &'static str, conditions: Vec<CompiledCondition>, weight: u8, default: bool) -> R {
        R {
            id: Uuid::new_v4(),
            name,
            conditions,
            weight,
            default,
        }
    }

    fn pick<'a>(rs: &'a [R], req: &MockRequest, forced: Option<&str>) -> Result<&'a str, NoMatch> {
        let view = RequestView::new(req, &[]);
        select(rs, &view, forced, &mut SmallRng::seed_from_u64(7)).map(|r| r.name)
    }

    fn req() -> MockRequest {
        MockRequest::new(http::Method::GET, "/")
            .with_header("a", "1")
            .with_header("b", "2")
    }

    #[test]
    fn most_specific_candidate_wins() {
        let rs = [
            r("plain", vec![], 100, false),
            r("one", vec![header_is("a", "1")], 100, false),
            r(
                "two",
                vec![header_is("a", "1"), header_is("b", "2")],
                100,
                false,
            ),
            r(
                "two-failing",
                vec![header_is("a", "1"), header_is("b", "3")],
                100,
                false,
            ),
        ];
        assert_eq!(pick(&rs, &req(), None), Ok("two"));
        assert_eq!(
            pick(
                &rs,
                &MockRequest::new(http::Method::GET, "/").with_header("a", "1"),
                None
            ),
            Ok("one")
        );
        assert_eq!(
            pick(&rs, &MockRequest::new(http::Method::GET, "/"), None),
            Ok("plain")
        );
    }

    #[test]
    fn default_answers_when_nothing_qualifies_even_with_its_own_conditions_failing() {
        let rs = [
            r("x", vec![header_is("a", "9")], 100, false),
            r("fallback", vec![header_is("b", "9")], 100, true),
        ];
        assert_eq!(pick(&rs, &req(), None), Ok("fallback"));
    }

    #[test]
    fn no_match_lists_failed_conditions_per_response() {
        let rs = [
            r(
                "x",
                vec![header_is("a", "9"), header_is("b", "2")],
                100,
                false,
            ),
            r("y", vec![header_is("c", "1")], 100, false),
        ];
        let Err(NoMatch::ConditionsFailed { responses }) = pick(&rs, &req(), None) else {
            panic!()
        };
        assert_eq!(responses.len(), 2);
        assert_eq!(
            responses[0].failed.len(),
            1,
            "only the failing condition is listed"
        );
        assert_eq!(responses[0].failed[0].field, "a");
        assert_eq!(responses[0].failed[0].actual.as_deref(), Some("1"));
        assert_eq!(responses[1].failed[0].actual, None);
        assert_eq!(pick(&[], &req(), None), Err(NoMatch::NoResponses));
    }

    #[test]
    fn forcing_by_name_or_id_ignores_conditions() {
        let rs = [
            r("ok", vec![], 100, false),
            r("boom", vec![header_is("a", "nope")], 100, false),
        ];
        assert_eq!(pick(&rs, &req(), Some("boom")), Ok("boom"));
        let id = rs[1].id.to_string().to_uppercase();
        assert_eq!(pick(&rs, &req(), Some(&id)), Ok("boom"));
        assert_eq!(
            pick(&rs, &req(), Some("nope")),
            Err(NoMatch::UnknownForcedResponse {
                requested: "nope".into()
            })
        );
    }

    #[test]
    fn weights_distribute_draws_with_a_fixed_seed() {
        let rs = [
            r("a", vec![], 75, false),
            r("b", vec![], 25, false),
            r("never", vec![], 0, false),
        ];
        let request = req();
        let view = RequestView::new(&request, &[]);
        let mut rng = SmallRng::seed_from_u64(42);
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            let chosen = select(&rs, &view, None, &mut rng).unwrap();
            counts[rs.iter().position(|x| std::ptr::eq(x, chosen)).unwrap()] += 1;
        }
        assert!((7_250..=7_750).contains(&counts[0]), "{counts:?}");
        assert!((2_250..=2_750).contains(&counts[1]), "{counts:?}");
        assert_eq!(counts[2], 0);
        let again: Vec<_> = (0..20)
            .map(|_| {
                select(&rs, &view, None, &mut SmallRng::seed_from_u64(5))
                    .unwrap()
                    .name
            })
            .collect();
        assert!(
            again.windows(2).all(|w| w[0] == w[1]),
            "same seed, same draw"
        );
    }

    #[test]
    fn all_zero_weights_pick_the_first_created() {
        let rs = [r("first", vec![], 0, false), r("second", vec![], 0, false)];
        for _ in 0..10 {
            assert_eq!(pick(&rs, &req(), None), Ok("first"));
        }
    }
}
