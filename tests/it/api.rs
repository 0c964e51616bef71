//! The JSON surface of the foundation, over HTTP against the real server, on
//! SQLite and on PostgreSQL.

use crate::common::{wait_for, Backend, TestApp, ADMIN_EMAIL, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    sign_up_reports_every_field_at_once,
    register_login_me_wallet_logout,
    email_is_unique_case_insensitively,
    bad_input_gets_a_clear_error_and_creates_nothing,
    malformed_json_is_refused,
    wrong_password_is_401_and_repeated_failures_lock_the_account,
    session_id_is_cycled_at_login_and_cookie_is_locked_down,
    pages_carry_security_headers,
    cross_origin_posts_are_refused,
    forms_work_without_javascript,
    admin_page_is_checked_on_the_server,
    health_check_answers,
    pages_render_for_the_session,
    twenty_parallel_wrong_passwords_evaluate_at_most_five,
    after_a_lock_expires_the_count_starts_from_zero,
);

async fn register_login_me_wallet_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.new_client();
    let created = app.register(&c, "ann@example.com").await;
    assert_eq!(created["email"], "ann@example.com");
    let id = created["id"].as_str().unwrap().to_string();

    // a script: log out, refused, log in, read /api/me and /api/wallet
    assert_eq!(
        app.post(&c, "/api/auth/logout", json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&c, "/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app.get(&c, "/api/wallet").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().len() > 3);

    let res = app.login(&c, "ANN@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::SET_COOKIE).is_some());

    let me: Value = app.get(&c, "/api/me").await.json().await.unwrap();
    assert_eq!(
        me,
        json!({"id": id, "email": "ann@example.com", "first_name": "Åsa",
               "last_name": "Öberg", "country": "SE", "role": "trader", "locale": "sv_SE",
               "frozen": false, "support_email": "support@kassa.localhost"})
    );
    let wallet: Value = app.get(&c, "/api/wallet").await.json().await.unwrap();
    assert_eq!(wallet, json!({"balances": [], "transactions": []}));

    assert_eq!(
        app.post(&c, "/api/auth/logout", json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&c, "/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn email_is_unique_case_insensitively(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register(&app.new_client(), "Bo@Example.com").await;
    let res = app
        .post(
            &app.new_client(),
            "/api/auth/register",
            json!({"email": "bo@example.COM", "password": PASSWORD, "first_name": "B",
                   "last_name": "O", "country": "FI", "locale": "fi_FI"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("already exists"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'trader'")
            .await,
        1
    );
}

async fn bad_input_gets_a_clear_error_and_creates_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let good = json!({"email": "cy@example.com", "password": PASSWORD, "first_name": "Cy",
                      "last_name": "D", "country": "DE", "locale": "de_DE"});
    let cases = [
        ("password", json!("short"), "at least 10"),
        ("email", json!("not-an-email"), "valid email"),
        ("country", json!("XX"), "country"),
        ("locale", json!("german"), "language"),
        ("first_name", json!("   "), "required"),
    ];
    for (field, value, words) in cases {
        let mut body = good.clone();
        body[field] = value;
        let res = app
            .post(&app.new_client(), "/api/auth/register", body)
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{field}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["field"], field);
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(words),
            "{field}: {err}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'trader'")
            .await,
        0
    );
    // and the same data, corrected, goes through
    app.register(&app.new_client(), "cy@example.com").await;
}

async fn malformed_json_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
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
    assert!(err["error"].as_str().unwrap().contains("malformed"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'trader'")
            .await,
        0
    );
}

async fn wrong_password_is_401_and_repeated_failures_lock_the_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register(&app.new_client(), "dee@example.com").await;
    let c = app.new_client();
    assert_eq!(
        app.login(&c, "nobody@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for _ in 0..5 {
        let res = app.login(&c, "dee@example.com", "wrong password!").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // locked now, even with the right password
    let res = app.login(&c, "dee@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("Too many failed log-ins"));
    assert_eq!(err["code"], "login_locked", "{err}");
    assert_eq!(err["args"]["minutes"], "15", "{err}");
    assert_eq!(
        app.get(&c, "/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kassa_session="))
        .map(str::to_string)
}

async fn session_id_is_cycled_at_login_and_cookie_is_locked_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.new_client();
    let res = app
        .post(
            &c,
            "/api/auth/register",
            json!({"email": "eve@example.com", "password": PASSWORD, "first_name": "E",
                   "last_name": "V", "country": "SE", "locale": "sv_SE"}),
        )
        .await;
    let first = session_cookie(&res).expect("a session cookie at sign-up");
    assert!(first.contains("HttpOnly"), "{first}");
    assert!(first.contains("SameSite=Lax"), "{first}");
    assert!(
        !first.contains("Secure"),
        "plain http must not set Secure: {first}"
    );
    let res = app.login(&c, "eve@example.com", PASSWORD).await;
    let second = session_cookie(&res).expect("a new session cookie at log-in");
    let id = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(id(&first), id(&second), "session id must change at log-in");
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/login", "/api/me"] {
        let res = app.get(&app.client, path).await;
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h.contains_key(header::REFERRER_POLICY));
    }
    let res = app.get(&app.client, "/login").await;
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    // the sandbox runs on Kassa's own origin, so that is the only frame source
    assert!(csp.contains(&format!("frame-src {};", app.url)), "{csp}");
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the nonce"
    );
    assert!(
        crate::common::names_the_bundle_script(&html),
        "hydration script is on the page: {html}"
    );
}

async fn cross_origin_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("fay@example.com").await;
    let res = c
        .post(app.at("/api/auth/logout"))
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&c, "/api/me").await.status(),
        StatusCode::OK,
        "still signed in"
    );
    let res = c
        .post(app.at("/api/auth/logout"))
        .header(header::ORIGIN, app.url.clone())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn forms_work_without_javascript(backend: Backend) {
    let app = TestApp::spawn(backend).await;
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
    assert!(to.starts_with("/register?error="), "{to}");
    assert!(to.contains("field=password"), "{to}");
    let page = app.get(&c, &to).await.text().await.unwrap();
    assert!(
        page.contains("at least 10 characters"),
        "error shown on the page"
    );

    let res = c
        .post(app.at("/api/auth/register"))
        .form(&[
            ("email", "gus@example.com"),
            ("password", PASSWORD),
            ("first_name", "Gus"),
            ("last_name", "H"),
            ("country", "SE"),
            ("locale", "sv_SE"),
            ("_next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/", "no open redirect");
    assert_eq!(app.get(&c, "/api/me").await.status(), StatusCode::OK);
}

async fn admin_page_is_checked_on_the_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let trader = app.trader("hal@example.com").await;
    let admin = app.admin().await;
    let me: Value = app.get(&admin, "/api/me").await.json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");

    let call = |c: &reqwest::Client| {
        c.post(app.at("/_sf/admin_overview"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body("")
            .send()
    };
    assert_eq!(call(&trader).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        call(&app.new_client()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let res = call(&admin).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["traders"], 1);

    // The note in the trader's language (their account says Swedish).
    let page = app.get(&trader, "/admin").await.text().await.unwrap();
    assert!(page.contains("Logga in med ett administratörskonto"));
    assert!(!page.contains("traders</p>"));
    let page = app.get(&admin, "/admin").await.text().await.unwrap();
    assert!(page.contains("1 traders"), "{page}");
}

async fn health_check_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.get(&app.client, "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn pages_render_for_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = app.get(&app.client, "/wallet").await.text().await.unwrap();
    assert!(anon.contains("Log in to see your wallet"));
    let c = app.trader("ida@example.com").await;
    // (signed up in Swedish: these checks read the English words)
    app.post(&c, "/api/language", json!({"language": "en"}))
        .await;
    let page = app.get(&c, "/wallet").await.text().await.unwrap();
    assert!(page.contains("Your wallet"));
    assert!(page.contains("No transactions yet"));
    assert!(
        page.contains("ida@example.com"),
        "header shows who is signed in"
    );
    let res = app.get(&c, "/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The trader's lock as an admin sees it: (failed_logins, locked).
async fn lock_state(app: &TestApp, admin: &reqwest::Client, id: &str) -> (i64, bool) {
    let res = app.get(admin, &format!("/api/admin/traders/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let t: Value = res.json().await.unwrap();
    (
        t["failed_logins"].as_i64().unwrap(),
        t["trader"]["locked"].as_bool().unwrap(),
    )
}

async fn twenty_parallel_wrong_passwords_evaluate_at_most_five(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let me: Value = app.register(&app.new_client(), "par@example.com").await;
    let url = app.at("/api/auth/login");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let url = url.clone();
        tasks.spawn(async move {
            let res = reqwest::Client::new()
                .post(url)
                .json(&json!({"email": "par@example.com", "password": format!("wrong guess {i}")}))
                .send()
                .await
                .unwrap();
            res.status()
        });
    }
    let (mut wrong, mut locked) = (0, 0);
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => locked += 1,
            other => panic!("unexpected {other}"),
        }
    }
    // A 401 is a guess whose hash was checked: at most five of them.
    assert!(wrong <= 5, "{wrong} guesses evaluated, {locked} refused");
    assert_eq!(wrong + locked, 20);
    // All twenty counted, five at most evaluated: the account is locked,
    // even for the right password.
    let id = me["id"].as_str().unwrap();
    assert_eq!(lock_state(&app, &admin, id).await, (5, true));
    let res = app
        .login(&app.new_client(), "par@example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn after_a_lock_expires_the_count_starts_from_zero(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_LOGIN_LOCK_MS", "4000")]).await;
    let admin = app.admin().await;
    let me: Value = app.register(&app.new_client(), "exp@example.com").await;
    let id = me["id"].as_str().unwrap();
    let c = app.new_client();
    for _ in 0..5 {
        let res = app.login(&c, "exp@example.com", "wrong password!").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login(&c, "exp@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // The lock runs out by itself (watched without touching it).
    wait_for("the lock to expire", || async {
        match lock_state(&app, &admin, id).await {
            (_, false) => Ok(()),
            state => Err(format!("{state:?}")),
        }
    })
    .await;
    // One wrong password now is the first of a new count, not a new lock.
    let res = app.login(&c, "exp@example.com", "wrong password!").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(lock_state(&app, &admin, id).await, (1, false));
    let res = app.login(&c, "exp@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(lock_state(&app, &admin, id).await, (0, false));
}

async fn sign_up_reports_every_field_at_once(backend: Backend) {
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
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "first_name"], "{body}");
    // `error` and `field` still name the first, as for a single error.
    assert_eq!(body["field"], "email");
    assert_eq!(body["error"], body["fields"][0]["message"]);
    assert_eq!(body["code"], body["fields"][0]["code"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'trader'")
            .await,
        0
    );
}
