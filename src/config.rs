//! Kassa's configuration: read once at start-up from environment variables
//! (and a `.env` file if present). Every variable is listed in the README.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    str::FromStr,
};

use ipnet::IpNet;

use crate::money::{Currency, Money};

/// Everything Kassa needs to know about its environment.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    /// External base URL, without trailing slash. Trustly's NotificationURL,
    /// SuccessURL and FailURL are built from it.
    pub public_url: String,
    pub data_dir: PathBuf,
    /// Where the built site (wasm bundle, CSS, public assets) lives.
    pub site_root: String,
    pub bootstrap_admin: Option<(String, String)>,
    pub trustly: TrustlyConfig,
    pub deposits: DepositLimits,
    pub withdrawals: WithdrawalConfig,
    pub refunds: RefundConfig,
    pub mail: MailConfig,
    pub ops: OpsConfig,
    /// How long too many failed log-ins lock an account (or an address).
    pub login_lock_ms: u64,
}

/// How Kassa runs in production: behind which proxies, who may read the
/// metrics, how it logs and how it stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpsConfig {
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed.
    /// Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Client addresses `GET /metrics` answers (others get 404).
    pub metrics_allow: Vec<IpNet>,
    pub log_format: LogFormat,
    /// How long a stop lets requests in flight finish before it drops them.
    pub shutdown_grace_ms: u64,
    /// How long a stop keeps accepting (answering `/readyz` with 503) before
    /// it closes the listener, so a load balancer can take Kassa out first.
    pub shutdown_drain_ms: u64,
    /// How often expired sessions are deleted.
    pub session_cleanup_interval_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl OpsConfig {
    /// Whether the TCP peer `ip` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        contains(&self.trusted_proxies, ip)
    }

    /// Whether `/metrics` may be shown to the client `ip`.
    pub fn metrics_allowed(&self, ip: IpAddr) -> bool {
        contains(&self.metrics_allow, ip)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack
/// listener reports) match their IPv4 form.
pub fn contains(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.iter().any(|n| n.contains(&ip))
}

/// A comma-separated list of addresses (`10.0.0.7`, `::1`) and CIDRs
/// (`10.0.0.0/8`); `name` is the variable, for the error.
/// A comma-separated list of milliseconds (`100,200,500`).
fn parse_ms_list(name: &str, list: &str) -> Result<Vec<u64>, ConfigError> {
    list.split(',')
        .map(|s| s.trim().parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError(format!("{name}: {e}")))
}

pub fn parse_nets(name: &str, list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| IpNet::from(ip.to_canonical())))
                .map(|n| n.trunc())
                .map_err(|_| {
                    ConfigError(format!(
                        "{name}: {s:?} is neither an IP address nor a CIDR like 10.0.0.0/8"
                    ))
                })
        })
        .collect()
}

/// What one deposit may be: the same decimal bounds for every currency
/// (every supported currency has two decimals). Kept as the configured
/// decimals and parsed for the deposit's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositLimits {
    pub min: String,
    pub max: String,
}

impl DepositLimits {
    /// The bounds in `currency`, inclusive.
    pub fn bounds(&self, currency: Currency) -> Option<(Money, Money)> {
        Some((
            Money::parse_user(&self.min, currency).ok()?,
            Money::parse_user(&self.max, currency).ok()?,
        ))
    }
}

/// Withdrawal rules and the payout worker's pace. Amounts are decimals
/// applied to every currency, like the deposit limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawalConfig {
    pub min: String,
    /// Largest single withdrawal.
    pub max: String,
    /// Most a trader may withdraw per currency per UTC day.
    pub daily_max: String,
    /// Withdrawals above this wait for an admin's approval.
    pub approval_above: String,
    /// How often the payout worker runs (recovery, waiting-for-funds,
    /// GetWithdrawals polling, the daily Balance refresh).
    pub worker_interval_ms: u64,
    /// A withdrawal still `queued` this long after its last AccountPayout
    /// attempt is sent again by the worker (same MessageID).
    pub resend_after_ms: u64,
    /// Least time between two Balance calls (Trustly: 15 minutes).
    pub balance_interval_ms: u64,
    /// Least time between two GetWithdrawals calls for one payout
    /// (Trustly: 15 minutes).
    pub poll_interval_ms: u64,
    /// Money credited by a deposit becomes withdrawable this long after its
    /// credit (Trustly may still debit it back); 0 turns the hold off.
    pub hold_ms: u64,
}

impl WithdrawalConfig {
    /// (min, max, daily max, approval threshold) in `currency`.
    pub fn amounts(&self, currency: Currency) -> Option<(Money, Money, Money, Money)> {
        let p = |s: &str| Money::parse_user(s, currency).ok();
        Some((
            p(&self.min)?,
            p(&self.max)?,
            p(&self.daily_max)?,
            p(&self.approval_above)?,
        ))
    }
}

/// E-mail to traders (`src/mail/`).
#[derive(Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `smtps://user:pass@host:465` (or `smtp://host:25`, no TLS). None:
    /// messages stay in the outbox, shown at `/sandbox/mail`.
    pub smtp_url: Option<String>,
    /// The sender, `Kassa <wallet@example.com>`.
    pub from: String,
    /// The wait before each retry of a message the server refused or did
    /// not take; after the last one the message is `failed`.
    pub retry_ms: Vec<u64>,
    /// How often the outbox is looked at.
    pub interval_ms: u64,
    /// Where traders write for help (`KASSA_SUPPORT_EMAIL`): shown to a
    /// frozen trader on every page.
    pub support: String,
}

// The SMTP URL holds a password: never printed.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp", &self.smtp_url.as_ref().map(|_| "(set)"))
            .field("from", &self.from)
            .field("retry_ms", &self.retry_ms)
            .field("interval_ms", &self.interval_ms)
            .field("support", &self.support)
            .finish()
    }
}

/// Refund rules (issue 16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundConfig {
    /// Refunds above this (a decimal, applied to every currency, like the
    /// withdrawal limits) need a second admin's approval.
    pub approval_above: String,
}

impl RefundConfig {
    /// The approval threshold in `currency`.
    pub fn approval_above(&self, currency: Currency) -> Option<Money> {
        Money::parse_user(&self.approval_above, currency).ok()
    }
}

/// Trustly settings. When `sandbox` is on and no API URL is configured, the
/// embedded sandbox under `/sandbox` plays Trustly and the keys default to
/// files under `data/`.
#[derive(Clone)]
pub struct TrustlyConfig {
    pub sandbox: bool,
    pub api_url: String,
    pub username: String,
    pub password: String,
    pub private_key_file: PathBuf,
    pub public_key_file: Option<PathBuf>,
    pub checkout_origin: String,
    /// Delays between the sandbox's delivery attempts of one notification.
    pub sandbox_retry_ms: Vec<u64>,
    pub sandbox_payout_delay_ms: u64,
}

// Hand-written so that secrets never reach a log line through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("site_root", &self.site_root)
            .field(
                "bootstrap_admin",
                &self.bootstrap_admin.as_ref().map(|(e, _)| e),
            )
            .field("trustly", &self.trustly)
            .field("deposits", &self.deposits)
            .field("withdrawals", &self.withdrawals)
            .field("ops", &self.ops)
            .field("login_lock_ms", &self.login_lock_ms)
            .finish()
    }
}

impl std::fmt::Debug for TrustlyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustlyConfig")
            .field("sandbox", &self.sandbox)
            .field("api_url", &self.api_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("private_key_file", &self.private_key_file)
            .field("public_key_file", &self.public_key_file)
            .field("checkout_origin", &self.checkout_origin)
            .finish()
    }
}

/// Drops the password from a database URL before it is shown anywhere.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Sandbox test credentials: not secrets, they only open the embedded sandbox.
pub const SANDBOX_USERNAME: &str = "kassa-sandbox";
pub const SANDBOX_PASSWORD: &str = "sandbox-password";

impl Config {
    /// Reads the process environment (after loading `.env` if there is one).
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds a configuration from any key lookup: tests pass their own.
    /// Long because it is the table of every setting, one read and its
    /// check per entry; splitting it would scatter the table.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(get("KASSA_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("KASSA_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/kassa.db", data_dir.display()));
        let listen = get("KASSA_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen = SocketAddr::from_str(&listen)
            .map_err(|e| ConfigError(format!("KASSA_LISTEN {listen:?}: {e}")))?;
        let public_url = get("KASSA_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError(format!(
                "KASSA_PUBLIC_URL must start with http:// or https://, got {public_url:?}"
            )));
        }
        let bootstrap_admin = match (
            get("KASSA_BOOTSTRAP_ADMIN_EMAIL"),
            get("KASSA_BOOTSTRAP_ADMIN_PASSWORD"),
        ) {
            (Some(e), Some(p)) => Some((e, p)),
            _ => None,
        };
        let site_root = get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into());

        let api_url = get("KASSA_TRUSTLY_API_URL");
        let sandbox = match get("KASSA_SANDBOX").as_deref() {
            Some("on") | Some("1") | Some("true") => true,
            Some("off") | Some("0") | Some("false") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "KASSA_SANDBOX must be on or off, got {other:?}"
                )))
            }
            None => api_url.is_none(),
        };
        let sandbox_base = format!("{public_url}/sandbox");
        let (api_default, origin_default, user_default, pass_default) = if sandbox {
            (
                format!("{sandbox_base}/api/1"),
                origin_of(&public_url),
                Some(SANDBOX_USERNAME.to_string()),
                Some(SANDBOX_PASSWORD.to_string()),
            )
        } else {
            (String::new(), String::new(), None, None)
        };
        let api_url = api_url.unwrap_or(api_default);
        if api_url.is_empty() {
            return Err(ConfigError(
                "KASSA_TRUSTLY_API_URL is required when KASSA_SANDBOX=off".into(),
            ));
        }
        let checkout_origin = get("KASSA_TRUSTLY_CHECKOUT_ORIGIN").unwrap_or_else(|| {
            if origin_default.is_empty() {
                origin_of(&api_url)
            } else {
                origin_default
            }
        });
        let username = get("KASSA_TRUSTLY_USERNAME")
            .or(user_default)
            .ok_or_else(|| ConfigError("KASSA_TRUSTLY_USERNAME is required".into()))?;
        let password = get("KASSA_TRUSTLY_PASSWORD")
            .or(pass_default)
            .ok_or_else(|| ConfigError("KASSA_TRUSTLY_PASSWORD is required".into()))?;
        let private_key_file = get("KASSA_TRUSTLY_PRIVATE_KEY_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("merchant_private.pem"));
        let public_key_file = get("KASSA_TRUSTLY_PUBLIC_KEY_FILE").map(PathBuf::from);
        if !sandbox && public_key_file.is_none() {
            return Err(ConfigError(
                "KASSA_TRUSTLY_PUBLIC_KEY_FILE is required when KASSA_SANDBOX=off".into(),
            ));
        }
        let sandbox_retry_ms = parse_ms_list(
            "KASSA_SANDBOX_RETRY_MS",
            &get("KASSA_SANDBOX_RETRY_MS").unwrap_or_else(|| "1000,2000,5000,15000,60000".into()),
        )?;
        let sandbox_payout_delay_ms = get("KASSA_SANDBOX_PAYOUT_DELAY_MS")
            .map(|v| v.parse::<u64>())
            .transpose()
            .map_err(|e| ConfigError(format!("KASSA_SANDBOX_PAYOUT_DELAY_MS: {e}")))?
            .unwrap_or(2_000);

        let deposits = DepositLimits {
            min: get("KASSA_DEPOSIT_MIN").unwrap_or_else(|| "1.00".into()),
            max: get("KASSA_DEPOSIT_MAX").unwrap_or_else(|| "10000.00".into()),
        };
        match deposits.bounds(Currency::EUR) {
            Some((min, max)) if min.minor <= max.minor => {}
            _ => {
                return Err(ConfigError(format!(
                    "KASSA_DEPOSIT_MIN {:?} and KASSA_DEPOSIT_MAX {:?} must be positive amounts \
                     with at most two decimals, the minimum not above the maximum",
                    deposits.min, deposits.max
                )))
            }
        }

        let ms = |name: &str, default: u64| -> Result<u64, ConfigError> {
            get(name)
                .map(|v| v.trim().parse::<u64>())
                .transpose()
                .map_err(|e| ConfigError(format!("{name}: {e}")))
                .map(|v| v.unwrap_or(default))
        };
        let withdrawals = WithdrawalConfig {
            min: get("KASSA_WITHDRAWAL_MIN").unwrap_or_else(|| "1.00".into()),
            max: get("KASSA_WITHDRAWAL_MAX").unwrap_or_else(|| "10000.00".into()),
            daily_max: get("KASSA_WITHDRAWAL_DAILY_MAX").unwrap_or_else(|| "20000.00".into()),
            approval_above: get("KASSA_WITHDRAWAL_APPROVAL_ABOVE")
                .unwrap_or_else(|| "5000.00".into()),
            worker_interval_ms: ms("KASSA_PAYOUT_WORKER_INTERVAL_MS", 60_000)?,
            resend_after_ms: ms("KASSA_PAYOUT_RESEND_AFTER_MS", 60_000)?,
            balance_interval_ms: ms("KASSA_TRUSTLY_BALANCE_INTERVAL_MS", 15 * 60_000)?,
            poll_interval_ms: ms("KASSA_PAYOUT_POLL_INTERVAL_MS", 15 * 60_000)?,
            hold_ms: ms("KASSA_WITHDRAWAL_HOLD_MS", 24 * 60 * 60_000)?,
        };
        match withdrawals.amounts(Currency::EUR) {
            Some((min, max, daily, approval))
                if min.is_positive()
                    && min.minor <= max.minor
                    && max.minor <= daily.minor
                    && approval.minor >= 0 => {}
            _ => {
                return Err(ConfigError(format!(
                "KASSA_WITHDRAWAL_MIN {:?}, _MAX {:?}, _DAILY_MAX {:?} and _APPROVAL_ABOVE {:?} \
                     must be amounts with at most two decimals, min <= max <= daily max",
                withdrawals.min, withdrawals.max, withdrawals.daily_max, withdrawals.approval_above
            )))
            }
        }
        let refunds = RefundConfig {
            approval_above: get("KASSA_REFUND_APPROVAL_ABOVE").unwrap_or_else(|| "1000.00".into()),
        };
        if refunds.approval_above(Currency::EUR).is_none() {
            return Err(ConfigError(format!(
                "KASSA_REFUND_APPROVAL_ABOVE {:?} must be an amount with at most two decimals",
                refunds.approval_above
            )));
        }
        let mail = MailConfig {
            smtp_url: get("KASSA_SMTP_URL").filter(|u| !u.trim().is_empty()),
            from: get("KASSA_MAIL_FROM").unwrap_or_else(|| "Kassa <wallet@kassa.localhost>".into()),
            retry_ms: parse_ms_list(
                "KASSA_MAIL_RETRY_MS",
                &get("KASSA_MAIL_RETRY_MS")
                    .unwrap_or_else(|| "10000,60000,300000,1800000,7200000".into()),
            )?,
            interval_ms: ms("KASSA_MAIL_INTERVAL_MS", 1_000)?.max(1),
            support: get("KASSA_SUPPORT_EMAIL")
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "support@kassa.localhost".into()),
        };
        if withdrawals.worker_interval_ms == 0 {
            return Err(ConfigError(
                "KASSA_PAYOUT_WORKER_INTERVAL_MS must be above 0".into(),
            ));
        }
        let ops = OpsConfig {
            trusted_proxies: parse_nets(
                "KASSA_TRUSTED_PROXIES",
                &get("KASSA_TRUSTED_PROXIES").unwrap_or_default(),
            )?,
            metrics_allow: parse_nets(
                "KASSA_METRICS_ALLOW",
                &get("KASSA_METRICS_ALLOW").unwrap_or_else(|| "127.0.0.0/8,::1".into()),
            )?,
            log_format: match get("KASSA_LOG_FORMAT").as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "KASSA_LOG_FORMAT must be text or json, got {other:?}"
                    )))
                }
            },
            shutdown_grace_ms: ms("KASSA_SHUTDOWN_GRACE_MS", 10_000)?,
            shutdown_drain_ms: ms("KASSA_SHUTDOWN_DRAIN_MS", 0)?,
            session_cleanup_interval_ms: ms("KASSA_SESSION_CLEANUP_INTERVAL_MS", 60 * 60_000)?,
        };
        if ops.session_cleanup_interval_ms == 0 {
            return Err(ConfigError(
                "KASSA_SESSION_CLEANUP_INTERVAL_MS must be above 0".into(),
            ));
        }
        let login_lock_ms = ms("KASSA_LOGIN_LOCK_MS", 15 * 60_000)?;
        if login_lock_ms == 0 || login_lock_ms > i64::MAX as u64 / 2 {
            return Err(ConfigError(
                "KASSA_LOGIN_LOCK_MS must be above 0 (milliseconds)".into(),
            ));
        }

        Ok(Config {
            database_url,
            listen,
            public_url,
            data_dir,
            site_root,
            bootstrap_admin,
            trustly: TrustlyConfig {
                sandbox,
                api_url,
                username,
                password,
                private_key_file,
                public_key_file,
                checkout_origin,
                sandbox_retry_ms,
                sandbox_payout_delay_ms,
            },
            deposits,
            withdrawals,
            refunds,
            mail,
            ops,
            login_lock_ms,
        })
    }

    /// Session cookies get the Secure flag when Kassa is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// `https://test.trustly.com/api/1` -> `https://test.trustly.com`.
pub fn origin_of(url: &str) -> String {
    match url.find("://") {
        Some(s) => match url[s + 3..].find('/') {
            Some(p) => url[..s + 3 + p].to_string(),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests;
