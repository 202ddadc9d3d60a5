//! `mockbird push`: make a server's project match a document — the changes
//! planned by comparing validated definitions (so defaults written or left
//! out make no difference), then applied mock by mock. A second push of the
//! same file changes nothing.

use std::collections::BTreeMap;

use mockbird_core::model::{ExportDocument, HttpMethod, Mock, MockDef, MockResponse, ResponseDef};
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::{Api, encode};
use crate::error::{CliError, CliResult};

/// One change a push makes (or would make).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// What: `GET /users`, or `project`.
    pub target: String,
    /// In a few words.
    pub detail: String,
}

/// What a push did (or, dry, would do).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The project's slug.
    pub slug: String,
    /// Whether the project was created (it did not exist).
    pub created: bool,
    /// Whether nothing was changed on purpose (`--dry-run`).
    pub dry_run: bool,
    /// Every change, in the order applied.
    pub changes: Vec<Change>,
}

type Local = Vec<(MockDef, Vec<ResponseDef>)>;

/// A remote mock: its id, definition, and its responses with their ids.
struct Remote {
    id: String,
    def: MockDef,
    responses: Vec<(String, ResponseDef)>,
}

/// Validates `doc` as the server's import would, every problem at once.
pub fn validate(doc: &ExportDocument) -> CliResult<Local> {
    let mocks = doc.validate().map_err(|e| {
        let each: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
        CliError::Usage(format!(
            "the document does not validate:\n  - {}",
            each.join("\n  - ")
        ))
    })?;
    let conflicts = ExportDocument::route_conflicts(&mocks);
    if !conflicts.is_empty() {
        return Err(CliError::Usage(format!(
            "mocks of the document answer the same requests:\n  - {}",
            conflicts.join("\n  - ")
        )));
    }
    Ok(mocks)
}

/// Pushes `doc` to the project of its `project.slug` (created when absent, in
/// `org` or the default organization); with `dry_run`, only plans.
/// `progress` hears each step as it is applied.
pub async fn push(
    api: &Api,
    doc: &ExportDocument,
    org: Option<&str>,
    dry_run: bool,
    progress: &mut (dyn FnMut(usize, usize, &Change) + Send),
) -> CliResult<Summary> {
    let local = validate(doc)?;
    let slug = doc
        .project
        .slug
        .clone()
        .ok_or_else(|| CliError::Usage("the document has no project.slug: push needs one to find the project (`mockbird pull` writes it)".to_owned()))?;
    let project = match api.project_by_slug(&slug).await {
        Ok(p) => p,
        Err(CliError::Api { status: 404, .. }) => {
            return create(api, doc, &local, org, dry_run, slug).await;
        }
        Err(e) => return Err(e),
    };
    let pid = project["id"].as_str().unwrap_or_default().to_owned();
    let remote = remote_mocks(api, &pid).await?;
    let mut steps = plan(&project, doc, &local, &remote);
    let total = steps.len();
    let changes: Vec<Change> = steps.iter().map(|s| s.change.clone()).collect();
    if !dry_run {
        for (i, step) in steps.iter_mut().enumerate() {
            progress(i + 1, total, &step.change);
            apply(api, &pid, step).await?;
        }
    }
    Ok(Summary {
        slug,
        created: false,
        dry_run,
        changes,
    })
}

async fn create(
    api: &Api,
    doc: &ExportDocument,
    local: &Local,
    org: Option<&str>,
    dry_run: bool,
    slug: String,
) -> CliResult<Summary> {
    let mut path = format!("/api/projects/import?format=mockbird&dryRun={dry_run}");
    if let Some(org) = org {
        path.push_str(&format!("&orgId={}", encode(org)));
    }
    let body = serde_json::to_vec(doc).expect("a document serializes");
    api.upload(&path, "application/json", body).await?;
    let mut changes = vec![Change {
        action: "create",
        target: "project".to_owned(),
        detail: format!("{slug} with {} mocks", local.len()),
    }];
    changes.extend(local.iter().map(|(def, rs)| Change {
        action: "create",
        target: route(def),
        detail: format!("{} responses", rs.len()),
    }));
    Ok(Summary {
        slug,
        created: true,
        dry_run,
        changes,
    })
}

async fn remote_mocks(api: &Api, pid: &str) -> CliResult<Vec<Remote>> {
    let list = api.get(&format!("/api/projects/{pid}/mocks")).await?;
    let mut out = Vec::new();
    for m in list.as_array().into_iter().flatten() {
        let mock: Mock = serde_json::from_value(m.clone())
            .map_err(|e| CliError::Failed(format!("the server's mock does not read: {e}")))?;
        let rs = api
            .get(&format!("/api/mocks/{}/responses", mock.id))
            .await?;
        let responses: Vec<MockResponse> = serde_json::from_value(rs)
            .map_err(|e| CliError::Failed(format!("the server's response does not read: {e}")))?;
        out.push(Remote {
            id: mock.id.to_string(),
            def: mock.to_def(),
            responses: responses
                .iter()
                .map(|r| (r.id.to_string(), r.to_def()))
                .collect(),
        });
    }
    Ok(out)
}

/// A change and the calls that make it.
struct Step {
    change: Change,
    op: Op,
}

enum Op {
    Project(Value),
    DeleteMock(String),
    UpdateMock {
        id: String,
        def: Option<MockDef>,
        responses: Vec<ResponseOp>,
    },
    CreateMock(MockDef, Vec<ResponseDef>),
}

enum ResponseOp {
    Put(String, ResponseDef),
    Post(ResponseDef),
    Delete(String),
}

fn route(def: &MockDef) -> String {
    format!("{} {}", def.method, def.path)
}

/// Deletes first (a path that moved frees its route), then updates, then creates.
fn plan(project: &Value, doc: &ExportDocument, local: &Local, remote: &[Remote]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut patch = serde_json::Map::new();
    let p = &doc.project;
    if let Some(name) = &p.name
        && project["name"] != name.as_str()
    {
        patch.insert("name".into(), json!(name));
    }
    if let Some(d) = &p.description
        && project["description"] != d.as_str()
    {
        patch.insert("description".into(), json!(d));
    }
    if let Some(public) = p.is_public
        && project["isPublic"] != public
    {
        patch.insert("isPublic".into(), json!(public));
    }
    if !patch.is_empty() {
        let fields: Vec<&str> = patch.keys().map(String::as_str).collect();
        steps.push(Step {
            change: Change {
                action: "update",
                target: "project".to_owned(),
                detail: fields.join(", "),
            },
            op: Op::Project(Value::Object(patch)),
        });
    }
    let key = |d: &MockDef| (d.method, d.path.clone());
    let wanted: BTreeMap<(HttpMethod, String), &(MockDef, Vec<ResponseDef>)> =
        local.iter().map(|m| (key(&m.0), m)).collect();
    let existing: BTreeMap<(HttpMethod, String), &Remote> =
        remote.iter().map(|r| (key(&r.def), r)).collect();
    for (k, r) in &existing {
        if !wanted.contains_key(k) {
            steps.push(Step {
                change: Change {
                    action: "delete",
                    target: route(&r.def),
                    detail: format!("{} responses", r.responses.len()),
                },
                op: Op::DeleteMock(r.id.clone()),
            });
        }
    }
    for (k, (def, responses)) in &wanted {
        let Some(r) = existing.get(k) else { continue };
        let mut ops = Vec::new();
        let mut notes = Vec::new();
        let changed_def = (r.def != *def).then(|| def.clone());
        if changed_def.is_some() {
            notes.push("fields".to_owned());
        }
        for i in 0..responses.len().max(r.responses.len()) {
            match (responses.get(i), r.responses.get(i)) {
                (Some(want), Some((id, have))) if want != have => {
                    ops.push(ResponseOp::Put(id.clone(), want.clone()));
                    notes.push(format!("response {:?} changed", want.name));
                }
                (Some(want), None) => {
                    ops.push(ResponseOp::Post(want.clone()));
                    notes.push(format!("response {:?} added", want.name));
                }
                (None, Some((id, have))) => {
                    ops.push(ResponseOp::Delete(id.clone()));
                    notes.push(format!("response {:?} removed", have.name));
                }
                _ => {}
            }
        }
        if changed_def.is_some() || !ops.is_empty() {
            steps.push(Step {
                change: Change {
                    action: "update",
                    target: route(def),
                    detail: notes.join(", "),
                },
                op: Op::UpdateMock {
                    id: r.id.clone(),
                    def: changed_def,
                    responses: ops,
                },
            });
        }
    }
    for (k, (def, responses)) in &wanted {
        if !existing.contains_key(k) {
            steps.push(Step {
                change: Change {
                    action: "create",
                    target: route(def),
                    detail: format!("{} responses", responses.len()),
                },
                op: Op::CreateMock(def.clone(), responses.clone()),
            });
        }
    }
    steps
}

fn body<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("a definition serializes")
}

async fn apply(api: &Api, pid: &str, step: &Step) -> CliResult<()> {
    match &step.op {
        Op::Project(patch) => {
            api.call(Method::PUT, &format!("/api/projects/{pid}"), Some(patch))
                .await?;
        }
        Op::DeleteMock(id) => {
            api.call(Method::DELETE, &format!("/api/mocks/{id}"), None)
                .await?;
        }
        Op::UpdateMock { id, def, responses } => {
            if let Some(def) = def {
                api.call(
                    Method::PUT,
                    &format!("/api/mocks/{id}"),
                    Some(&body(&def.to_spec())),
                )
                .await?;
            }
            for op in responses {
                match op {
                    ResponseOp::Put(rid, r) => {
                        api.call(
                            Method::PUT,
                            &format!("/api/mocks/{id}/responses/{rid}"),
                            Some(&body(&r.to_spec())),
                        )
                        .await?
                    }
                    ResponseOp::Post(r) => {
                        api.call(
                            Method::POST,
                            &format!("/api/mocks/{id}/responses"),
                            Some(&body(&r.to_spec())),
                        )
                        .await?
                    }
                    ResponseOp::Delete(rid) => {
                        api.call(
                            Method::DELETE,
                            &format!("/api/mocks/{id}/responses/{rid}"),
                            None,
                        )
                        .await?
                    }
                };
            }
        }
        Op::CreateMock(def, responses) => {
            let mock = api
                .call(
                    Method::POST,
                    &format!("/api/projects/{pid}/mocks"),
                    Some(&body(&def.to_spec())),
                )
                .await?;
            let id = mock["id"].as_str().unwrap_or_default();
            for r in responses {
                api.call(
                    Method::POST,
                    &format!("/api/mocks/{id}/responses"),
                    Some(&body(&r.to_spec())),
                )
                .await?;
            }
        }
    }
    Ok(())
}
