//! The server's HTTP API, as the commands call it.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

use crate::config::Config;
use crate::error::{CliError, CliResult};

/// A client of one server with one credential: an API key (`mk_…`, sent as
/// `X-API-Key`) or an access token (sent as `Authorization: Bearer`).
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// A client of the configured server.
    pub fn new(config: &Config) -> Api {
        Api {
            http: reqwest::Client::builder()
                .user_agent(concat!("mockbird-cli/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("an HTTP client builds"),
            base: config.url(),
            token: config.token.clone(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Fails unless a credential is configured.
    pub fn require_login(&self) -> CliResult<()> {
        match self.token {
            Some(_) => Ok(()),
            None => Err(CliError::Auth(
                "not signed in: run `mockbird login`, or set MOCKBIRD_TOKEN".to_owned(),
            )),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match self.token.as_deref() {
            Some(key) if key.starts_with("mk_") => req.header("x-api-key", key),
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Sends `req`; a failure status becomes the [`CliError`] it means.
    async fn send(&self, req: RequestBuilder) -> CliResult<Response> {
        let res = req.send().await.map_err(|e| CliError::Network {
            url: self.base.clone(),
            reason: e.without_url().to_string(),
        })?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let mut message = body["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the server answered {status}"));
        if let Some(errors) = body["errors"].as_array() {
            for e in errors {
                message.push_str("\n  - ");
                message.push_str(
                    e.as_str()
                        .map_or_else(|| e.to_string(), str::to_owned)
                        .as_str(),
                );
            }
        }
        if status == 401 || status == 403 {
            return Err(CliError::Auth(format!(
                "{message} (sign in again with `mockbird login`)"
            )));
        }
        Err(CliError::Api {
            status,
            code: body["error"].as_str().unwrap_or_default().to_owned(),
            message,
        })
    }

    /// Calls `method path` with an optional JSON body; the JSON answer (`null` when empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> CliResult<Value> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = self.send(req).await?;
        let bytes = res.bytes().await.map_err(|e| CliError::Network {
            url: self.base.clone(),
            reason: e.to_string(),
        })?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CliError::Failed(format!("the server's answer is not JSON: {e}")))
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> CliResult<Value> {
        self.call(Method::GET, path, None).await
    }

    /// Posts a file as it is, with its media type.
    pub async fn upload(&self, path: &str, media_type: &str, bytes: Vec<u8>) -> CliResult<Value> {
        let req = self
            .request(Method::POST, path)
            .header("content-type", media_type)
            .body(bytes);
        let res = self.send(req).await?;
        res.json().await.map_err(|e| CliError::Network {
            url: self.base.clone(),
            reason: e.to_string(),
        })
    }

    /// Opens `GET path` and returns the response to read as it comes.
    pub async fn open(&self, path: &str) -> CliResult<Response> {
        self.send(self.request(Method::GET, path)).await
    }

    /// The project with this slug, among every organization the credential reaches.
    pub async fn project_by_slug(&self, slug: &str) -> CliResult<Value> {
        if let Some(p) = find_slug(self.get("/api/projects").await?, slug) {
            return Ok(p);
        }
        // An access token reaches every organization of its user.
        if let Ok(orgs) = self.get("/api/orgs").await {
            for org in orgs.as_array().into_iter().flatten() {
                let Some(id) = org["id"].as_str() else {
                    continue;
                };
                if let Some(p) =
                    find_slug(self.get(&format!("/api/projects?orgId={id}")).await?, slug)
                {
                    return Ok(p);
                }
            }
        }
        Err(CliError::Api {
            status: 404,
            code: "PROJECT_NOT_FOUND".to_owned(),
            message: format!(
                "no project {slug:?} that this credential can reach (see `mockbird projects`)"
            ),
        })
    }
}

fn find_slug(projects: Value, slug: &str) -> Option<Value> {
    projects
        .as_array()?
        .iter()
        .find(|p| p["slug"] == slug)
        .cloned()
}

/// `s` percent-encoded for a query value.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
