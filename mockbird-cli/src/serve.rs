//! `mockbird serve`: a project file served on this machine by the engine
//! alone — no database, no sign-in — exactly as the hosted server serves it
//! (routing, conditions, selection, templates, delays, the same errors),
//! reloaded when the file changes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use mockbird_core::engine::Engine;
use mockbird_import::{Format, Imported};
use mockbird_tower::{MockService, MockSet};
use tokio::net::TcpListener;

use crate::document;
use crate::error::{CliError, CliResult};

/// How often the file is looked at for changes.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// What to serve, where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The project file: MockBird's own, or any format MockBird imports.
    pub file: PathBuf,
    /// Its format, when not detected.
    pub format: Option<Format>,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Weighted choices drawn from this seed (as the server's `X-Mockbird-Seed` does per request).
    pub seed: Option<u64>,
}

/// What happened while serving, for the command to tell.
#[derive(Debug)]
pub enum Event {
    /// Listening: the address, the mocks, the import's report.
    Ready(SocketAddr, Imported),
    /// The file changed and was loaded.
    Reloaded(Imported),
    /// The file changed and does not load; the previous mocks keep serving.
    Rejected(CliError),
}

fn load(opts: &ServeOptions) -> CliResult<(Engine, Imported)> {
    let imported = document::read(&opts.file, opts.format)?;
    let engine = Engine::from_document(&imported.document, opts.seed)
        .map_err(|e| CliError::Usage(format!("{}: {e}", opts.file.display())))?;
    Ok((engine, imported))
}

/// The file's modification time and length, to notice a change.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Serves until the process is stopped; `tell` hears each [`Event`].
pub async fn serve(
    opts: ServeOptions,
    mut tell: impl FnMut(Event) + Send + 'static,
) -> CliResult<()> {
    let (engine, imported) = load(&opts)?;
    let mocks = MockSet::from_engine(engine);
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", opts.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    tell(Event::Ready(addr, imported));
    let watched = mocks.clone();
    tokio::spawn(async move {
        let mut last = stamp(&opts.file);
        let mut tick = tokio::time::interval(WATCH_INTERVAL);
        loop {
            tick.tick().await;
            let now = stamp(&opts.file);
            if now == last || now.is_none() {
                continue;
            }
            last = now;
            match load(&opts) {
                Ok((engine, imported)) => {
                    watched.replace(engine);
                    tell(Event::Reloaded(imported));
                }
                Err(e) => tell(Event::Rejected(e)),
            }
        }
    });
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let service = TowerToHyperService::new(MockService::standalone(mocks.clone()));
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
