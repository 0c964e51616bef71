//! `kassa`: serve the wallet (default), or `kassa keys` to print the public
//! keys an operator exchanges with Trustly.

/// The allocator of the server (README, "Page speed").
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use std::{io::IsTerminal, process::ExitCode};

    // The configuration first: it says how to log.
    let config = match kassa::config::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let ansi = std::io::stderr().is_terminal();
    if let Err(e) = kassa::logging::init(
        config.ops.log_format,
        kassa::logging::env_filter(),
        std::io::stderr,
        ansi,
    ) {
        eprintln!("logging: {e}");
        return ExitCode::FAILURE;
    }
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "serve" => serve(config).await,
        "keys" => match kassa::merchant::print_keys(&config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        other => {
            eprintln!("unknown command {other:?}; use `kassa serve` or `kassa keys`");
            ExitCode::from(2)
        }
    }
}

/// Serves until SIGTERM or SIGINT, then stops gracefully and exits 0.
#[cfg(feature = "ssr")]
async fn serve(config: kassa::config::Config) -> std::process::ExitCode {
    let mut running = match kassa::web::start(config, None).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "Kassa could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!("open http://{}", running.addr);
    tokio::select! {
        signal = kassa::web::stop_signal() => {
            tracing::info!(signal, "stop requested");
        }
        _ = running.serving() => {
            tracing::error!("the server ended by itself");
            return std::process::ExitCode::FAILURE;
        }
    }
    running.stop().await;
    std::process::ExitCode::SUCCESS
}

#[cfg(not(feature = "ssr"))]
fn main() {}
