//! Kassa's side of Trustly, wired up at start-up: the merchant key, Trustly's
//! public key, the API client and (when on) the embedded sandbox.

use std::{path::Path, sync::Arc, time::Duration};

use crate::{
    config::Config,
    sandbox::{Sandbox, SandboxConfig},
    trustly::{ClientConfig, Signer, TrustlyClient, Verifier},
};

#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error("key file {0}: {1}")]
    KeyFile(String, String),
    #[error("sandbox: {0}")]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error("Trustly client: {0}")]
    Client(String),
}

/// Everything Kassa needs to talk to Trustly and to check what it sends.
#[derive(Clone)]
pub struct Merchant {
    pub client: TrustlyClient,
    /// Signs our replies to notifications.
    pub signer: Signer,
    /// Verifies notifications (Trustly's public key for this environment).
    pub trustly_key: Verifier,
    pub sandbox: Option<Arc<Sandbox>>,
}

/// Reads the merchant key; with the sandbox, a missing key is generated so
/// a fresh clone runs with no set-up. A real Trustly environment needs the
/// operator's key (never generated silently).
pub fn merchant_signer(config: &Config) -> Result<Signer, MerchantError> {
    let path = &config.trustly.private_key_file;
    if config.trustly.sandbox {
        Signer::load_or_generate(path)
            .map_err(|e| MerchantError::KeyFile(path.display().to_string(), e.to_string()))
    } else {
        read_key(path, Signer::from_pem)
    }
}

fn read_key<T, E: std::fmt::Display>(
    path: &Path,
    parse: impl Fn(&[u8]) -> Result<T, E>,
) -> Result<T, MerchantError> {
    let bytes = std::fs::read(path)
        .map_err(|e| MerchantError::KeyFile(path.display().to_string(), e.to_string()))?;
    parse(&bytes).map_err(|e| MerchantError::KeyFile(path.display().to_string(), e.to_string()))
}

pub fn sandbox_key_file(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("sandbox_private.pem")
}

/// Starts the sandbox when configured and builds the client. Must run
/// inside the tokio runtime (the sandbox spawns its delivery task).
pub fn start(config: &Config) -> Result<Merchant, MerchantError> {
    let signer = merchant_signer(config)?;
    let t = &config.trustly;
    let sandbox = if t.sandbox {
        let mut sc = SandboxConfig::new(
            format!("{}/sandbox", config.public_url),
            sandbox_key_file(config),
            t.username.clone(),
            t.password.clone(),
            signer.verifier(),
        );
        sc.retry_intervals = t
            .sandbox_retry_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect();
        sc.payout_delay = Duration::from_millis(t.sandbox_payout_delay_ms);
        Some(Sandbox::start(sc)?)
    } else {
        None
    };
    let trustly_key = match (&t.public_key_file, &sandbox) {
        (Some(path), _) => read_key(path, Verifier::from_pem)?,
        (None, Some(sb)) => Verifier::from_pem(sb.public_key_pem().as_bytes())
            .map_err(|e| MerchantError::KeyFile("sandbox".into(), e.to_string()))?,
        (None, None) => {
            return Err(MerchantError::KeyFile(
                "KASSA_TRUSTLY_PUBLIC_KEY_FILE".into(),
                "required without the sandbox".into(),
            ))
        }
    };
    let client = TrustlyClient::new(ClientConfig {
        api_url: t.api_url.clone(),
        username: t.username.clone(),
        password: t.password.clone(),
        signer: signer.clone(),
        trustly_key: trustly_key.clone(),
        timeout: Duration::from_secs(30),
    })
    .map_err(|e| MerchantError::Client(e.to_string()))?;
    Ok(Merchant {
        client,
        signer,
        trustly_key,
        sandbox,
    })
}

/// `kassa keys`: the public keys an operator exchanges with Trustly (the
/// merchant's goes to Trustly; the sandbox's is what Kassa trusts locally).
pub fn print_keys(config: &Config) -> Result<(), MerchantError> {
    let merchant = merchant_signer(config)?;
    println!("# Merchant public key (give this to Trustly)");
    print!("{}", merchant.public_key_pem());
    if config.trustly.sandbox {
        let sandbox = Signer::load_or_generate(&sandbox_key_file(config))
            .map_err(|e| MerchantError::KeyFile("sandbox".into(), e.to_string()))?;
        println!("# Trustly sandbox public key (what Kassa verifies notifications with)");
        print!("{}", sandbox.public_key_pem());
    } else if let Some(path) = &config.trustly.public_key_file {
        let key = read_key(path, Verifier::from_pem)?;
        println!("# Trustly public key in use ({})", path.display());
        print!("{}", key.public_key_pem());
    }
    Ok(())
}
