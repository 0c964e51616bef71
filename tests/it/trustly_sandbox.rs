// Integration tests of the Trustly client against the sandbox over real HTTP.
//
// Each test starts its own sandbox on 127.0.0.1:<random port> (mounted under
// /sandbox, like the app does), a merchant key pair, a TrustlyClient, and
// where notifications matter a small "merchant listener" on another random
// port that verifies each notification and replies. Synchronisation is by
// channels or by polling the sandbox's `/orders/{id}.json` with a deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use kassa::money::{Currency, Money};
use kassa::sandbox::{Sandbox, SandboxConfig};
use kassa::trustly::envelope::{
    build_notification_reply, build_request_with_uuid, parse_notification, parse_response,
    ReplyStatus, ResponseError,
};
use kassa::trustly::methods::{
    AccountPayoutData, DepositAttributes, DepositData, RefundData, RegisterAccountData,
    SelectAccountAttributes, SelectAccountData,
};
use kassa::trustly::signature::{Signer, Verifier};
use kassa::trustly::{ClientConfig, ClientError, TrustlyClient};

const USER: &str = "kassa";
const PASS: &str = "s3cret";
const DEADLINE: Duration = Duration::from_secs(15);

struct Env {
    base: String,
    sandbox: Arc<Sandbox>,
    merchant: Signer,
    client: TrustlyClient,
    /// No redirects followed, so 303s can be checked.
    http: reqwest::Client,
}

impl Env {
    async fn start(initial_balances: Vec<Money>) -> Env {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/sandbox", listener.local_addr().unwrap());
        let merchant = Signer::generate().unwrap();
        let key_file = std::env::temp_dir()
            .join(format!("kassa-sandbox-test-{}", uuid::Uuid::new_v4()))
            .join("keys/sandbox.pem");
        let mut config =
            SandboxConfig::new(base.clone(), key_file, USER, PASS, merchant.verifier());
        config.retry_intervals = vec![
            Duration::from_millis(20),
            Duration::from_millis(50),
            Duration::from_millis(100),
        ];
        config.payout_delay = Duration::from_millis(100);
        config.initial_balances = initial_balances;
        let sandbox = Sandbox::start(config).unwrap();
        let app = Router::new().nest("/sandbox", sandbox.router());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = client_for(&base, &sandbox, merchant.clone(), PASS);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Env {
            base,
            sandbox,
            merchant,
            client,
            http,
        }
    }

    fn trustly_key(&self) -> Verifier {
        Verifier::from_pem(self.sandbox.public_key_pem().as_bytes()).unwrap()
    }

    async fn order_json(&self, orderid: &str) -> Value {
        let url = format!("{}/orders/{}.json", self.base, orderid);
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Poll the orders tool until `pred` holds; panics after DEADLINE.
    async fn wait_order(&self, orderid: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = tokio::time::Instant::now();
        loop {
            let v = self.order_json(orderid).await;
            if pred(&v) {
                return v;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}: {v:#}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn confirm(&self, orderid: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let url = format!("{}/checkout/{}/confirm", self.base, orderid);
        self.http.post(url).form(form).send().await.unwrap()
    }

    fn deposit_data(
        &self,
        notify_url: &str,
        message_id: &str,
        amount: &str,
        currency: &str,
    ) -> DepositData {
        DepositData {
            notification_url: notify_url.to_string(),
            end_user_id: "trader-1".into(),
            message_id: message_id.to_string(),
            attributes: DepositAttributes {
                country: Some("SE".into()),
                locale: Some("sv_SE".into()),
                currency: Some(currency.into()),
                amount: Some(amount.into()),
                firstname: Some("Åsa".into()),
                lastname: Some("Öberg".into()),
                success_url: Some("https://kassa.example/deposit/ok".into()),
                fail_url: Some("https://kassa.example/deposit/fail".into()),
                url_target: Some("_top".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    async fn register(&self, number: &str) -> Result<String, ClientError> {
        let data = RegisterAccountData {
            end_user_id: "trader-1".into(),
            clearing_house: "SWEDEN".into(),
            bank_number: "6112".into(),
            account_number: number.into(),
            firstname: "Åsa".into(),
            lastname: "Öberg".into(),
            ..Default::default()
        };
        self.client
            .register_account(&data)
            .await
            .map(|r| r.accountid)
    }

    async fn balance_of(&self, currency: &str) -> Option<String> {
        let list = self.client.balance().await.unwrap();
        list.into_iter()
            .find(|b| b.currency == currency)
            .map(|b| b.balance)
    }
}

fn client_for(base: &str, sandbox: &Sandbox, signer: Signer, password: &str) -> TrustlyClient {
    TrustlyClient::new(ClientConfig {
        api_url: format!("{base}/api/1"),
        username: USER.into(),
        password: password.into(),
        signer,
        trustly_key: Verifier::from_pem(sandbox.public_key_pem().as_bytes()).unwrap(),
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

fn code(r: Result<impl std::fmt::Debug, ClientError>) -> i64 {
    match r {
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("not a Trustly error: {e:?}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

// --- merchant listener ----------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Misbehave {
    None,
    /// First reply signed with a key the sandbox does not know.
    BadSignatureFirst,
    /// First request answered with HTTP 500.
    Http500First,
}

/// One verified notification as received: (method, uuid, data).
type Received = (String, String, Value);

struct ListenerState {
    trustly_key: Verifier,
    merchant: Signer,
    misbehave: Misbehave,
    calls: AtomicUsize,
    tx: mpsc::UnboundedSender<Received>,
}

async fn notify_handler(
    State(ls): State<Arc<ListenerState>>,
    body: Bytes,
) -> axum::response::Response {
    let n = match parse_notification(&body, &ls.trustly_key) {
        Ok(n) => n,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let first = ls.calls.fetch_add(1, Ordering::SeqCst) == 0;
    let _ = ls
        .tx
        .send((n.method.clone(), n.uuid.clone(), n.data.clone()));
    if first && ls.misbehave == Misbehave::Http500First {
        return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response();
    }
    let signer = if first && ls.misbehave == Misbehave::BadSignatureFirst {
        Signer::generate().unwrap()
    } else {
        ls.merchant.clone()
    };
    axum::Json(build_notification_reply(
        &n.method,
        &n.uuid,
        ReplyStatus::Ok,
        &signer,
    ))
    .into_response()
}

/// Start a merchant listener; returns its NotificationURL and the receiver.
async fn listener(env: &Env, misbehave: Misbehave) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(ListenerState {
        trustly_key: env.trustly_key(),
        merchant: env.merchant.clone(),
        misbehave,
        calls: AtomicUsize::new(0),
        tx,
    });
    let app = Router::new()
        .route("/notify", post(notify_handler))
        .with_state(state);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, rx)
}

async fn recv(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .expect("notification in time")
        .expect("channel open")
}

fn all_delivered(v: &Value, count: usize) -> bool {
    let ns = v["notifications"].as_array().unwrap();
    ns.len() == count && ns.iter().all(|n| n["delivered"] == json!(true))
}

// --- tests ---------------------------------------------------------------------------

#[tokio::test]
async fn deposit_checkout_pages_and_success_notifications() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "dep-1", "100.00", "EUR"))
        .await
        .unwrap();
    assert_eq!(res.orderid.len(), 10);
    assert!(res.orderid.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(res.url, format!("{}/checkout/{}", env.base, res.orderid));

    // Step 1: bank choice, frameable HTML.
    let page = env.http.get(&res.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers().get("x-frame-options").is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"bank\""), "{html}");
    assert!(html.contains("id=\"close\"") && html.contains("aria-label=\"Close\""));
    let r = env
        .http
        .post(format!("{}/bank", res.url))
        .form(&[("bank", "nordhavn")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{}/login", res.url).as_str()
    );

    // Step 2: fake login.
    let html = env
        .http
        .get(format!("{}/login", res.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nordhavn Pankki"));
    let r = env
        .http
        .post(format!("{}/login", res.url))
        .form(&[("personalid", "19790131-1234")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("{}/confirm", res.url).as_str()
    );

    // Step 3: confirm page with amount, UTF-8 name and the test panel.
    let html = env
        .http
        .get(format!("{}/confirm", res.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Åsa Öberg"), "{html}");
    assert!(html.contains("100.00") && html.contains("EUR"));
    assert!(html.contains("target=\"_top\""));
    assert!(html.contains("id=\"confirm\""));
    for s in [
        "success",
        "success_debit",
        "pending",
        "cancel",
        "account_before",
        "account_after",
        "twice",
        "reverse",
    ] {
        assert!(
            html.contains(&format!("<option value=\"{s}\"")),
            "scenario {s}"
        );
    }
    let r = env.confirm(&res.orderid, &[("scenario", "success")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://kassa.example/deposit/ok");

    // account, pending, credit: in that order, each verified by the listener.
    let mut methods = Vec::new();
    for _ in 0..3 {
        let (method, _uuid, data) = recv(&mut rx).await;
        assert_eq!(data["orderid"], json!(res.orderid));
        assert_eq!(data["messageid"], json!("dep-1"));
        if method == "account" {
            assert_eq!(data["verified"], json!("1"));
            assert_eq!(data["attributes"]["name"], json!("Åsa Öberg"));
            assert!(data["attributes"]["descriptor"]
                .as_str()
                .unwrap()
                .starts_with("***"));
        } else {
            assert_eq!(data["amount"], json!("100.00"));
            assert_eq!(data["currency"], json!("EUR"));
            assert_eq!(data["enduserid"], json!("trader-1"));
        }
        methods.push(method);
    }
    assert_eq!(methods, ["account", "pending", "credit"]);
    let v = env
        .wait_order(&res.orderid, "all delivered", |v| all_delivered(v, 3))
        .await;
    assert_eq!(v["state"], json!("credited"));
    assert_eq!(v["kind"], json!("Deposit"));

    // A finished order does not offer the steps again.
    let html = env
        .http
        .get(format!("{}/confirm", res.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"confirm\""));
    assert!(html.contains("complete"));
    let r = env.confirm(&res.orderid, &[("scenario", "success")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        env.order_json(&res.orderid).await["notifications"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn balance_after_settled_deposit_and_refund() {
    let env = Env::start(vec![]).await;
    let (notify_url, _rx) = listener(&env, Misbehave::None).await;
    assert_eq!(env.balance_of("EUR").await, None);
    let dep = env
        .client
        .deposit(&env.deposit_data(&notify_url, "dep-b", "100.00", "EUR"))
        .await
        .unwrap();
    // Refund of a deposit whose checkout is not finished is refused.
    let refund = |amount: &str| RefundData {
        order_id: dep.orderid.clone(),
        amount: amount.into(),
        currency: "EUR".into(),
        ..Default::default()
    };
    assert_eq!(code(env.client.refund(&refund("10.00")).await), 623);
    env.confirm(&dep.orderid, &[("scenario", "success")]).await;
    env.wait_order(&dep.orderid, "credit delivered", |v| all_delivered(v, 3))
        .await;
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("100.00"));

    let r = env.client.refund(&refund("30.00")).await.unwrap();
    assert!(r.accepted());
    // Trustly answers with the deposit's OrderID.
    assert_eq!(r.orderid, dep.orderid);
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("70.00"));
    // More than what is left of the deposit.
    assert_eq!(code(env.client.refund(&refund("80.00")).await), 615);
    // Unknown order.
    let mut bad = refund("1.00");
    bad.order_id = "1234".into();
    assert_eq!(code(env.client.refund(&bad).await), 655);
}

#[tokio::test]
async fn select_account_direct_confirm_sends_one_account_notification() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let data = SelectAccountData {
        notification_url: notify_url,
        end_user_id: "trader-2".into(),
        message_id: "sel-1".into(),
        attributes: SelectAccountAttributes {
            firstname: Some("Åsa".into()),
            lastname: Some("Öberg".into()),
            success_url: Some("https://kassa.example/sel/ok".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let res = env.client.select_account(&data).await.unwrap();
    // Straight to the confirm POST, no earlier steps.
    let r = env.confirm(&res.orderid, &[("scenario", "success")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://kassa.example/sel/ok");
    let (method, _, data) = recv(&mut rx).await;
    assert_eq!(method, "account");
    assert_eq!(data["verified"], json!("1"));
    assert_eq!(data["attributes"]["name"], json!("Åsa Öberg"));
    let v = env
        .wait_order(&res.orderid, "delivered", |v| all_delivered(v, 1))
        .await;
    assert_eq!(v["state"], json!("account_selected"));
    assert_eq!(v["accountid"], data["accountid"]);
}

#[tokio::test]
async fn register_account_same_details_same_id_and_624() {
    let env = Env::start(vec![]).await;
    let a = env.register("1234567890").await.unwrap();
    let b = env.register("1234567890").await.unwrap();
    let c = env.register("1234561111").await.unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(code(env.register("1234560000").await), 624);
    let full = env
        .client
        .register_account(&RegisterAccountData {
            end_user_id: "trader-1".into(),
            clearing_house: "SWEDEN".into(),
            bank_number: "6112".into(),
            account_number: "1234567890".into(),
            firstname: "Åsa".into(),
            lastname: "Öberg".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(full.descriptor.as_deref(), Some("**********7890"));
    assert_eq!(full.clearinghouse.as_deref(), Some("SWEDEN"));
}

fn payout(account_id: &str, notify_url: &str, message_id: &str, amount: &str) -> AccountPayoutData {
    AccountPayoutData {
        notification_url: notify_url.into(),
        account_id: account_id.into(),
        end_user_id: "trader-1".into(),
        message_id: message_id.into(),
        amount: amount.into(),
        currency: "EUR".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn account_payout_executes_and_insufficient_balance_is_refused() {
    let env = Env::start(vec![Money::new(50_000, Currency::EUR)]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let acc = env.register("9988776655").await.unwrap();
    let r = env
        .client
        .account_payout(&payout(&acc, &notify_url, "pay-1", "200.00"))
        .await
        .unwrap();
    assert!(r.accepted());
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("300.00"));

    // GetWithdrawals until EXECUTED (states QUEUED/EXECUTING on the way).
    let start = tokio::time::Instant::now();
    loop {
        let w = env.client.get_withdrawals(&r.orderid).await.unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].orderid, r.orderid);
        // Trustly's own reference, not our MessageID.
        assert_ne!(w[0].reference.as_deref(), Some("pay-1"));
        assert_eq!(w[0].amount.as_deref(), Some("200.00"));
        assert_eq!(w[0].accountid.as_deref(), Some(acc.as_str()));
        let st = w[0].transferstate.clone().unwrap();
        assert!(
            ["QUEUED", "EXECUTING", "EXECUTED"].contains(&st.as_str()),
            "{st}"
        );
        if st == "EXECUTED" {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "payout never executed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (method, _, data) = recv(&mut rx).await;
    assert_eq!(method, "payoutconfirmation");
    assert_eq!(data["orderid"], json!(r.orderid));
    assert_eq!(data["amount"], json!("200.00"));

    // 300.00 left: 400.00 is refused, nothing changes.
    assert_eq!(
        code(
            env.client
                .account_payout(&payout(&acc, &notify_url, "pay-2", "400.00"))
                .await
        ),
        620
    );
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("300.00"));
    // Unknown account.
    assert_eq!(
        code(
            env.client
                .account_payout(&payout("42", &notify_url, "pay-3", "1.00"))
                .await
        ),
        623
    );
    // Unknown payout order.
    assert_eq!(code(env.client.get_withdrawals("1").await), 655);
}

#[tokio::test]
async fn payout_to_account_ending_1111_fails_with_credit_then_cancel() {
    let env = Env::start(vec![Money::new(10_000, Currency::EUR)]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let acc = env.register("5550001111").await.unwrap();
    let r = env
        .client
        .account_payout(&payout(&acc, &notify_url, "pay-f", "60.00"))
        .await
        .unwrap();
    assert!(r.accepted());
    let (m1, _, _) = recv(&mut rx).await;
    let (m2, _, d2) = recv(&mut rx).await;
    assert_eq!((m1.as_str(), m2.as_str()), ("credit", "cancel"));
    assert!(d2.get("amount").is_none());
    let v = env
        .wait_order(&r.orderid, "delivered", |v| all_delivered(v, 2))
        .await;
    assert_eq!(v["state"], json!("FAILED"));
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("100.00"));
}

#[tokio::test]
async fn error_cases() {
    let env = Env::start(vec![]).await;
    let url = "https://kassa.example/notify";
    let dep = |mid: &str, amount: &str, cur: &str| env.deposit_data(url, mid, amount, cur);

    // 636: signed with a key the sandbox does not know.
    let stranger = client_for(&env.base, &env.sandbox, Signer::generate().unwrap(), PASS);
    assert_eq!(
        code(stranger.deposit(&dep("e-1", "10.00", "EUR")).await),
        636
    );
    // 616: wrong password.
    let wrong = client_for(&env.base, &env.sandbox, env.merchant.clone(), "nope");
    assert_eq!(code(wrong.balance().await), 616);
    // 615: amounts.
    for (i, a) in ["10", "10.5", "-1.00", "0.00", "1.000", "1e3"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            code(
                env.client
                    .deposit(&dep(&format!("amt-{i}"), a, "EUR"))
                    .await
            ),
            615,
            "amount {a}"
        );
    }
    // 622: currency.
    assert_eq!(
        code(env.client.deposit(&dep("cur-1", "10.00", "XXX")).await),
        622
    );
    // 637: duplicate MessageID, also across methods.
    env.client
        .deposit(&dep("dup-1", "10.00", "EUR"))
        .await
        .unwrap();
    assert_eq!(
        code(env.client.deposit(&dep("dup-1", "10.00", "EUR")).await),
        637
    );
    let sel = SelectAccountData {
        notification_url: url.into(),
        end_user_id: "trader-1".into(),
        message_id: "dup-1".into(),
        ..Default::default()
    };
    assert_eq!(code(env.client.select_account(&sel).await), 637);
    // 705: NotificationURL with a query string, or not absolute.
    assert_eq!(
        code(
            env.client
                .deposit(&env.deposit_data("https://kassa.example/n?x=1", "u-1", "10.00", "EUR"))
                .await
        ),
        705
    );
    assert_eq!(
        code(
            env.client
                .deposit(&env.deposit_data("/notify", "u-2", "10.00", "EUR"))
                .await
        ),
        705
    );
    // 700 / 701 / 703: malformed SuccessURL, FailURL, URLTarget.
    let mut d = dep("u-3", "10.00", "EUR");
    d.attributes.success_url = Some("not a url".into());
    assert_eq!(code(env.client.deposit(&d).await), 700);
    let mut d = dep("u-4", "10.00", "EUR");
    d.attributes.fail_url = Some("javascript:alert(1)".into());
    assert_eq!(code(env.client.deposit(&d).await), 701);
    let mut d = dep("u-5", "10.00", "EUR");
    d.attributes.url_target = Some("_blank".into());
    assert_eq!(code(env.client.deposit(&d).await), 703);
    // 696 / 697: missing EndUserID / MessageID.
    let mut d = dep("u-6", "10.00", "EUR");
    d.end_user_id = String::new();
    assert_eq!(code(env.client.deposit(&d).await), 696);
    let d = dep("", "10.00", "EUR");
    assert_eq!(code(env.client.deposit(&d).await), 697);
    // Unknown method.
    assert_eq!(code(env.client.call("Teleport", json!({})).await), 602);
    // The validation failures above did not consume their MessageIDs.
    env.client
        .deposit(&dep("u-3", "10.00", "EUR"))
        .await
        .unwrap();
}

#[tokio::test]
async fn duplicate_uuid_and_unparseable_body() {
    let env = Env::start(vec![]).await;
    let uuid = uuid::Uuid::new_v4().to_string();
    let body = build_request_with_uuid(
        "Balance",
        &uuid,
        json!({"Username": USER, "Password": PASS}),
        &env.merchant,
    );
    let api = format!("{}/api/1", env.base);
    let key = env.trustly_key();
    let first = env
        .http
        .post(&api)
        .json(&body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(parse_response(&first, "Balance", &uuid, &key).is_ok());
    let again = env.http.post(&api).json(&body).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again = again.bytes().await.unwrap();
    match parse_response(&again, "Balance", &uuid, &key) {
        Err(ResponseError::Trustly(e)) => assert_eq!(e.code, 688),
        other => panic!("expected 688, got {other:?}"),
    }

    let r = env.http.post(&api).body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["error"]["uuid"].is_null());
    assert!(v["error"]["error"]["method"].is_null());
    assert!(v["error"]["error"]["signature"].is_null());
}

#[tokio::test]
async fn badly_signed_reply_is_retried_with_same_notificationid() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::BadSignatureFirst).await;
    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "retry-1", "10.00", "EUR"))
        .await
        .unwrap();
    env.confirm(&res.orderid, &[("scenario", "cancel")]).await;
    let (m1, u1, d1) = recv(&mut rx).await;
    let (m2, u2, d2) = recv(&mut rx).await;
    assert_eq!((m1.as_str(), m2.as_str()), ("cancel", "cancel"));
    assert_eq!(d1["notificationid"], d2["notificationid"]);
    assert_eq!(u1, u2, "a retry re-sends the identical envelope");
    let v = env
        .wait_order(&res.orderid, "delivered", |v| all_delivered(v, 1))
        .await;
    let attempts = v["notifications"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["verified"], json!(false));
    assert_eq!(attempts[0]["ok"], json!(false));
    assert_eq!(attempts[1]["verified"], json!(true));
    assert_eq!(attempts[1]["ok"], json!(true));
    assert_eq!(v["state"], json!("cancelled"));
}

#[tokio::test]
async fn http_500_reply_is_retried() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::Http500First).await;
    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "retry-2", "10.00", "EUR"))
        .await
        .unwrap();
    env.confirm(&res.orderid, &[("scenario", "success")]).await;
    let mut got = Vec::new();
    for _ in 0..4 {
        let (m, _, d) = recv(&mut rx).await;
        got.push((m, d["notificationid"].clone()));
    }
    assert_eq!(
        got[0], got[1],
        "the refused account notification comes again"
    );
    assert_eq!(
        got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        ["account", "account", "pending", "credit"]
    );
    let v = env
        .wait_order(&res.orderid, "delivered", |v| all_delivered(v, 3))
        .await;
    assert_eq!(v["notifications"][0]["attempts"][0]["status"], json!(500));
}

#[tokio::test]
async fn reverse_and_twice_scenarios() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "rev-1", "10.00", "EUR"))
        .await
        .unwrap();
    env.confirm(&res.orderid, &[("scenario", "reverse")]).await;
    let mut ms = Vec::new();
    for _ in 0..3 {
        ms.push(recv(&mut rx).await.0);
    }
    assert_eq!(ms, ["credit", "pending", "account"]);

    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "twice-1", "10.00", "EUR"))
        .await
        .unwrap();
    env.confirm(&res.orderid, &[("scenario", "twice")]).await;
    let mut got = Vec::new();
    for _ in 0..6 {
        let (m, _, d) = recv(&mut rx).await;
        got.push((m, d["notificationid"].clone()));
    }
    for pair in got.chunks(2) {
        assert_eq!(pair[0], pair[1]);
    }
    // The doubled credit moved money once.
    env.wait_order(&res.orderid, "delivered", |v| all_delivered(v, 6))
        .await;
    assert_eq!(env.balance_of("EUR").await.as_deref(), Some("20.00"));
}

#[tokio::test]
async fn close_button_cancels_and_goes_to_fail_url() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let res = env
        .client
        .deposit(&env.deposit_data(&notify_url, "close-1", "10.00", "EUR"))
        .await
        .unwrap();
    let r = env
        .http
        .post(format!("{}/cancel", res.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "https://kassa.example/deposit/fail"
    );
    let (m, _, d) = recv(&mut rx).await;
    assert_eq!(m, "cancel");
    assert_eq!(d["enduserid"], json!("trader-1"));
    let html = env
        .http
        .get(&res.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("cancelled") && !html.contains("name=\"bank\""));

    // Without a FailURL there is no close control.
    let mut d = env.deposit_data(&notify_url, "close-2", "10.00", "EUR");
    d.attributes.fail_url = None;
    let res = env.client.deposit(&d).await.unwrap();
    let html = env
        .http
        .get(&res.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"close\""));
}

#[tokio::test]
async fn held_notifications_wait_for_the_resend_button() {
    let env = Env::start(vec![]).await;
    let (notify_url, mut rx) = listener(&env, Misbehave::None).await;
    let mut d = env.deposit_data(&notify_url, "hold-1", "10.00", "EUR");
    d.attributes.hold_notifications = Some("1".into());
    let res = env.client.deposit(&d).await.unwrap();
    env.confirm(&res.orderid, &[("scenario", "pending")]).await;
    let v = env.order_json(&res.orderid).await;
    let ns = v["notifications"].as_array().unwrap();
    assert_eq!(ns.len(), 2);
    assert!(ns
        .iter()
        .all(|n| n["held"] == json!(true) && n["attempts"].as_array().unwrap().is_empty()));
    let nid = ns[1]["notificationid"].as_str().unwrap().to_string();
    let r = env
        .http
        .post(format!(
            "{}/orders/{}/notifications/{}/resend",
            env.base, res.orderid, nid
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (m, _, data) = recv(&mut rx).await;
    assert_eq!(m, "pending");
    assert_eq!(data["notificationid"], json!(nid));
    // The orders tool can cancel the never-settling pending deposit.
    let r = env
        .http
        .post(format!("{}/orders/{}/cancel", env.base, res.orderid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let v = env.order_json(&res.orderid).await;
    assert_eq!(v["state"], json!("cancelled"));
    assert_eq!(v["notifications"].as_array().unwrap().len(), 3);

    // The orders page lists it with a curl replay line.
    let html = env
        .http
        .get(format!("{}/orders", env.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&res.orderid));
    assert!(html.contains("curl -X POST -H &#39;Content-Type: application/json&#39; --data"));
}

#[tokio::test]
async fn key_file_is_kept_and_public_key_served() {
    let dir = std::env::temp_dir().join(format!("kassa-sandbox-key-{}", uuid::Uuid::new_v4()));
    let key_file = dir.join("nested/sandbox.pem");
    let merchant = Signer::generate().unwrap();
    let cfg = SandboxConfig::new(
        "http://127.0.0.1:1/sandbox",
        key_file.clone(),
        USER,
        PASS,
        merchant.verifier(),
    );
    let a = Sandbox::start(cfg.clone()).unwrap();
    let b = Sandbox::start(cfg).unwrap();
    assert_eq!(a.public_key_pem(), b.public_key_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = std::fs::remove_dir_all(dir);

    let env = Env::start(vec![]).await;
    let r = env
        .http
        .get(format!("{}/public-key", env.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap(), env.sandbox.public_key_pem());
}
