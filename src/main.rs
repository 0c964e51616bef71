//! `kassa`: serve the wallet (default), or `kassa keys` to print the public
//! keys an operator exchanges with Trustly.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use std::process::ExitCode;
    use tracing_subscriber::EnvFilter;

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn")),
        )
        .init();

    let config = match kassa::config::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "serve" => match kassa::web::start(config, None).await {
            Ok(running) => {
                let addr = running.addr;
                tracing::info!("open http://{addr}");
                tokio::select! {
                    _ = running.wait() => {}
                    _ = tokio::signal::ctrl_c() => { tracing::info!("stopping"); }
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(error = %e, "Kassa could not start");
                ExitCode::FAILURE
            }
        },
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

#[cfg(not(feature = "ssr"))]
fn main() {}
