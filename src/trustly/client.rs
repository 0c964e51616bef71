//! Merchant side: an async HTTP client for Trustly's API.
//!
//! Each call: put Username/Password into Data (credentials are inside the
//! signed part), sign with the merchant key under a fresh uuid, POST as
//! JSON, then parse the response and verify it with Trustly's public key and
//! the request's uuid (`envelope::parse_response`). Nothing from a response
//! is used before that check.
//!
//! Logging (tracing): method, uuid, elapsed time and Trustly error code and
//! name. Never credentials, keys, request data or account numbers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::envelope::{build_request, parse_response, ResponseError};
use super::errors::TrustlyError;
use super::methods::*;
use super::signature::{Signer, Verifier};

/// Names the merchant side may prefer: the request types are the Data
/// structs with Username/Password left empty (the client fills them in).
pub type DepositRequest = DepositData;
pub type SelectAccountRequest = SelectAccountData;
pub type RegisterAccountRequest = RegisterAccountData;
pub type AccountPayoutRequest = AccountPayoutData;
pub type RefundRequest = RefundData;

/// Everything the client needs. `Debug` hides the password and the keys.
#[derive(Clone)]
pub struct ClientConfig {
    /// e.g. `https://test.trustly.com/api/1`, or the sandbox's URL.
    pub api_url: String,
    pub username: String,
    pub password: String,
    /// The merchant's private key.
    pub signer: Signer,
    /// Trustly's public key for this environment.
    pub trustly_key: Verifier,
    /// Whole-request timeout (connect + send + response body).
    pub timeout: Duration,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_url", &self.api_url)
            .field("username", &self.username)
            .field("password", &"***")
            .field("signer", &self.signer)
            .field("trustly_key", &self.trustly_key)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why a call did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// Trustly answered with a (verified) error: branch on `.code`.
    #[error("{0}")]
    Trustly(TrustlyError),
    /// No answer in time. The outcome is unknown: for AccountPayout the
    /// order may or may not exist, so do not treat it as a failure; wait for
    /// notifications or check with GetWithdrawals.
    #[error("Trustly did not answer in time")]
    Timeout,
    /// Connection, TLS or I/O failure before a response was read.
    #[error("could not reach Trustly: {0}")]
    Transport(String),
    /// A response came but cannot be trusted or used: not JSON, HTTP error
    /// without a JSON-RPC body, uuid mismatch, bad signature, unexpected
    /// result shape.
    #[error("invalid response from Trustly: {0}")]
    InvalidResponse(String),
    /// We could not build the request (a bug on our side, e.g. Data that is
    /// not a JSON object). Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl ClientError {
    /// Trustly's error code, if Trustly answered with an error.
    pub fn code(&self) -> Option<i64> {
        match self {
            ClientError::Trustly(e) => Some(e.code),
            _ => None,
        }
    }

    /// What to show a trader.
    pub fn plain_words(&self) -> &'static str {
        match self {
            ClientError::Trustly(e) => e.plain_words(),
            ClientError::Timeout | ClientError::Transport(_) => {
                "The payment provider could not be reached. Please try again in a moment"
            }
            ClientError::InvalidResponse(_) | ClientError::InvalidRequest(_) => {
                "The payment could not be started because of a problem on our side. Please try again later."
            }
        }
    }
}

/// Cheap to clone (shares the connection pool and config).
#[derive(Clone)]
pub struct TrustlyClient {
    config: Arc<ClientConfig>,
    http: reqwest::Client,
}

impl fmt::Debug for TrustlyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustlyClient")
            .field("config", &self.config)
            .finish()
    }
}

impl TrustlyClient {
    /// A client with its own connection pool and the config's timeout.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Self::with_http_client(config, http))
    }

    /// Use a caller-built reqwest client (e.g. custom roots in tests). Its
    /// timeout settings apply; `config.timeout` is then informational.
    pub fn with_http_client(config: ClientConfig, http: reqwest::Client) -> Self {
        TrustlyClient {
            config: Arc::new(config),
            http,
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Generic call: `data` is the method's Data object *without*
    /// credentials; Username and Password are inserted here. Returns the
    /// verified `result.data` (object or array).
    pub async fn call(&self, method: &str, data: Value) -> Result<Value, ClientError> {
        let Value::Object(mut data) = data else {
            return Err(ClientError::InvalidRequest(format!(
                "{method} Data must be a JSON object"
            )));
        };
        data.insert(
            "Username".into(),
            Value::String(self.config.username.clone()),
        );
        data.insert(
            "Password".into(),
            Value::String(self.config.password.clone()),
        );
        let (uuid, body) = build_request(method, Value::Object(data), &self.config.signer);
        let body =
            serde_json::to_vec(&body).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;

        let started = Instant::now();
        let outcome = self.post(method, &uuid, body).await;
        record_metrics(method, &outcome, started.elapsed());
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &outcome {
            Ok(_) => tracing::info!(method, uuid = %uuid, elapsed_ms, "trustly call ok"),
            Err(ClientError::Trustly(e)) => tracing::warn!(
                method, uuid = %uuid, elapsed_ms, code = e.code, name = %e.name, "trustly call returned an error"
            ),
            Err(e) => {
                tracing::error!(method, uuid = %uuid, elapsed_ms, error = %e, "trustly call failed")
            }
        }
        outcome
    }

    async fn post(&self, method: &str, uuid: &str, body: Vec<u8>) -> Result<Value, ClientError> {
        let response = self
            .http
            .post(&self.config.api_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        // Trustly answers errors with HTTP 200 and a JSON-RPC error; should a
        // signed JSON-RPC body come with another status, it is still the
        // answer. Otherwise the status is all we know.
        match parse_response(&bytes, method, uuid, &self.config.trustly_key) {
            Ok(data) if status.is_success() => Ok(data),
            Ok(_) => Err(ClientError::InvalidResponse(format!(
                "HTTP {status} with a result body"
            ))),
            Err(ResponseError::Trustly(e)) => Err(ClientError::Trustly(e)),
            Err(e @ ResponseError::Malformed(_)) if !status.is_success() => {
                Err(ClientError::InvalidResponse(format!("HTTP {status} ({e})")))
            }
            Err(e) => Err(ClientError::InvalidResponse(e.to_string())),
        }
    }

    /// Typed call for any [`ApiRequest`] Data struct.
    pub async fn request<R: ApiRequest>(&self, data: &R) -> Result<R::Response, ClientError> {
        let value =
            serde_json::to_value(data).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
        let result = self.call(R::METHOD, value).await?;
        typed(R::METHOD, result)
    }

    pub async fn deposit(&self, data: &DepositRequest) -> Result<DepositResult, ClientError> {
        self.request(data).await
    }

    pub async fn select_account(
        &self,
        data: &SelectAccountRequest,
    ) -> Result<SelectAccountResult, ClientError> {
        self.request(data).await
    }

    pub async fn register_account(
        &self,
        data: &RegisterAccountRequest,
    ) -> Result<RegisterAccountResult, ClientError> {
        self.request(data).await
    }

    /// Reduce the trader's balance *before* calling this.
    pub async fn account_payout(
        &self,
        data: &AccountPayoutRequest,
    ) -> Result<AccountPayoutResult, ClientError> {
        self.request(data).await
    }

    /// At most once per 15 minutes per payout.
    pub async fn get_withdrawals(
        &self,
        order_id: &str,
    ) -> Result<Vec<WithdrawalInfo>, ClientError> {
        self.request(&GetWithdrawalsData {
            order_id: order_id.to_string(),
            ..Default::default()
        })
        .await
    }

    /// At most once per 15 minutes.
    pub async fn balance(&self) -> Result<Vec<BalanceEntry>, ClientError> {
        self.request(&BalanceData::default()).await
    }

    pub async fn refund(&self, data: &RefundRequest) -> Result<RefundResult, ClientError> {
        self.request(data).await
    }
}

/// Prometheus-style metrics through the `metrics` facade (a no-op until
/// the application installs a recorder): `result` is `ok`, Trustly's error
/// code, or what went wrong before Trustly answered.
fn record_metrics(method: &str, outcome: &Result<Value, ClientError>, elapsed: Duration) {
    let result = match outcome {
        Ok(_) => "ok".to_string(),
        Err(ClientError::Trustly(e)) => e.code.to_string(),
        Err(ClientError::Timeout) => "timeout".into(),
        Err(ClientError::Transport(_)) => "transport".into(),
        Err(ClientError::InvalidResponse(_)) => "invalid_response".into(),
        Err(ClientError::InvalidRequest(_)) => "invalid_request".into(),
    };
    metrics::counter!("kassa_trustly_requests_total",
        "method" => method.to_string(), "result" => result)
    .increment(1);
    metrics::histogram!("kassa_trustly_request_duration_seconds", "method" => method.to_string())
        .record(elapsed.as_secs_f64());
}

fn transport_error(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else {
        // The URL in reqwest's message is the API endpoint: no secrets.
        ClientError::Transport(e.to_string())
    }
}

fn typed<T: DeserializeOwned>(method: &str, data: Value) -> Result<T, ClientError> {
    serde_json::from_value(data).map_err(|e| {
        ClientError::InvalidResponse(format!("{method} result has an unexpected shape: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trustly::envelope::{build_error, build_result, parse_request};
    use crate::trustly::signature::tests::keys;
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A one-connection-per-request fake Trustly: reads an HTTP request,
    /// hands its body to `answer`, writes the response.
    async fn fake_trustly<F>(answer: F) -> String
    where
        F: Fn(Vec<u8>) -> (u16, Vec<u8>) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 4096];
                    let body = loop {
                        let n = sock.read(&mut tmp).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&tmp[..n]);
                        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
                            assert!(head.contains("content-type: application/json"), "{head}");
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map(|v| v.trim().parse().unwrap())
                                .unwrap_or(0);
                            if buf.len() >= pos + 4 + len {
                                break buf[pos + 4..pos + 4 + len].to_vec();
                            }
                        }
                    };
                    let (status, resp) = answer(body);
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        resp.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&resp).await;
                });
            }
        });
        format!("http://{addr}/api/1")
    }

    fn client(url: String) -> TrustlyClient {
        let (merchant, trustly) = keys();
        TrustlyClient::new(ClientConfig {
            api_url: url,
            username: "merchant".into(),
            password: "hunter2".into(),
            signer: merchant.clone(),
            trustly_key: trustly.verifier(),
            timeout: Duration::from_millis(1500),
        })
        .unwrap()
    }

    // Multi-threaded: the fake server's "slow" answer blocks its thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deposit_ok_and_errors() {
        let url = fake_trustly(|body| {
            let (merchant, trustly) = keys();
            let req = parse_request(&body).unwrap();
            req.verify(&merchant.verifier()).unwrap();
            assert_eq!(req.data_str("Username"), Some("merchant"));
            assert_eq!(req.data_str("Password"), Some("hunter2"));
            let resp = match req.data_str("MessageID") {
                Some("ok") => build_result(
                    &req.method,
                    &req.uuid,
                    json!({"orderid": "123", "url": "https://checkout/x"}),
                    trustly,
                ),
                Some("dup") => build_error(
                    Some(&req.method),
                    Some(&req.uuid),
                    637,
                    "ERROR_DUPLICATE_MESSAGE_ID",
                    trustly,
                ),
                Some("wronguuid") => build_result(
                    &req.method,
                    "other",
                    json!({"orderid": "1", "url": "u"}),
                    trustly,
                ),
                Some("forged") => build_result(
                    &req.method,
                    &req.uuid,
                    json!({"orderid": "1", "url": "u"}),
                    merchant,
                ),
                Some("html") => return (502, b"<html>bad gateway</html>".to_vec()),
                Some("slow") => {
                    std::thread::sleep(Duration::from_millis(2500));
                    json!({})
                }
                _ => panic!(),
            };
            (200, serde_json::to_vec(&resp).unwrap())
        })
        .await;
        let c = client(url);
        let mk = |id: &str| DepositRequest {
            notification_url: "https://kassa/n".into(),
            end_user_id: "u1".into(),
            message_id: id.into(),
            attributes: DepositAttributes {
                amount: Some("10.00".into()),
                currency: Some("EUR".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let r = c.deposit(&mk("ok")).await.unwrap();
        assert_eq!(r.orderid, "123");
        let e = c.deposit(&mk("dup")).await.unwrap_err();
        assert_eq!(e.code(), Some(637));
        assert!(matches!(
            c.deposit(&mk("wronguuid")).await,
            Err(ClientError::InvalidResponse(_))
        ));
        assert!(matches!(
            c.deposit(&mk("forged")).await,
            Err(ClientError::InvalidResponse(_))
        ));
        match c.deposit(&mk("html")).await {
            Err(ClientError::InvalidResponse(m)) => assert!(m.contains("502"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.deposit(&mk("slow")).await, Err(ClientError::Timeout));
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn transport_error_when_nobody_listens() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let c = client(format!("http://{addr}/api/1"));
        assert!(matches!(c.balance().await, Err(ClientError::Transport(_))));
    }
}
