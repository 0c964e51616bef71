//! Every error answer names a stable `code` beside its English words (and
//! the values those words name, in `args`), and a form posted without
//! JavaScript comes back with them, so the page says it in its language:
//! over HTTP against the real server, on SQLite and on PostgreSQL.

use crate::common::{Backend, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    a_too_small_deposit_names_its_code_and_minimum,
    a_bad_sign_up_codes_every_field,
    refusals_have_their_codes,
    a_form_without_javascript_comes_back_with_its_code,
);

async fn a_too_small_deposit_names_its_code_and_minimum(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("ada@example.com").await;
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "0.50", "currency": "EUR"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    // The whole answer: what scripts had (error, field) and what was added.
    assert_eq!(
        err,
        json!({
            "error": "The smallest deposit is 1.00 EUR.",
            "code": "deposit_below_min",
            "args": {"min": "1.00", "currency": "EUR"},
            "field": "amount",
        })
    );
    for (amount, currency, code) in [
        ("10000.01", "EUR", "deposit_above_max"),
        ("abc", "EUR", "amount_not_a_number"),
        ("1.005", "EUR", "amount_too_precise"),
        ("-5", "EUR", "amount_not_positive"),
        ("10.00", "XXX", "currency_unsupported"),
    ] {
        let res = app
            .post(
                &c,
                "/api/deposits",
                json!({"amount": amount, "currency": currency}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{amount} {currency}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], code, "{err}");
    }
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "10000.01", "currency": "EUR"}),
        )
        .await;
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["args"], json!({"max": "10000.00", "currency": "EUR"}));
    // Only words that name values have args.
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "abc", "currency": "EUR"}),
        )
        .await;
    let err: Value = res.json().await.unwrap();
    assert!(err.get("args").is_none(), "{err}");
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 0);
}

async fn a_bad_sign_up_codes_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .post(
            &app.client,
            "/api/auth/register",
            json!({"email": "not-an-email", "password": "short", "first_name": "",
                   "last_name": "Öberg", "country": "SE", "locale": "sv_SE"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    let codes: Vec<(&str, &str)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("email", "email_invalid"),
            ("password", "password_too_short"),
            ("first_name", "name_required"),
        ],
        "{body}"
    );
    // `error`, `code`, `args` and `field` name the first, as for one field.
    assert_eq!(body["code"], "email_invalid");
    assert_eq!(body["field"], "email");
    assert!(body.get("args").is_none(), "{body}");
    assert!(body["fields"][0].get("args").is_none(), "{body}");
    assert_eq!(
        body["fields"][1],
        json!({
            "field": "password",
            "code": "password_too_short",
            "message": "Use at least 10 characters for your password.",
            "args": {"min": "10"},
        })
    );
}

async fn refusals_have_their_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register(&app.new_client(), "bea@example.com").await;
    let c = app.new_client();

    let res = app.login(&c, "bea@example.com", "wrong password!").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let err: Value = res.json().await.unwrap();
    assert_eq!(
        err,
        json!({"error": "Wrong email or password.", "code": "bad_credentials"})
    );

    let res = app.get(&c, "/api/wallet").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let err: Value = res.json().await.unwrap();
    assert_eq!(
        err,
        json!({"error": "Sign in first.", "code": "unauthorized"})
    );

    let res = app
        .post(
            &app.new_client(),
            "/api/auth/register",
            json!({"email": "BEA@example.com", "password": PASSWORD, "first_name": "B",
                   "last_name": "E", "country": "SE", "locale": "sv_SE"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "email_taken", "{err}");

    let trader = app.trader("cid@example.com").await;
    let res = app.get(&trader, "/api/admin/traders").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "forbidden", "{err}");

    let res = app
        .get(&trader, "/api/wallet/transactions?cursor=nonsense")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "cursor_invalid", "{err}");

    let res = app
        .client
        .post(app.at("/api/auth/register"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "json_malformed", "{err}");
    assert!(err["args"]["detail"].as_str().is_some(), "{err}");
}

/// The redirect's query, decoded.
fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    serde_urlencoded::from_str(query).unwrap()
}

fn get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

async fn a_form_without_javascript_comes_back_with_its_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    // A visitor's sign-up: the code and the minimum in the query, and the
    // page says it in the visitor's language.
    let c = app.new_client();
    let res = c
        .post(app.at("/api/auth/register"))
        .header(header::REFERER, app.at("/register"))
        .form(&[
            ("email", "gus@example.com"),
            ("password", "short"),
            ("first_name", "Gus"),
            ("last_name", "H"),
            ("country", "SE"),
            ("locale", "sv_SE"),
            ("_next", "/wallet"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(to.starts_with("/register?"), "{to}");
    let q = query_of(&to);
    assert_eq!(
        get(&q, "error"),
        Some("Use at least 10 characters for your password.")
    );
    assert_eq!(get(&q, "field"), Some("password"));
    assert_eq!(get(&q, "code"), Some("password_too_short"));
    assert_eq!(get(&q, "arg_min"), Some("10"));
    let english = app.get(&c, &to).await.text().await.unwrap();
    assert!(
        english.contains("Use at least 10 characters for your password."),
        "the English words on the page"
    );
    let swedish = c
        .get(app.at(&to))
        .header(header::ACCEPT_LANGUAGE, "sv-SE,sv;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        swedish.contains("Lösenordet måste ha minst 10 tecken."),
        "the Swedish words on the page"
    );

    // A trader whose account speaks Swedish: the amount as Swedish writes it.
    let trader = app.trader("hal@example.com").await;
    let res = trader
        .post(app.at("/api/deposits"))
        .header(header::REFERER, app.at("/deposit"))
        .form(&[("amount", "0.50"), ("currency", "EUR")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let q = query_of(&to);
    assert_eq!(get(&q, "code"), Some("deposit_below_min"), "{to}");
    assert_eq!(get(&q, "arg_min"), Some("1.00"), "{to}");
    assert_eq!(get(&q, "arg_currency"), Some("EUR"), "{to}");
    let page = app.get(&trader, &to).await.text().await.unwrap();
    assert!(
        page.contains("Den minsta insättningen är 1,00\u{a0}€."),
        "the Swedish words on the deposit page"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 0);
}
