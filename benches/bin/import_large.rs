//! Imports a generated ~5 MB OpenAPI description with 3,300 operations (or
//! `--operations N`) and prints its size, the time taken, the mocks made and
//! the process's peak resident memory before and after (Linux `VmHWM`).
//! `--write FILE` also saves the description, e.g. to post it to a server.

use std::time::Instant;

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Operations in the generated description.
    #[arg(long, default_value_t = 3_300)]
    operations: usize,
    /// Save the description here too.
    #[arg(long)]
    write: Option<std::path::PathBuf>,
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args = Args::parse();
    let spec = mockbird_benches::large_openapi(args.operations);
    if let Some(path) = &args.write {
        std::fs::write(path, &spec).expect("writes the description");
    }
    // Forget the generator's peak (Linux: `5` resets VmHWM to the current RSS).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_rss_kib();
    let limits = mockbird_import::Limits {
        max_mocks: 10_000,
        ..mockbird_import::Limits::default()
    };
    let start = Instant::now();
    let imported = mockbird_import::import(spec.as_bytes(), None, &limits).expect("imports");
    let took = start.elapsed();
    let responses: usize = imported
        .document
        .mocks
        .iter()
        .map(|m| m.responses.len())
        .sum();
    println!(
        "{:.2} MB, {} operations: {} mocks, {} responses, {} report items in {:.0} ms; \
         resident {:.1} MiB before, peak {:.1} MiB during",
        spec.len() as f64 / 1e6,
        args.operations,
        imported.document.mocks.len(),
        responses,
        imported.report.notes.len(),
        took.as_secs_f64() * 1e3,
        before as f64 / 1024.0,
        peak_rss_kib() as f64 / 1024.0,
    );
}
