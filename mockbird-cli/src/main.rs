//! `mockbird`: mocks as code. See `mockbird --help`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mockbird_cli::client::{Api, encode};
use mockbird_cli::config::{self, Config};
use mockbird_cli::document::{self, FileFormat};
use mockbird_cli::error::{CliError, CliResult};
use mockbird_cli::serve::{Event, ServeOptions};
use mockbird_cli::verify::{Expected, Filters};
use mockbird_cli::{push, serve, tail, verify};
use mockbird_import::{Format, Report};
use reqwest::Method;
use serde_json::{Value, json};

const EXAMPLES: &str = "\
Examples:
  mockbird login --url https://mockbird.example.com --email me@example.com --password-stdin
  mockbird projects
  mockbird pull shop -f shop.mockbird.yaml
  mockbird push shop.mockbird.yaml --dry-run
  mockbird import openapi.yaml
  mockbird serve openapi.yaml --port 4010
  mockbird tail shop
  mockbird verify shop --method POST --path /orders --count 1 --since 5m

Environment: MOCKBIRD_URL and MOCKBIRD_TOKEN override the saved sign-in;
MOCKBIRD_CONFIG names the config file (default ~/.config/mockbird/config.json).
Exit codes: 0 done, 1 failed (refused by the server, or `verify` did not hold),
2 bad usage or file, 3 not signed in or credential refused, 4 server unreachable.";

/// MockBird's command line: pull and push projects as files, import the
/// formats you have, serve a file locally, follow the live log, verify from CI.
#[derive(Debug, Parser)]
#[command(name = "mockbird", version, after_help = EXAMPLES)]
struct Cli {
    /// `human` (default) or `json` for scripts.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Human)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in and keep an API key in the config file (0600).
    #[command(
        after_help = "Examples:\n  echo \"$PASSWORD\" | mockbird login --url http://127.0.0.1:8080 --email me@example.com --password-stdin\n  mockbird login --token mk_0123…"
    )]
    Login(LoginArgs),
    /// Forget the saved credential.
    Logout,
    /// List the projects you can reach.
    Projects(OrgArg),
    /// Write a project to a file (JSON or YAML, stable order for readable diffs).
    #[command(
        after_help = "Examples:\n  mockbird pull shop                    # shop.mockbird.json\n  mockbird pull shop --file mocks/shop.yaml\n  mockbird pull shop --file -           # to stdout"
    )]
    Pull(PullArgs),
    /// Make the project of a file (by its project.slug) match it: created when absent.
    #[command(
        after_help = "Examples:\n  mockbird push shop.mockbird.yaml --dry-run\n  mockbird push shop.mockbird.yaml"
    )]
    Push(PushArgs),
    /// Import a file of another tool as a new project and show its fidelity report.
    #[command(
        after_help = "Formats: OpenAPI 3.0/3.1, Swagger 2.0, Postman 2.0/2.1, HAR 1.2, Mockoon, WireMock, MockBird.\nExamples:\n  mockbird import openapi.yaml --dry-run\n  mockbird import recording.har --format har"
    )]
    Import(ImportArgs),
    /// Serve a file locally with the engine alone (no server, no sign-in), reloading on change.
    #[command(
        after_help = "Examples:\n  mockbird serve shop.mockbird.yaml\n  mockbird serve openapi.yaml --port 4010 --seed 7"
    )]
    Serve(ServeArgs),
    /// Follow a project's requests as they are served.
    #[command(
        after_help = "Examples:\n  mockbird tail shop\n  mockbird tail shop --output json | jq .requestPath"
    )]
    Tail(TailArgs),
    /// Check how many requests of a kind a project received (for CI); exit 1 when it does not hold.
    #[command(
        after_help = "Examples:\n  mockbird verify shop --method POST --path /orders --count 1 --since 10m\n  mockbird verify shop --path '/orders/{id}' --at-least 2"
    )]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct OrgArg {
    /// The organization (its id); default your personal one, or the key's.
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Args)]
struct LoginArgs {
    /// The server (default the saved one, else http://127.0.0.1:8080).
    #[arg(long)]
    url: Option<String>,
    /// An API key (`mk_…`) or access token to keep, instead of signing in.
    #[arg(long, conflicts_with_all = ["email", "password_stdin"])]
    token: Option<String>,
    /// Your account's email.
    #[arg(long, requires = "password_stdin")]
    email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// The organization the API key is for (its id); default your personal one.
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Args)]
struct PullArgs {
    /// The project's slug.
    slug: String,
    /// Where to write (`-`: standard output); default `<slug>.mockbird.json`.
    #[arg(long, short = 'f')]
    file: Option<PathBuf>,
    /// File format; default from the file's extension (`.yaml`/`.yml`: YAML).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
}

#[derive(Debug, Args)]
struct PushArgs {
    /// A project file (MockBird's own, JSON or YAML; other formats are imported first).
    file: PathBuf,
    /// Show what would change; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where a project that does not exist yet is created (organization id).
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The file: OpenAPI, Swagger, Postman, HAR, Mockoon, WireMock or MockBird.
    file: PathBuf,
    /// Its format, when not detected: openapi, swagger, postman, har, mockoon, wiremock, mockbird.
    #[arg(long)]
    format: Option<String>,
    /// Show the report and the project it would make; create nothing.
    #[arg(long)]
    dry_run: bool,
    /// The organization to create the project in (its id).
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The project file (any format `import` reads).
    file: PathBuf,
    /// Port (0: any free one).
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Draw weighted responses from this seed (the same calls, the same answers).
    #[arg(long)]
    seed: Option<u64>,
    /// The file's format, when not detected.
    #[arg(long)]
    format: Option<String>,
}

#[derive(Debug, Args)]
struct TailArgs {
    /// The project's slug.
    slug: String,
    /// Stop after this many requests.
    #[arg(long)]
    limit: Option<u64>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The project's slug.
    slug: String,
    /// Only this method.
    #[arg(long)]
    method: Option<String>,
    /// Only this path: exact, or a pattern with `{param}` and `{*rest}`.
    #[arg(long)]
    path: Option<String>,
    /// Only requests this mock answered (its id).
    #[arg(long)]
    mock_id: Option<String>,
    /// From: RFC 3339, or a time ago (`30s`, `10m`, `2h`, `1d`).
    #[arg(long)]
    since: Option<String>,
    /// Until: RFC 3339, or a time ago.
    #[arg(long)]
    until: Option<String>,
    /// Expect exactly this many.
    #[arg(long, conflicts_with_all = ["at_least", "at_most"])]
    count: Option<u64>,
    /// Expect at least this many.
    #[arg(long, conflicts_with = "at_most")]
    at_least: Option<u64>,
    /// Expect at most this many.
    #[arg(long)]
    at_most: Option<u64>,
    /// Seconds to keep asking until the count holds (entries land a fraction of a second after serving).
    #[arg(long, default_value_t = 3.0)]
    wait: f64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializes"));
}

fn import_format(raw: Option<&str>) -> CliResult<Option<Format>> {
    raw.map(|f| {
        f.parse::<Format>()
            .map_err(|e| CliError::Usage(e.to_string()))
    })
    .transpose()
}

async fn run(cli: Cli) -> CliResult<()> {
    let file = config::path();
    let saved = Config::effective(&file)?;
    let api = Api::new(&saved);
    let json = cli.output == Output::Json;
    match cli.command {
        Command::Login(args) => login(args, saved, &file, json).await,
        Command::Logout => {
            let mut stored = Config::load(&file)?;
            stored.token = None;
            stored.save(&file)?;
            if json {
                print_json(&json!({"signedOut": true}));
            } else {
                println!("Signed out (the API key stays valid until revoked in the dashboard).");
            }
            Ok(())
        }
        Command::Projects(args) => {
            api.require_login()?;
            let path = match &args.org {
                Some(org) => format!("/api/projects?orgId={}", encode(org)),
                None => "/api/projects".to_owned(),
            };
            let projects = api.get(&path).await?;
            if json {
                print_json(&projects);
                return Ok(());
            }
            let list = projects.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!(
                    "No projects yet: `mockbird import <file>` or `mockbird push <file>` makes one."
                );
            }
            for p in list {
                println!(
                    "{:<24} {:>5} mocks  {:<8} {}  {}",
                    p["slug"].as_str().unwrap_or_default(),
                    p["mockCount"].as_u64().unwrap_or(0),
                    if p["isPublic"] == true {
                        "public"
                    } else {
                        "private"
                    },
                    p["baseUrl"].as_str().unwrap_or_default(),
                    p["name"].as_str().unwrap_or_default(),
                );
            }
            Ok(())
        }
        Command::Pull(args) => {
            api.require_login()?;
            let project = api.project_by_slug(&args.slug).await?;
            let id = project["id"].as_str().unwrap_or_default();
            let doc = api.get(&format!("/api/projects/{id}/export")).await?;
            let doc = serde_json::from_value(doc)
                .map_err(|e| CliError::Failed(format!("the export does not read: {e}")))?;
            let doc = document::canonical(doc);
            let target = args
                .file
                .unwrap_or_else(|| PathBuf::from(format!("{}.mockbird.json", args.slug)));
            let to_stdout = target.as_os_str() == "-";
            let format = args.format.unwrap_or_else(|| FileFormat::of_path(&target));
            let text = document::render(&doc, format);
            if to_stdout {
                std::io::stdout()
                    .write_all(text.as_bytes())
                    .map_err(|e| CliError::Failed(e.to_string()))?;
                return Ok(());
            }
            std::fs::write(&target, text)
                .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", target.display())))?;
            if json {
                print_json(&json!({"slug": args.slug, "file": target, "mocks": doc.mocks.len()}));
            } else {
                println!(
                    "Pulled {} ({} mocks) to {}",
                    args.slug,
                    doc.mocks.len(),
                    target.display()
                );
            }
            Ok(())
        }
        Command::Push(args) => {
            api.require_login()?;
            let imported = document::read(&args.file, None)?;
            if !json && !imported.report.notes.is_empty() {
                eprintln!(
                    "{} is {}: imported first.",
                    args.file.display(),
                    imported.report.format
                );
                print_report(&imported.report, true);
            }
            let mut progress = |i: usize, n: usize, c: &push::Change| {
                if !json {
                    eprintln!("[{i}/{n}] {} {} ({})", c.action, c.target, c.detail);
                }
            };
            let summary = push::push(
                &api,
                &imported.document,
                args.org.as_deref(),
                args.dry_run,
                &mut progress,
            )
            .await?;
            if json {
                print_json(&summary);
                return Ok(());
            }
            let verb = if summary.dry_run { "would" } else { "did" };
            if summary.changes.is_empty() {
                println!("{} is up to date: nothing to change.", summary.slug);
            } else {
                println!(
                    "{}: {} {verb} change:",
                    summary.slug,
                    if summary.dry_run { "push" } else { "pushed;" },
                );
                for c in &summary.changes {
                    let mark = match c.action {
                        "create" => '+',
                        "delete" => '-',
                        _ => '~',
                    };
                    println!("  {mark} {} ({})", c.target, c.detail);
                }
            }
            Ok(())
        }
        Command::Import(args) => {
            api.require_login()?;
            let bytes = std::fs::read(&args.file).map_err(|e| {
                CliError::Usage(format!("cannot read {}: {e}", args.file.display()))
            })?;
            import_format(args.format.as_deref())?;
            let media = match args.file.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => "application/yaml",
                Some("json" | "har") => "application/json",
                _ if bytes
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| matches!(b, b'{' | b'[')) =>
                {
                    "application/json"
                }
                _ => "application/yaml",
            };
            let mut path = format!("/api/projects/import?dryRun={}", args.dry_run);
            if let Some(f) = &args.format {
                path.push_str(&format!("&format={}", encode(f)));
            }
            if let Some(org) = &args.org {
                path.push_str(&format!("&orgId={}", encode(org)));
            }
            if !json {
                eprintln!("Uploading {} ({} bytes)…", args.file.display(), bytes.len());
            }
            let answer = api.upload(&path, media, bytes).await?;
            if json {
                print_json(&answer);
                return Ok(());
            }
            let report: Report = report_of(&answer["report"]);
            if args.dry_run {
                println!(
                    "Dry run: {} would make {}.",
                    report.format,
                    report.summary()
                );
            } else {
                println!(
                    "Imported {} as {} ({}): {}.",
                    report.format,
                    answer["project"]["slug"].as_str().unwrap_or_default(),
                    answer["project"]["baseUrl"].as_str().unwrap_or_default(),
                    report.summary()
                );
            }
            print_report(&report, false);
            Ok(())
        }
        Command::Serve(args) => {
            let opts = ServeOptions {
                file: args.file.clone(),
                format: import_format(args.format.as_deref())?,
                listen: std::net::SocketAddr::new(args.host, args.port),
                seed: args.seed,
            };
            let file = args.file.display().to_string();
            let tell = move |event: Event| match event {
                Event::Ready(addr, imported) => {
                    if json {
                        println!(
                            "{}",
                            json!({"event": "ready", "url": format!("http://{addr}"), "mocks": imported.document.mocks.len(), "report": imported.report})
                        );
                    } else {
                        println!(
                            "Serving {} mocks from {file} at http://{addr} (the file is watched; Ctrl-C stops)",
                            imported.document.mocks.len()
                        );
                        if !imported.report.notes.is_empty() {
                            print_report(&imported.report, false);
                        }
                    }
                    let _ = std::io::stdout().flush();
                }
                Event::Reloaded(imported) => {
                    if json {
                        println!(
                            "{}",
                            json!({"event": "reloaded", "mocks": imported.document.mocks.len()})
                        );
                    } else {
                        println!("Reloaded {file}: {} mocks", imported.document.mocks.len());
                    }
                    let _ = std::io::stdout().flush();
                }
                Event::Rejected(e) => {
                    eprintln!("{file} not reloaded (the previous mocks keep serving): {e}");
                }
            };
            tokio::select! {
                served = serve::serve(opts, tell) => served,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
        Command::Tail(args) => {
            api.require_login()?;
            let project = api.project_by_slug(&args.slug).await?;
            let pid = project["id"].as_str().unwrap_or_default().to_owned();
            let names = tail::mock_names(&api, &pid).await?;
            if !json {
                eprintln!("Following {} (Ctrl-C stops)…", args.slug);
            }
            let mut left = args.limit;
            let mut each = |entry: mockbird_core::model::RequestLog| {
                if json {
                    println!("{}", serde_json::to_string(&entry).expect("serializes"));
                } else {
                    println!("{}", tail::line(&entry, &names));
                }
                let _ = std::io::stdout().flush();
                match left.as_mut() {
                    Some(n) => {
                        *n = n.saturating_sub(1);
                        *n > 0
                    }
                    None => true,
                }
            };
            tokio::select! {
                followed = tail::follow(&api, &pid, &mut each) => followed,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
        Command::Verify(args) => {
            api.require_login()?;
            let project = api.project_by_slug(&args.slug).await?;
            let pid = project["id"].as_str().unwrap_or_default().to_owned();
            let filters = Filters {
                method: args.method,
                path: args.path,
                mock_id: args.mock_id,
                since: args.since.as_deref().map(instant).transpose()?,
                until: args.until.as_deref().map(instant).transpose()?,
            };
            let expected = match (args.count, args.at_least, args.at_most) {
                (Some(n), _, _) => Some(Expected::Exactly(n)),
                (_, Some(n), _) => Some(Expected::AtLeast(n)),
                (_, _, Some(n)) => Some(Expected::AtMost(n)),
                _ => None,
            };
            if !args.wait.is_finite() || args.wait < 0.0 {
                return Err(CliError::Usage(
                    "--wait must be a number of seconds, 0 or more".to_owned(),
                ));
            }
            let outcome = verify::verify(
                &api,
                &pid,
                &filters,
                expected,
                Duration::from_secs_f64(args.wait.min(600.0)),
            )
            .await?;
            let count = outcome.verification["count"].as_u64().unwrap_or(0);
            if json {
                print_json(&outcome);
            } else {
                match outcome.expected {
                    Some(e) if outcome.ok => {
                        println!("ok: {count} requests matched (expected {e})")
                    }
                    Some(e) => println!("FAILED: {count} requests matched, expected {e}"),
                    None => println!("{count} requests matched"),
                }
                if outcome.verification["complete"] == false {
                    println!(
                        "(only the newest {} entries were looked at: narrow --since/--until)",
                        outcome.verification["scanned"]
                    );
                }
                print_unmatched(&outcome.verification["unmatched"]);
            }
            if outcome.ok {
                Ok(())
            } else {
                Err(CliError::Failed(format!(
                    "verification failed: {count} requests matched"
                )))
            }
        }
    }
}

/// An RFC 3339 instant, or `30s`/`10m`/`2h`/`1d` ago.
fn instant(raw: &str) -> CliResult<String> {
    if chrono::DateTime::parse_from_rfc3339(raw).is_ok() {
        return Ok(raw.to_owned());
    }
    let bad = || {
        CliError::Usage(format!(
            "{raw:?} is neither an RFC 3339 date-time nor a time ago like 30s, 10m, 2h, 1d"
        ))
    };
    let (n, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3_600,
        "d" => n * 86_400,
        _ => return Err(bad()),
    };
    let at = chrono::Utc::now() - chrono::Duration::seconds(secs);
    Ok(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

fn report_of(v: &Value) -> Report {
    let mut r = Report::new(v["format"].as_str().unwrap_or_default());
    r.mocks = v["mocks"].as_u64().unwrap_or(0) as usize;
    r.responses = v["responses"].as_u64().unwrap_or(0) as usize;
    for n in v["notes"].as_array().into_iter().flatten() {
        r.note(
            n["at"].as_str().unwrap_or_default(),
            n["construct"].as_str().unwrap_or_default(),
            n["instead"].as_str().unwrap_or_default(),
        );
    }
    r
}

fn print_report(report: &Report, to_stderr: bool) {
    let mut out = String::new();
    if !report.notes.is_empty() {
        out.push_str(&format!(
            "Not carried over as it was ({}):\n",
            report.notes.len()
        ));
    }
    for n in &report.notes {
        out.push_str(&format!("  {}: {} — {}\n", n.at, n.construct, n.instead));
    }
    if to_stderr {
        eprint!("{out}");
    } else {
        print!("{out}");
    }
}

fn print_unmatched(unmatched: &Value) {
    let list = unmatched.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return;
    }
    println!("Unmatched requests (newest first):");
    for u in list {
        let r = &u["request"];
        println!(
            "  {} {} {} → {}",
            r["createdAt"].as_str().unwrap_or_default(),
            r["requestMethod"].as_str().unwrap_or_default(),
            r["requestPath"].as_str().unwrap_or_default(),
            r["responseStatus"],
        );
        let reason = &u["reason"];
        if reason.is_null() {
            println!("      a mock answers it now");
            continue;
        }
        println!(
            "      {}: {}",
            reason["error"].as_str().unwrap_or_default(),
            reason["message"].as_str().unwrap_or_default()
        );
        for resp in reason["details"]["responses"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for c in resp["failed"].as_array().into_iter().flatten() {
                println!(
                    "        response {}: {} {} {} {} (got {})",
                    resp["responseName"].as_str().unwrap_or_default(),
                    c["type"].as_str().unwrap_or_default(),
                    c["field"].as_str().unwrap_or_default(),
                    c["operator"].as_str().unwrap_or_default(),
                    c["expected"].as_str().unwrap_or_default(),
                    c["actual"].as_str().unwrap_or("nothing"),
                );
            }
        }
    }
}

async fn login(
    args: LoginArgs,
    saved: Config,
    file: &std::path::Path,
    json: bool,
) -> CliResult<()> {
    let url = args.url.clone().unwrap_or_else(|| saved.url());
    let mut config = Config::load(file)?;
    config.url = Some(url.trim_end_matches('/').to_owned());
    let (token, who) = match (args.token, args.email) {
        (Some(token), _) => {
            // Checked before it is kept.
            let probe = Api::new(&Config {
                url: config.url.clone(),
                token: Some(token.clone()),
            });
            probe.get("/api/projects").await?;
            (token, "the given credential".to_owned())
        }
        (None, Some(email)) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| CliError::Usage(format!("cannot read the password: {e}")))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let anonymous = Api::new(&Config {
                url: config.url.clone(),
                token: None,
            });
            let session = anonymous
                .call(
                    Method::POST,
                    "/api/auth/login",
                    Some(&json!({"email": email, "password": password})),
                )
                .await
                .map_err(|e| match e {
                    CliError::Api { message, .. } => CliError::Auth(message),
                    other => other,
                })?;
            let access = session["session"]["accessToken"]
                .as_str()
                .ok_or_else(|| {
                    CliError::Failed("the sign-in answer has no access token".to_owned())
                })?
                .to_owned();
            let signed_in = Api::new(&Config {
                url: config.url.clone(),
                token: Some(access),
            });
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this machine".to_owned());
            let mut body = json!({"name": format!("mockbird CLI on {host}")});
            if let Some(org) = &args.org {
                body["orgId"] = json!(org);
            }
            let key = signed_in
                .call(Method::POST, "/api/keys", Some(&body))
                .await?;
            let secret = key["key"]
                .as_str()
                .ok_or_else(|| CliError::Failed("the server issued no key".to_owned()))?;
            (secret.to_owned(), email)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --token <API key>, or --email <email> with --password-stdin".to_owned(),
            ));
        }
    };
    config.token = Some(token);
    config.save(file)?;
    if json {
        print_json(&json!({"url": config.url, "config": file}));
    } else {
        println!(
            "Signed in to {} as {who}; the credential is kept in {} (readable by you alone).",
            config.url(),
            file.display()
        );
    }
    Ok(())
}
