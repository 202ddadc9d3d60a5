//! `mockbird-server`: see `--help`.

use clap::Parser;
use mockbird_server::{Config, LogFormat, start};
use tracing_subscriber::EnvFilter;

/// mimalloc 2 (feature `mimalloc`, on by default): the server allocates and
/// frees many small objects per request and the log writer frees whole
/// batches at once; glibc's malloc spent ~10 % of a core on that under load
/// (`malloc_consolidate`), and mimalloc 3 ~4 % retiring and refilling pages.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let filter = EnvFilter::try_from_env("MOCKBIRD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
    }
    match start(config).await {
        Ok(server) => {
            server.run_until_signal().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("mockbird-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
