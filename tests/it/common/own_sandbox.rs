//! The sandbox served as a separate party, as real Trustly would be: one
//! "Trustly" that survives Kassa's restarts, can be switched off, and can be
//! shared by several Kassa instances. Kassa is pointed at it with URLs and
//! keys only (KASSA_SANDBOX=off).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use kassa::{
    money::Money,
    sandbox::{Sandbox, SandboxConfig},
    trustly::{ClientConfig, Signer, TrustlyClient, Verifier},
};
use reqwest::StatusCode;

use super::TestApp;

pub const SB_USER: &str = "merchant";
pub const SB_PASS: &str = "sandbox password";

/// The sandbox served as a separate party, as real Trustly would be: Kassa
/// is pointed at it with URLs and keys only (KASSA_SANDBOX=off).
pub struct OwnSandbox {
    pub sandbox: Arc<Sandbox>,
    pub addr: SocketAddr,
    pub dir: std::path::PathBuf,
    pub merchant: Signer,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl OwnSandbox {
    pub async fn start(initial: Vec<Money>) -> OwnSandbox {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = std::env::temp_dir().join(format!("kassa-own-sandbox-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let merchant = Signer::generate().unwrap();
        std::fs::write(dir.join("merchant.pem"), merchant.private_key_pem()).unwrap();
        let mut config = SandboxConfig::new(
            format!("http://{addr}/sandbox"),
            dir.join("sandbox.pem"),
            SB_USER,
            SB_PASS,
            merchant.verifier(),
        );
        config.retry_intervals = vec![Duration::from_millis(20), Duration::from_millis(100)];
        config.payout_delay = Duration::from_millis(50);
        config.initial_balances = initial;
        let sandbox = Sandbox::start(config).unwrap();
        std::fs::write(dir.join("trustly.pem"), sandbox.public_key_pem()).unwrap();
        let mut me = OwnSandbox {
            sandbox,
            addr,
            dir,
            merchant,
            shutdown: None,
            task: None,
        };
        me.serve(listener);
        me
    }

    pub fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new().nest("/sandbox", self.sandbox.router());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.shutdown = Some(tx);
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap()
        }));
    }

    /// Trustly unreachable: connections are refused.
    pub async fn go_offline(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }

    pub async fn go_online(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    pub fn base(&self) -> String {
        format!("http://{}/sandbox", self.addr)
    }

    /// What Kassa needs to talk to this "Trustly": URLs and keys.
    pub fn kassa_env(&self) -> Vec<(String, String)> {
        let f = |n: &str| self.dir.join(n).to_str().unwrap().to_string();
        vec![
            ("KASSA_SANDBOX".into(), "off".into()),
            (
                "KASSA_TRUSTLY_API_URL".into(),
                format!("{}/api/1", self.base()),
            ),
            (
                "KASSA_TRUSTLY_CHECKOUT_ORIGIN".into(),
                format!("http://{}", self.addr),
            ),
            ("KASSA_TRUSTLY_USERNAME".into(), SB_USER.into()),
            ("KASSA_TRUSTLY_PASSWORD".into(), SB_PASS.into()),
            ("KASSA_TRUSTLY_PRIVATE_KEY_FILE".into(), f("merchant.pem")),
            ("KASSA_TRUSTLY_PUBLIC_KEY_FILE".into(), f("trustly.pem")),
        ]
    }

    /// The merchant's own client, to play a request that reached Trustly.
    pub fn client(&self) -> TrustlyClient {
        TrustlyClient::new(ClientConfig {
            api_url: format!("{}/api/1", self.base()),
            username: SB_USER.into(),
            password: SB_PASS.into(),
            signer: self.merchant.clone(),
            trustly_key: Verifier::from_pem(self.sandbox.public_key_pem().as_bytes()).unwrap(),
            timeout: Duration::from_secs(10),
        })
        .unwrap()
    }

    pub async fn confirm(&self, order_id: &str) {
        let res = TestApp::browserless_client()
            .post(format!("{}/checkout/{order_id}/confirm", self.base()))
            .form(&[("scenario", "success")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
}

impl Drop for OwnSandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
