//! The configuration's tests: defaults, limits, and what is refused.

use super::*;
use std::collections::HashMap;

fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| m.get(k).cloned())
}

#[test]
fn defaults_run_locally_on_sqlite_with_the_sandbox() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.database_url, "sqlite://data/kassa.db");
    assert_eq!(c.public_url, "http://127.0.0.1:3000");
    assert!(c.trustly.sandbox);
    assert_eq!(c.trustly.api_url, "http://127.0.0.1:3000/sandbox/api/1");
    assert_eq!(c.trustly.checkout_origin, "http://127.0.0.1:3000");
    assert!(!c.secure_cookies());
    assert_eq!(c.deposits.min, "1.00");
    assert_eq!(c.deposits.max, "10000.00");
}

#[test]
fn deposit_limits_must_be_amounts_in_order() {
    let c = cfg(&[("KASSA_DEPOSIT_MIN", "5"), ("KASSA_DEPOSIT_MAX", "500.5")]).unwrap();
    let (min, max) = c.deposits.bounds(Currency::SEK).unwrap();
    assert_eq!((min.minor, max.minor), (500, 50050));
    assert!(cfg(&[("KASSA_DEPOSIT_MIN", "0")]).is_err());
    assert!(cfg(&[("KASSA_DEPOSIT_MAX", "1e3")]).is_err());
    assert!(cfg(&[("KASSA_DEPOSIT_MIN", "20"), ("KASSA_DEPOSIT_MAX", "10")]).is_err());
}

#[test]
fn real_trustly_needs_only_urls_and_keys() {
    let c = cfg(&[
        ("KASSA_PUBLIC_URL", "https://wallet.example.com/"),
        ("KASSA_TRUSTLY_API_URL", "https://test.trustly.com/api/1"),
        ("KASSA_TRUSTLY_USERNAME", "merchant"),
        ("KASSA_TRUSTLY_PASSWORD", "secret"),
        ("KASSA_TRUSTLY_PRIVATE_KEY_FILE", "/etc/kassa/merchant.pem"),
        (
            "KASSA_TRUSTLY_PUBLIC_KEY_FILE",
            "/etc/kassa/trustly-test.pem",
        ),
    ])
    .unwrap();
    assert!(!c.trustly.sandbox);
    assert_eq!(c.trustly.checkout_origin, "https://test.trustly.com");
    assert_eq!(c.public_url, "https://wallet.example.com");
    assert!(c.secure_cookies());
    assert!(!format!("{c:?}").contains("secret"));
}

#[test]
fn sandbox_off_without_an_api_url_is_an_error() {
    assert!(cfg(&[("KASSA_SANDBOX", "off")]).is_err());
    assert!(cfg(&[("KASSA_SANDBOX", "maybe")]).is_err());
    assert!(cfg(&[("KASSA_LISTEN", "nonsense")]).is_err());
}

#[test]
fn operations_settings() {
    let c = cfg(&[]).unwrap();
    assert!(c.ops.trusted_proxies.is_empty());
    assert!(c.ops.metrics_allowed("127.0.0.1".parse().unwrap()));
    assert!(c.ops.metrics_allowed("::1".parse().unwrap()));
    assert!(!c.ops.metrics_allowed("10.0.0.1".parse().unwrap()));
    assert_eq!(c.ops.log_format, LogFormat::Text);
    assert_eq!(c.ops.shutdown_grace_ms, 10_000);
    let c = cfg(&[
        (
            "KASSA_TRUSTED_PROXIES",
            " 10.0.0.0/8, 192.168.1.5 ,fd00::/8",
        ),
        ("KASSA_LOG_FORMAT", "json"),
    ])
    .unwrap();
    assert!(c.ops.is_trusted_proxy("10.2.3.4".parse().unwrap()));
    assert!(c.ops.is_trusted_proxy("::ffff:10.2.3.4".parse().unwrap()));
    assert!(c.ops.is_trusted_proxy("192.168.1.5".parse().unwrap()));
    assert!(!c.ops.is_trusted_proxy("192.168.1.6".parse().unwrap()));
    assert!(c.ops.is_trusted_proxy("fd12::1".parse().unwrap()));
    assert_eq!(c.ops.log_format, LogFormat::Json);
    assert!(cfg(&[("KASSA_TRUSTED_PROXIES", "10.0.0.0/33")]).is_err());
    assert!(cfg(&[("KASSA_TRUSTED_PROXIES", "proxy.example.com")]).is_err());
    assert!(cfg(&[("KASSA_LOG_FORMAT", "xml")]).is_err());
}

#[test]
fn database_passwords_are_redacted() {
    assert_eq!(
        redact_url("postgres://kassa:hunter2@db:5432/kassa"),
        "postgres://kassa@db:5432/kassa"
    );
}
