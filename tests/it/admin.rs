//! The back office over HTTP on SQLite and PostgreSQL: the role check of
//! every admin route and page, the freeze rule, the account actions and
//! their audit entries, the lists (filters, keyset pages, CSV), an order's
//! notification timeline, and reconciliation of a seeded day with one
//! planted difference. Money moves only through the real sandbox and signed
//! notifications (or, where a test plants something, through the ledger's
//! own API), and every test that moves money ends on the ledger invariant.

use crate::common::{s, wait_for, Backend, TestApp, ADMIN_EMAIL, PASSWORD};
use reqwest::{header, Client, Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    every_admin_route_and_page_checks_the_role,
    freezing_stops_deposits_but_notifications_still_book,
    account_actions_are_audited_and_the_audit_log_is_append_only,
    unlock_resets_the_failed_login_lock,
    traders_are_searched_and_shown_whole,
    orders_filter_paginate_and_show_their_notifications,
    notification_log_shows_rejected_and_flagged,
    overview_adds_up_and_raises_alerts,
    reconciliation_finds_the_planted_difference,
    approval_and_denial_keep_the_ledger_whole,
    nobody_approves_their_own_withdrawal,
    trustly_refreshes_respect_the_limits,
    the_back_office_speaks_its_admins_language,
);

/// Signs up a trader with a given name; returns (client, id).
async fn trader_named(app: &TestApp, email: &str, first: &str, last: &str) -> (Client, String) {
    let c = app.new_client();
    let res = app
        .post(
            &c,
            "/api/auth/register",
            json!({"email": email, "password": PASSWORD, "first_name": first,
                   "last_name": last, "country": "SE", "locale": "sv_SE"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    (c, s(&v, "id"))
}

/// A deposit through the sandbox checkout with `scenario`, waited until
/// `status`; returns the deposit as the API created it.
async fn deposit(
    app: &TestApp,
    c: &Client,
    amount: &str,
    currency: &str,
    scenario: &str,
    status: &str,
) -> Value {
    let d = app.deposit(c, amount, currency).await;
    app.confirm(&s(&d, "order_id"), scenario).await;
    app.wait_deposit(c, &s(&d, "id"), status).await;
    d
}

/// Polls the admin's view of an order until its status is `status`.
async fn wait_order(app: &TestApp, admin: &Client, id: &str, status: &str) -> Value {
    wait_for(&format!("order {id} to be {status}"), || async {
        let v = get_json(app, admin, &format!("/api/admin/orders/{id}")).await;
        if v["order"]["status"] == status {
            Ok(v)
        } else {
            Err(v["order"].to_string())
        }
    })
    .await
}

async fn get_json(app: &TestApp, c: &Client, path: &str) -> Value {
    let res = app.get(c, path).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

async fn send(c: &Client, method: Method, url: String, body: Option<Value>) -> reqwest::Response {
    let mut req = c.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn every_admin_route_and_page_checks_the_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (victim, trader_id) = trader_named(&app, "vic@example.com", "Victor", "Victim").await;
    let d = deposit(&app, &victim, "10.00", "EUR", "success", "credited").await;
    let (trader, _) = trader_named(&app, "tess@example.com", "Tess", "Trader").await;
    let deposit_id = s(&d, "id");
    let order_id = s(&d, "order_id");
    let admin = app.admin().await;
    let anonymous = app.new_client();

    let get = Method::GET;
    let post = Method::POST;
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (get.clone(), "/api/admin/overview".into(), None),
        (
            post.clone(),
            "/api/admin/trustly-balance/refresh".into(),
            None,
        ),
        (get.clone(), "/api/admin/traders?q=vic".into(), None),
        (get.clone(), "/api/admin/traders?format=csv".into(), None),
        (get.clone(), format!("/api/admin/traders/{trader_id}"), None),
        (
            post.clone(),
            format!("/api/admin/traders/{trader_id}/freeze"),
            Some(json!({"reason": "r"})),
        ),
        (
            post.clone(),
            format!("/api/admin/traders/{trader_id}/unfreeze"),
            Some(json!({})),
        ),
        (
            post.clone(),
            format!("/api/admin/traders/{trader_id}/unlock"),
            Some(json!({})),
        ),
        (
            get.clone(),
            "/api/admin/orders?kind=deposit&status=credited".into(),
            None,
        ),
        (get.clone(), "/api/admin/orders?format=csv".into(), None),
        (get.clone(), format!("/api/admin/orders/{deposit_id}"), None),
        (
            get.clone(),
            "/api/admin/notifications?outcome=ok".into(),
            None,
        ),
        (
            get.clone(),
            "/api/admin/notifications?format=csv".into(),
            None,
        ),
        (get.clone(), "/api/admin/approvals".into(), None),
        (get.clone(), "/api/admin/approvals?format=csv".into(), None),
        (
            post.clone(),
            "/api/admin/withdrawals/w-1/approve".into(),
            Some(json!({})),
        ),
        (
            post.clone(),
            "/api/admin/withdrawals/w-1/deny".into(),
            Some(json!({"reason": "no"})),
        ),
        (
            post.clone(),
            "/api/admin/withdrawals/w-1/refresh".into(),
            Some(json!({})),
        ),
        (get.clone(), "/api/admin/audit".into(), None),
        (get.clone(), "/api/admin/audit?format=csv".into(), None),
        (
            get.clone(),
            "/api/admin/reconciliation?date=2026-01-15".into(),
            None,
        ),
        (
            get.clone(),
            "/api/admin/reconciliation?date=2026-01-15&format=csv".into(),
            None,
        ),
    ];
    for (method, path, body) in &routes {
        let res = send(&anonymous, method.clone(), app.at(path), body.clone()).await;
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
        let err: Value = res.json().await.unwrap();
        assert_eq!(
            err,
            json!({"error": "Sign in first.", "code": "unauthorized"})
        );

        let res = send(&trader, method.clone(), app.at(path), body.clone()).await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "trader {method} {path}"
        );
        let text = res.text().await.unwrap();
        assert!(
            !text.contains("vic@example.com") && !text.contains(&deposit_id),
            "{text}"
        );
    }
    // Refused before anything ran: the trader's own freeze did not happen.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE frozen = 1")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    // Even for ids that do not exist (nothing is learned from a 404).
    for path in ["/api/admin/traders/nobody", "/api/admin/orders/nothing"] {
        assert_eq!(app.get(&trader, path).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.get(&admin, path).await.status(), StatusCode::NOT_FOUND);
    }

    // The admin gets every GET, and a non-auth answer from every POST.
    for (method, path, body) in &routes {
        let res = send(&admin, method.clone(), app.at(path), body.clone()).await;
        let status = res.status();
        assert!(
            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            "admin {method} {path}: {status}"
        );
        if *method == Method::GET {
            assert_eq!(status, StatusCode::OK, "admin {path}");
            let ct = res.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_string();
            if path.contains("format=csv") {
                assert!(ct.starts_with("text/csv"), "{path}: {ct}");
            } else {
                assert!(ct.starts_with("application/json"), "{path}: {ct}");
            }
        }
    }

    // Pages: a trader and a stranger get 403 and a note, never data.
    let pages = [
        "/admin".to_string(),
        "/admin/traders".into(),
        format!("/admin/traders/{trader_id}"),
        "/admin/orders".into(),
        format!("/admin/orders/{deposit_id}"),
        "/admin/approvals".into(),
        "/admin/notifications".into(),
        "/admin/audit".into(),
        "/admin/reconciliation".into(),
    ];
    // (in the reader's language: the trader's account says Swedish)
    let notes = [
        (&trader, "Logga in med ett administratörskonto"),
        (&anonymous, "Log in with an admin account"),
    ];
    for page in &pages {
        for (who, note) in notes {
            let res = app.get(who, page).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{page}");
            let html = res.text().await.unwrap();
            assert!(html.contains(note), "{page}");
            assert!(
                !html.contains("vic@example.com") && !html.contains("Victor"),
                "{page}"
            );
            assert!(!html.contains(&order_id), "{page}");
        }
        let res = app.get(&admin, page).await;
        assert_eq!(res.status(), StatusCode::OK, "admin {page}");
    }
    // The pages' server functions check too.
    for endpoint in ["admin_traders", "admin_orders", "admin_audit"] {
        let res = trader
            .post(app.at(&format!("/_sf/{endpoint}")))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body("query=")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{endpoint}");
    }
    app.assert_ledger_invariant().await;
}

async fn freezing_stops_deposits_but_notifications_still_book(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (c, id) = trader_named(&app, "frida@example.com", "Frida", "Frost").await;
    let account = app.register_account(&c, "9302114821").await;
    // A deposit started before the freeze...
    let before = app.deposit(&c, "100.00", "EUR").await;

    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{id}/freeze"),
            json!({"reason": "KYC review"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["changed"], true);
    assert_eq!(v["trader"]["frozen"], true);

    // ...a frozen trader cannot start another one...
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "10.00", "currency": "EUR"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 1);

    // ...but Trustly's notifications for the first still book.
    app.confirm(&s(&before, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&before, "id"), "credited").await;
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");
    let t = get_json(&app, &admin, &format!("/api/admin/traders/{id}")).await;
    assert_eq!(t["trader"]["frozen"], true);
    assert_eq!(t["trader"]["balances"][0]["available"], "100.00");
    // Nor withdraw what arrived.
    let (status, _) = app.withdraw(&c, "10.00", &account).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawals").await, 0);

    // Unfrozen: deposits work again.
    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{id}/unfreeze"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.deposit(&c, "10.00", "EUR").await;

    // Admins are not frozen; unknown ids are 404; a bad body is 400.
    let admin_id = s(&get_json(&app, &admin, "/api/me").await, "id");
    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{admin_id}/freeze"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post(&admin, "/api/admin/traders/nobody/freeze", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = admin
        .post(app.at(&format!("/api/admin/traders/{id}/freeze")))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{id}/freeze"),
            json!({"reason": "x".repeat(501)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE frozen = 1")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 2);

    // A form post (the page without JavaScript) redirects to _next.
    let res = admin
        .post(app.at(&format!("/api/admin/traders/{id}/freeze")))
        .form(&[
            ("reason", "form"),
            ("_next", &format!("/admin/traders/{id}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/admin/traders/{id}").as_str()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE frozen = 1")
            .await,
        1
    );
    app.assert_ledger_invariant().await;
}

async fn account_actions_are_audited_and_the_audit_log_is_append_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (_, id) = trader_named(&app, "aud@example.com", "Aud", "It").await;
    let path = |a: &str| format!("/api/admin/traders/{id}/{a}");
    for (action, changed) in [
        ("freeze", true),
        ("freeze", false),
        ("unfreeze", true),
        ("unfreeze", false),
    ] {
        let res = app
            .post(
                &admin,
                &path(action),
                json!({"reason": format!("{action} test")}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["changed"], changed, "{action}");
    }
    // Only real changes are entries, newest first, with before and after.
    let audit = get_json(&app, &admin, "/api/admin/audit").await;
    assert_eq!(audit["total"], 2);
    let e = &audit["entries"];
    assert_eq!(e[0]["action"], "unfreeze");
    assert_eq!(e[1]["action"], "freeze");
    assert_eq!(e[1]["admin_email"], ADMIN_EMAIL);
    assert_eq!(e[1]["target_kind"], "trader");
    assert_eq!(e[1]["target_id"], json!(id));
    assert_eq!(e[1]["before"], json!({"frozen": false}));
    assert_eq!(e[1]["after"], json!({"frozen": true}));
    assert_eq!(e[1]["reason"], "freeze test");
    assert!(e[0]["at"].as_i64() >= e[1]["at"].as_i64());
    let filtered = get_json(
        &app,
        &admin,
        &format!("/api/admin/audit?target={id}&action=freeze"),
    )
    .await;
    assert_eq!(filtered["total"], 1);
    let paged = get_json(&app, &admin, "/api/admin/audit?limit=1").await;
    assert_eq!(paged["entries"].as_array().unwrap().len(), 1);
    let next = s(&paged, "next");
    let page2 = get_json(
        &app,
        &admin,
        &format!("/api/admin/audit?limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(page2["entries"][0]["action"], "freeze");
    assert!(page2["next"].is_null());
    let csv = app
        .get(&admin, "/api/admin/audit?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("id,at,admin_id,admin_email,action,"),
        "{csv}"
    );
    assert!(csv.contains(",freeze,trader,"), "{csv}");
    assert!(csv.contains("\"{\"\"frozen\"\":false}\""), "{csv}");

    // The database itself refuses to rewrite history.
    let db = app.db();
    assert!(db
        .write(sqlx::query("UPDATE audit_log SET reason = 'rewritten'"))
        .await
        .is_err());
    assert!(db
        .write(sqlx::query("DELETE FROM audit_log"))
        .await
        .is_err());
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE reason = 'rewritten'")
            .await,
        0
    );
}

async fn unlock_resets_the_failed_login_lock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (_, id) = trader_named(&app, "lou@example.com", "Lou", "Locked").await;
    let c = app.new_client();
    for _ in 0..5 {
        let res = app.login(&c, "lou@example.com", "wrong password!").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login(&c, "lou@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let t = get_json(&app, &admin, &format!("/api/admin/traders/{id}")).await;
    assert_eq!(t["trader"]["locked"], true);
    assert_eq!(t["failed_logins"], 5);

    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{id}/unlock"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["changed"], true);
    assert_eq!(v["trader"]["locked"], false);
    let res = app.login(&c, "lou@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let audit = get_json(&app, &admin, "/api/admin/audit").await;
    assert_eq!(audit["entries"][0]["action"], "unlock");
    assert_eq!(audit["entries"][0]["before"]["failed_logins"], 5);
    assert_eq!(
        audit["entries"][0]["after"],
        json!({"failed_logins": 0, "locked_until": null})
    );
}

async fn traders_are_searched_and_shown_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (ann, ann_id) = trader_named(&app, "ann.berg@example.com", "Ann", "Berg").await;
    let (_bob, _) = trader_named(&app, "bob@example.org", "Bob", "Holm").await;
    let (_cid, _) = trader_named(&app, "c_100%@example.org", "Cid", "Percent").await;
    deposit(&app, &ann, "100.00", "EUR", "success", "credited").await;
    deposit(&app, &ann, "25.50", "SEK", "pending", "pending").await;

    let all = get_json(&app, &admin, "/api/admin/traders").await;
    assert_eq!(all["total"], 3, "admins are not traders");
    assert_eq!(
        all["traders"][0]["email"], "c_100%@example.org",
        "newest first"
    );

    for (q, expected) in [
        ("ANN.BERG", vec!["ann.berg@example.com"]),
        ("holm", vec!["bob@example.org"]),
        ("bob h", vec!["bob@example.org"]),
        ("example.org", vec!["c_100%@example.org", "bob@example.org"]),
        // wildcards are searched for, not obeyed
        ("%", vec!["c_100%@example.org"]),
        ("_", vec!["c_100%@example.org"]),
        ("nobody", vec![]),
    ] {
        let v = get_json(
            &app,
            &admin,
            &format!("/api/admin/traders?q={}", urlencode(q)),
        )
        .await;
        let emails: Vec<&str> = v["traders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, expected, "q={q}");
        assert_eq!(v["total"], expected.len(), "q={q}");
    }
    let v = get_json(&app, &admin, "/api/admin/traders?q=ann").await;
    let t = &v["traders"][0];
    for k in [
        "id",
        "email",
        "first_name",
        "last_name",
        "frozen",
        "balances",
    ] {
        assert!(!t[k].is_null(), "{k} in {t}");
    }
    assert_eq!(t["first_name"], "Ann");
    assert_eq!(
        t["balances"],
        json!([
            {"currency": "EUR", "available": "100.00", "reserved": "0.00", "pending": "0.00"},
            {"currency": "SEK", "available": "0.00", "reserved": "0.00", "pending": "25.50"},
        ])
    );

    let page1 = get_json(&app, &admin, "/api/admin/traders?limit=2").await;
    assert_eq!(page1["traders"].as_array().unwrap().len(), 2);
    let page2 = get_json(
        &app,
        &admin,
        &format!("/api/admin/traders?limit=2&cursor={}", s(&page1, "next")),
    )
    .await;
    assert_eq!(page2["traders"][0]["email"], "ann.berg@example.com");
    assert!(page2["next"].is_null());
    for bad in ["limit=0", "limit=501", "limit=x", "cursor=garbage", "q="] {
        let res = app.get(&admin, &format!("/api/admin/traders?{bad}")).await;
        if bad == "q=" {
            assert_eq!(res.status(), StatusCode::OK);
        } else {
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
            let e: Value = res.json().await.unwrap();
            assert!(e["field"].is_string(), "{e}");
        }
    }
    let long = "x".repeat(101);
    assert_eq!(
        app.get(&admin, &format!("/api/admin/traders?q={long}"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let csv = app.get(&admin, "/api/admin/traders?q=ann&format=csv").await;
    assert!(csv.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("kassa-traders-"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("id,email,first_name,last_name,frozen"));
    assert!(
        lines[1].contains("ann.berg@example.com,Ann,Berg,no,no,no,"),
        "{csv}"
    );

    let d = get_json(&app, &admin, &format!("/api/admin/traders/{ann_id}")).await;
    assert_eq!(d["trader"]["email"], "ann.berg@example.com");
    assert_eq!(d["role"], "trader");
    assert_eq!(d["deposits"].as_array().unwrap().len(), 2);
    assert_eq!(d["deposits"][0]["status"], "pending");
    assert_eq!(d["deposits"][1]["amount"], "100.00");
    assert_eq!(d["withdrawals"], json!([]));
    let ledger = d["ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), 1, "only the trader's own legs: {ledger:?}");
    assert_eq!(ledger[0]["kind"], "deposit_credit");
    assert_eq!(ledger[0]["account"], "available");
    assert_eq!(ledger[0]["amount"], "100.00");
    let accounts = d["bank_accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0]["descriptor"].is_string(), "{accounts:?}");
    assert!(accounts[0].get("account_id").is_none() && accounts[0].get("last_digits").is_none());
    let sessions = d["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "ann is signed in once: {sessions:?}");
    assert!(sessions[0]["expires_at"].as_i64().unwrap() > kassa::db::now_ms());
    assert!(sessions[0].get("id").is_none());
    app.assert_ledger_invariant().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn orders_filter_paginate_and_show_their_notifications(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (ann, ann_id) = trader_named(&app, "ann@example.com", "Ann", "A").await;
    let (bob, _) = trader_named(&app, "bob@example.com", "Bob", "B").await;
    let credited = deposit(&app, &ann, "100.00", "EUR", "success", "credited").await;
    deposit(&app, &ann, "20.00", "SEK", "cancel", "cancelled").await;
    deposit(&app, &bob, "30.00", "EUR", "pending", "pending").await;
    app.deposit(&bob, "40.00", "EUR").await; // created
                                             // Orders with the same timestamp still page correctly.
    app.db()
        .write(sqlx::query(
            "UPDATE deposits SET created_at = 1768435200000",
        ))
        .await
        .unwrap();

    let all = get_json(&app, &admin, "/api/admin/orders").await;
    assert_eq!(all["total"], 4);
    let o = &all["orders"][0];
    for k in [
        "kind",
        "id",
        "order_id",
        "user_id",
        "email",
        "amount",
        "currency",
        "status",
        "created_at",
    ] {
        assert!(!o[k].is_null(), "{k} in {o}");
    }
    for (query, total) in [
        ("kind=deposit", 4),
        ("kind=withdrawal", 0),
        ("kind=deposit&status=credited", 1),
        ("status=pending", 1),
        ("currency=SEK", 1),
        ("currency=eur", 3),
        (&format!("trader={ann_id}"), 2),
        ("q=bob%40example", 2),
        (&format!("q={}", s(&credited, "order_id")), 1),
        (&format!("q={}", s(&credited, "id")), 1),
        ("from=2026-01-15&to=2026-01-15", 4),
        ("from=2026-01-16", 0),
        ("to=2026-01-14", 0),
        ("status=pending_approval", 0),
    ] {
        let v = get_json(&app, &admin, &format!("/api/admin/orders?{query}")).await;
        assert_eq!(v["total"], total, "{query}: {v}");
        assert_eq!(v["orders"].as_array().unwrap().len(), total, "{query}");
    }
    for (bad, field) in [
        ("kind=refund", "kind"),
        ("kind=deposit&status=paid", "status"),
        ("status=nonsense", "status"),
        ("currency=XXX", "currency"),
        ("from=2026-02-30", "from"),
        ("from=2026-01-16&to=2026-01-15", "to"),
        ("format=xml", "format"),
    ] {
        let res = app.get(&admin, &format!("/api/admin/orders?{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["field"], field, "{bad}: {e}");
    }

    // Keyset pages: no row twice, none missing.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let v = get_json(
            &app,
            &admin,
            &format!("/api/admin/orders?limit=3&cursor={cursor}"),
        )
        .await;
        seen.extend(v["orders"].as_array().unwrap().iter().map(|o| s(o, "id")));
        match v["next"].as_str() {
            Some(n) => cursor = n.to_string(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (4, 4), "{seen:?}");

    let csv = app
        .get(&admin, "/api/admin/orders?currency=EUR&format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.trim_end().split("\r\n").count(), 4, "{csv}");
    assert!(
        csv.contains(",100.00,EUR,credited,no,2026-01-15T00:00:00Z,"),
        "{csv}"
    );

    // One order: by Kassa's id or Trustly's order id, with its timeline.
    let id = s(&credited, "id");
    let v = get_json(&app, &admin, &format!("/api/admin/orders/{id}")).await;
    let by_order = get_json(
        &app,
        &admin,
        &format!("/api/admin/orders/{}", s(&credited, "order_id")),
    )
    .await;
    assert_eq!(v, by_order);
    assert_eq!(v["order"]["status"], "credited");
    assert_eq!(v["order"]["email"], "ann@example.com");
    let steps: Vec<String> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(h, "status"))
        .collect();
    assert_eq!(steps, ["created", "pending", "credited"]);
    let ns = v["notifications"].as_array().unwrap();
    let methods: Vec<String> = ns.iter().map(|n| s(n, "method")).collect();
    assert_eq!(methods.len(), 3, "{methods:?}");
    for m in ["account", "pending", "credit"] {
        assert!(methods.contains(&m.to_string()), "{m} in {methods:?}");
    }
    for n in ns {
        assert_eq!(n["outcome"], "ok");
        assert_eq!(n["reply_status"], "OK");
        let raw: Value = serde_json::from_str(&s(n, "raw")).unwrap();
        assert_eq!(raw["params"]["data"]["messageid"], json!(id));
        assert!(n["received_at"].as_i64().unwrap() > 0);
    }
    assert!(v["withdrawal"].is_null());
    assert_eq!(
        app.get(&admin, "/api/admin/orders/nothing").await.status(),
        StatusCode::NOT_FOUND
    );

    // The page shows the same timeline.
    let html = app
        .get(&admin, &format!("/admin/orders/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("verification: ok") && html.contains("our reply: OK"),
        "{html}"
    );
    let html = app
        .get(&admin, "/admin/orders?kind=deposit&status=credited")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 orders") && html.contains("ann@example.com"));
    assert!(!html.contains("bob@example.com"));
    app.assert_ledger_invariant().await;
}

async fn notification_log_shows_rejected_and_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (c, _) = trader_named(&app, "nel@example.com", "Nel", "N").await;
    let ok = deposit(&app, &c, "10.00", "EUR", "success", "credited").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    // Forged content: rejected, recorded, not trusted.
    let res = app
        .notify(br#"{"method":"credit","params":{"data":{"orderid":"123"}}}"#)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Signed, but the amount does not match: flagged.
    let (_, body) = app.signed_notification(
        "credit",
        json!({"notificationid": "8000000001", "messageid": d["id"], "orderid": d["order_id"],
               "enduserid": "x", "amount": "999.00", "currency": "EUR",
               "timestamp": "2026-01-01 10:00:00.000000+00", "attributes": {}}),
    );
    assert_eq!(
        app.notify(&serde_json::to_vec(&body).unwrap())
            .await
            .status(),
        StatusCode::OK
    );

    app.wait_rejected(1).await;
    let all = get_json(&app, &admin, "/api/admin/notifications").await;
    assert_eq!(
        all["total"], 5,
        "3 for the credited deposit, 1 rejected, 1 flagged"
    );
    let rejected = get_json(&app, &admin, "/api/admin/notifications?outcome=rejected").await;
    assert_eq!(rejected["total"], 1);
    let r = &rejected["notifications"][0];
    assert!(
        r["order_id"].is_null() && r["method"].is_null(),
        "nothing read from it: {r}"
    );
    assert!(r["reply_status"].is_null());
    assert!(!s(r, "reason").is_empty());
    assert!(s(r, "raw").contains("\"orderid\":\"123\""));
    let flagged = get_json(&app, &admin, "/api/admin/notifications?outcome=flagged").await;
    assert_eq!(flagged["total"], 1);
    assert!(s(&flagged["notifications"][0], "reason").contains("does not match"));
    let credits = get_json(
        &app,
        &admin,
        "/api/admin/notifications?method=credit&outcome=ok",
    )
    .await;
    assert_eq!(credits["total"], 1);
    let by_order = get_json(
        &app,
        &admin,
        &format!("/api/admin/notifications?order={}", s(&ok, "order_id")),
    )
    .await;
    assert_eq!(by_order["total"], 3);
    let res = app
        .get(&admin, "/api/admin/notifications?outcome=maybe")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // The flagged one shows on its order's timeline; the rejected one on none.
    let v = get_json(&app, &admin, &format!("/api/admin/orders/{}", s(&d, "id"))).await;
    assert_eq!(v["notifications"].as_array().unwrap().len(), 1);
    assert_eq!(v["notifications"][0]["outcome"], "flagged");
    assert!(v["flag_reason"]
        .as_str()
        .unwrap()
        .contains("does not match"));

    let csv = app
        .get(
            &admin,
            "/api/admin/notifications?outcome=rejected&format=csv",
        )
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(",rejected,"));
    let page = app
        .get(&admin, "/admin/notifications?outcome=rejected")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 notifications"), "{page}");
    app.assert_ledger_invariant().await;
}

async fn overview_adds_up_and_raises_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (ann, ann_id) = trader_named(&app, "ann@example.com", "Ann", "A").await;
    let (bob, _) = trader_named(&app, "bob@example.com", "Bob", "B").await;
    deposit(&app, &ann, "100.00", "EUR", "success", "credited").await;
    deposit(&app, &bob, "50.25", "EUR", "success", "credited").await;
    deposit(&app, &bob, "7.00", "EUR", "pending", "pending").await;
    deposit(&app, &bob, "1000.00", "SEK", "success", "credited").await;
    app.notify(b"not even json").await;
    app.wait_rejected(1).await;
    // Ann spends what she has and then her deposit is debited: below zero.
    {
        use kassa::{
            money::Currency,
            wallet::ledger::{post_transaction, Account, Kind, Leg},
        };
        let mut tx = app.db().begin_write().await.unwrap();
        // (Kassa books no spending; a debit-shaped entry stands in for it.)
        post_transaction(
            &mut tx.tx,
            "test:spend",
            Kind::DepositDebit,
            Some(&ann_id),
            Currency::EUR,
            &[
                Leg::trader(Account::Available, &ann_id, -8000),
                Leg::kassa(Account::Trustly, 8000),
            ],
        )
        .await
        .unwrap();
        post_transaction(
            &mut tx.tx,
            "test:debit",
            Kind::DepositDebit,
            Some(&ann_id),
            Currency::EUR,
            &[
                Leg::trader(Account::Available, &ann_id, -10000),
                Leg::kassa(Account::Trustly, 10000),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    let o = get_json(&app, &admin, "/api/admin/overview").await;
    assert_eq!(o["traders"], 2);
    assert_eq!(
        o["totals"],
        json!([
            {"currency": "EUR", "available": "-29.75", "reserved": "0.00", "pending": "7.00"},
            {"currency": "SEK", "available": "1000.00", "reserved": "0.00", "pending": "0.00"},
        ])
    );
    let a = &o["alerts"];
    assert_eq!(
        a["negative_balances"],
        json!([{"user_id": ann_id, "email": "ann@example.com", "currency": "EUR", "available": "-80.00"}])
    );
    assert_eq!(a["rejected_notifications"], 1);
    assert_eq!(a["flagged_notifications"], 0);
    assert_eq!(a["problem_notifications"][0]["outcome"], "rejected");
    assert!(
        a["problem_notifications"][0]["raw"].is_null(),
        "no bodies in the overview"
    );
    assert_eq!(a["pending_approval"], 0);
    assert_eq!(a["stale_payouts"], 0);
    // (the payout worker asks for the Balance when it starts)
    let tb = &o["trustly_balance"];
    if let Some(t) = tb["fetched_at"].as_i64() {
        assert_eq!(tb["refresh_allowed_at"].as_i64(), Some(t + 15 * 60_000));
    }

    let html = app.get(&admin, "/admin").await.text().await.unwrap();
    assert!(html.contains("2 traders"));
    assert!(html.contains("1 negative balances"));
    // English amounts: a true minus sign, comma grouping and a no-break
    // space before the currency code
    assert!(
        html.contains("\u{2212}80.00\u{A0}EUR"),
        "amounts per currency"
    );
    assert!(html.contains("1,000.00\u{A0}SEK"), "grouped thousands");
    // times carry their UTC form on hover
    assert!(html.contains(" UTC\""), "title with UTC");
    app.assert_ledger_invariant().await;
}

async fn reconciliation_finds_the_planted_difference(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (ann, ann_id) = trader_named(&app, "ann@example.com", "Ann", "A").await;
    let (bob, _) = trader_named(&app, "bob@example.com", "Bob", "B").await;
    let a = deposit(&app, &ann, "100.00", "EUR", "success", "credited").await;
    let b = deposit(&app, &bob, "50.00", "EUR", "success_debit", "reversed").await;
    let c = deposit(&app, &bob, "200.00", "SEK", "success", "credited").await;
    wait_for("every notification delivered", || async {
        let n = app.count("SELECT COUNT(*) FROM notifications").await;
        if n == 10 {
            Ok(())
        } else {
            Err(n.to_string())
        }
    })
    .await;
    // The planted difference: 25.00 EUR booked to Ann by hand, with no
    // notification behind it.
    {
        use kassa::{
            money::Currency,
            wallet::ledger::{post_transaction, Account, Kind, Leg},
        };
        let mut tx = app.db().begin_write().await.unwrap();
        // (A credit-shaped entry: the ledger only knows Trustly's kinds.)
        post_transaction(
            &mut tx.tx,
            "manual:goodwill",
            Kind::DepositCredit,
            Some(&ann_id),
            Currency::EUR,
            &[
                Leg::trader(Account::Available, &ann_id, 2500),
                Leg::kassa(Account::Trustly, -2500),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Seed the day: everything happened on 2026-01-15 (UTC).
    let day = 1_768_435_200_000i64;
    for sql in [
        "UPDATE ledger_transactions SET created_at = $1 + 3600000",
        "UPDATE notifications SET received_at = $1 + 3600000",
    ] {
        app.db().write(sqlx::query(sql).bind(day)).await.unwrap();
    }

    let r = get_json(&app, &admin, "/api/admin/reconciliation?date=2026-01-15").await;
    assert_eq!(r["date"], "2026-01-15");
    assert_eq!(
        (r["from"].as_i64(), r["to"].as_i64()),
        (Some(day), Some(day + 86_400_000))
    );
    assert_eq!(
        r["summary"],
        json!([
            {"currency": "EUR", "ledger_in": "175.00", "ledger_out": "50.00",
             "notified_in": "150.00", "notified_out": "50.00", "difference": "25.00"},
            {"currency": "SEK", "ledger_in": "200.00", "ledger_out": "0.00",
             "notified_in": "200.00", "notified_out": "0.00", "difference": "0.00"},
        ])
    );
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    for d in [&a, &b, &c] {
        let row = rows
            .iter()
            .find(|x| x["id"] == d["id"])
            .expect("a row per deposit");
        assert_eq!(row["matched"], true, "{row}");
        assert_eq!(row["kind"], "deposit");
        assert_eq!(row["order_id"], d["order_id"]);
    }
    let diffs = r["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(diffs[0]["ledger"], "25.00");
    assert_eq!(diffs[0]["notified"], "0.00");
    assert_eq!(diffs[0]["difference"], "25.00");
    assert_eq!(diffs[0]["currency"], "EUR");
    assert!(s(&diffs[0], "note").contains("without a notification"));

    let res = app
        .get(
            &admin,
            "/api/admin/reconciliation?date=2026-01-15&format=csv",
        )
        .await;
    assert_eq!(
        res.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"kassa-reconciliation-2026-01-15.csv\""
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0]
        .starts_with("date,kind,id,order_id,email,currency,ledger,notified,difference,matched"));
    assert_eq!(
        lines.iter().filter(|l| l.contains(",no,")).count(),
        1,
        "{csv}"
    );
    assert!(csv.contains("EUR,25.00,0.00,25.00,no,"), "{csv}");

    // Another day is empty; a bad date is a 400 that names the field.
    let other = get_json(&app, &admin, "/api/admin/reconciliation?date=2026-01-16").await;
    assert_eq!(other["rows"], json!([]));
    for bad in ["2026-13-01", "15.01.2026", "yesterday"] {
        let res = app
            .get(&admin, &format!("/api/admin/reconciliation?date={bad}"))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["field"], "date");
    }
    let html = app
        .get(&admin, "/admin/reconciliation?date=2026-01-15")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 differences on 2026-01-15"), "{html}");
    app.assert_ledger_invariant().await;
}

async fn approval_and_denial_keep_the_ledger_whole(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "50.00")]).await;
    let admin = app.admin().await;
    let (c, trader_id) = trader_named(&app, "big@example.com", "Big", "Spender").await;
    deposit(&app, &c, "200.00", "EUR", "success", "credited").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(w["status"], "pending_approval");
    let id = s(&w, "id");

    let list = get_json(&app, &admin, "/api/admin/approvals").await;
    assert_eq!(list["total"], 1);
    let a = &list["approvals"][0];
    assert_eq!(a["id"], json!(id));
    assert_eq!(
        (a["amount"].as_str(), a["currency"].as_str()),
        (Some("60.00"), Some("EUR"))
    );
    assert_eq!(a["email"], "big@example.com");
    assert_eq!(a["own"], false);
    let o = get_json(&app, &admin, "/api/admin/overview").await;
    assert_eq!(o["alerts"]["pending_approval"], 1);
    assert_eq!(o["alerts"]["waiting"][0]["id"], json!(id));
    let csv = app
        .get(&admin, "/api/admin/approvals?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(&format!("{id},{trader_id},big@example.com,60.00,EUR,")),
        "{csv}"
    );

    // The trader cannot decide; a denial needs a reason; neither changes anything.
    let res = app
        .post(
            &c,
            &format!("/api/admin/withdrawals/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/deny"),
            json!({"reason": "  "}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["field"], "reason");
    let res = app
        .post(&admin, "/api/admin/withdrawals/nothing/approve", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "60.00".into(), "0.00".into())
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    app.assert_ledger_invariant().await;

    // Approved: AccountPayout goes out and the payout is paid.
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_ne!(v["order"]["status"], "pending_approval");
    assert!(v["withdrawal"]["decided_by"].is_string());
    app.assert_ledger_invariant().await;
    let v = wait_order(&app, &admin, &id, "paid").await;
    let steps: Vec<String> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(h, "status"))
        .collect();
    assert_eq!(steps, ["pending_approval", "queued", "sent", "paid"]);
    let methods: Vec<String> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| s(n, "method"))
        .collect();
    assert!(
        methods.contains(&"payoutconfirmation".to_string()),
        "{methods:?}"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "0.00".into(), "0.00".into())
    );
    app.assert_ledger_invariant().await;
    // Once decided, decided.
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/deny"),
            json!({"reason": "late"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Denied: the reservation goes back to available.
    let (_, w2) = app.withdraw(&c, "70.00", &account).await;
    assert_eq!(w2["status"], "pending_approval");
    let id2 = s(&w2, "id");
    assert_eq!(app.balance(&c, "EUR").await.0, "70.00");
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id2}/deny"),
            json!({"reason": "Ask support"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["order"]["status"], "denied");
    assert_eq!(v["withdrawal"]["decision_reason"], "Ask support");
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "0.00".into(), "0.00".into())
    );
    app.assert_ledger_invariant().await;
    assert_eq!(
        get_json(&app, &admin, "/api/admin/approvals").await["total"],
        0
    );

    // Both decisions are in the audit log, with before and after.
    let audit = get_json(&app, &admin, "/api/admin/audit?action=approve").await;
    assert_eq!(audit["total"], 1);
    let e = &audit["entries"][0];
    assert_eq!(
        (e["target_kind"].as_str(), e["target_id"].as_str()),
        (Some("withdrawal"), Some(id.as_str()))
    );
    assert_eq!(e["before"]["status"], "pending_approval");
    assert_ne!(e["after"]["status"], "pending_approval");
    let audit = get_json(&app, &admin, "/api/admin/audit?action=deny").await;
    assert_eq!(audit["entries"][0]["reason"], "Ask support");
    assert_eq!(audit["entries"][0]["after"]["status"], "denied");

    // Form posts from the approvals page redirect.
    let (_, w3) = app.withdraw(&c, "55.00", &account).await;
    let res = admin
        .post(app.at(&format!("/api/admin/withdrawals/{}/deny", s(&w3, "id"))))
        .form(&[("reason", "form post"), ("_next", "/admin/approvals")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/admin/approvals");
    app.assert_ledger_invariant().await;
}

async fn nobody_approves_their_own_withdrawal(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "50.00")]).await;
    let admin = app.admin().await;
    // The admin has a wallet too.
    deposit(&app, &admin, "100.00", "EUR", "success", "credited").await;
    let account = app.register_account(&admin, "9302114821").await;
    let (status, w) = app.withdraw(&admin, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = s(&w, "id");
    let list = get_json(&app, &admin, "/api/admin/approvals").await;
    assert_eq!(list["approvals"][0]["own"], true);
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let e: Value = res.json().await.unwrap();
    assert!(s(&e, "error").contains("own"), "{e}");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    let page = app
        .get(&admin, "/admin/approvals")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("another admin decides"));

    // A second admin may.
    let new = kassa::traders::service::NewUser::try_from(kassa::traders::service::Registration {
        email: "second@kassa.test".into(),
        password: PASSWORD.into(),
        first_name: "Second".into(),
        last_name: "Admin".into(),
        country: "SE".into(),
        locale: "en_GB".into(),
    })
    .unwrap();
    kassa::traders::service::register(app.db(), new, kassa::traders::service::Role::Admin)
        .await
        .unwrap();
    let second = app.new_client();
    assert_eq!(
        app.login(&second, "second@kassa.test", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let res = app
        .post(
            &second,
            &format!("/api/admin/withdrawals/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    wait_order(&app, &second, &id, "paid").await;
    let audit = get_json(&app, &admin, "/api/admin/audit").await;
    assert_eq!(audit["entries"][0]["admin_email"], "second@kassa.test");
    app.assert_ledger_invariant().await;
}

async fn trustly_refreshes_respect_the_limits(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_TRUSTLY_BALANCE_INTERVAL_MS", "5000")]).await;
    let admin = app.admin().await;
    let (c, _) = trader_named(&app, "pay@example.com", "Pay", "Out").await;
    deposit(&app, &c, "100.00", "EUR", "success", "credited").await;
    let account = app.register_account(&c, "9302114821").await;
    let (_, w) = app.withdraw(&c, "10.00", &account).await;
    let id = s(&w, "id");
    wait_order(&app, &admin, &id, "paid").await;

    // Balance: allowed once per interval (5 s here; 15 minutes by
    // default). The worker and the payout's funds check ask too, so wait
    // until a refresh is allowed, then the next one within the interval is
    // refused and records nothing.
    let res = wait_for("a Balance refresh to be allowed", || async {
        let res = app
            .post(&admin, "/api/admin/trustly-balance/refresh", json!({}))
            .await;
        match res.status() {
            StatusCode::OK => Ok(res),
            StatusCode::TOO_MANY_REQUESTS => Err("429".to_string()),
            other => panic!("refresh: {other}"),
        }
    })
    .await;
    let tb: Value = res.json().await.unwrap();
    // the sandbox holds the deposit minus the payout
    assert_eq!(
        tb["balances"],
        json!([{"currency": "EUR", "balance": "90.00", "fetched_at": tb["fetched_at"]}])
    );
    let fetched = tb["fetched_at"].as_i64().expect("Balance was asked");
    assert_eq!(tb["refresh_allowed_at"].as_i64(), Some(fetched + 5_000));
    let audited = app.count("SELECT COUNT(*) FROM audit_log").await;
    let res = app
        .post(&admin, "/api/admin/trustly-balance/refresh", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let e: Value = res.json().await.unwrap();
    assert!(
        s(&e, "error").contains("one Balance call every 5 seconds"),
        "{e}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, audited);
    let o = get_json(&app, &admin, "/api/admin/overview").await;
    assert_eq!(o["trustly_balance"], tb);
    let audit = get_json(&app, &admin, "/api/admin/audit?action=refresh_balance").await;
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["entries"][0]["after"], tb);

    // GetWithdrawals: the state is stored; a second ask within the poll
    // interval does not call Trustly again.
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/refresh"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    let checked = v["withdrawal"]["transfer_checked_at"]
        .as_i64()
        .expect("checked");
    assert!(v["withdrawal"]["transfer_state"].is_string(), "{v}");
    let res = app
        .post(
            &admin,
            &format!("/api/admin/withdrawals/{id}/refresh"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["withdrawal"]["transfer_checked_at"].as_i64(),
        Some(checked)
    );
    let audit = get_json(
        &app,
        &admin,
        "/api/admin/audit?action=refresh_transfer_state",
    )
    .await;
    assert_eq!(audit["total"], 1);
    // A deposit has no transfer state.
    let res = app
        .post(&admin, "/api/admin/withdrawals/nothing/refresh", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.assert_ledger_invariant().await;
}

/// An admin whose account says German reads the back office in German:
/// words, amounts and status badges (whose `data-status` stays the stored
/// status for styles and scripts); data (emails, Trustly's method names)
/// is shown as it is.
async fn the_back_office_speaks_its_admins_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (trader, trader_id) = trader_named(&app, "ann@example.com", "Ann", "Berg").await;
    let d = deposit(&app, &trader, "1234.50", "EUR", "success", "credited").await;
    let id = s(&d, "id");
    let new = kassa::traders::service::NewUser::try_from(kassa::traders::service::Registration {
        email: "kai@kassa.test".into(),
        password: PASSWORD.into(),
        first_name: "Kai".into(),
        last_name: "Keller".into(),
        country: "DE".into(),
        locale: "de_DE".into(),
    })
    .unwrap();
    kassa::traders::service::register(app.db(), new, kassa::traders::service::Role::Admin)
        .await
        .unwrap();
    let admin = app.new_client();
    assert_eq!(
        app.login(&admin, "kai@kassa.test", PASSWORD).await.status(),
        StatusCode::OK
    );
    let page = |path: String| {
        let (app, admin) = (&app, &admin);
        async move { app.get(admin, &path).await.text().await.unwrap() }
    };
    let nb = '\u{A0}';

    let html = page("/admin".into()).await;
    assert!(html.contains("Kunden: 1"), "{html}");
    assert!(html.contains(">Übersicht<") && html.contains(">Prüfprotokoll<"));

    let html = page("/admin/orders".into()).await;
    assert!(html.contains("Aufträge: 1"), "{html}");
    assert!(html.contains("value=\"waiting_for_funds\"") && html.contains("wartet auf Deckung"));
    assert!(html.contains(&format!("1.234,50{nb}€")));

    let html = page(format!("/admin/orders/{id}")).await;
    assert!(
        html.contains(&format!("Einzahlung 1.234,50{nb}€")),
        "{html}"
    );
    assert!(html.contains("data-status=\"credited\"") && html.contains("gutgeschrieben"));
    assert!(html.contains("Prüfung: ok") && html.contains("unsere Antwort: OK"));
    assert!(html.contains(&format!("Noch erstattbar: 1.234,50{nb}€")));
    // Trustly's method names are data
    assert!(html.contains("data-method=\"credit\""));

    let html = page(format!("/admin/traders/{trader_id}")).await;
    assert!(
        html.contains("ann@example.com") && html.contains("Ja, einfrieren"),
        "{html}"
    );
    assert!(
        html.contains("Einzahlung gutgeschrieben"),
        "the ledger's kinds"
    );
    app.assert_ledger_invariant().await;
}
