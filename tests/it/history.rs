//! The trader's history and self-service on both databases, over HTTP
//! against the real sandbox: `GET /api/wallet/transactions` (filters,
//! cursor, CSV), one transaction with its timeline, and cancelling a
//! withdrawal that still waits for approval.

use crate::common::{s, Backend, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::Value;

on_both_backends!(
    transactions_are_filtered_paged_and_exported,
    a_transaction_opens_with_its_timeline_and_only_for_its_trader,
    bad_filters_are_refused_by_field,
    trader_cancels_a_withdrawal_waiting_for_approval,
);

async fn get_json(app: &TestApp, c: &Client, path: &str) -> (StatusCode, Value) {
    let res = app.get(c, path).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Ids of one page of `GET /api/wallet/transactions{query}`, and its `next`.
async fn page(app: &TestApp, c: &Client, query: &str) -> (Vec<String>, Option<String>) {
    let (status, v) = get_json(app, c, &format!("/api/wallet/transactions{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {v}");
    let ids = v["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| s(t, "id"))
        .collect();
    (ids, v["next"].as_str().map(str::to_string))
}

/// A trader with deposits: 10.00 and 20.00 EUR credited, 30.00 SEK
/// credited, 5.00 EUR cancelled; and a paid withdrawal of 15.00 EUR.
/// Returns the client and every transaction id, oldest first.
async fn trader_with_history(app: &TestApp, email: &str) -> (Client, Vec<String>) {
    let c = app.trader(email).await;
    let mut ids = Vec::new();
    for (amount, currency, scenario, status) in [
        ("10.00", "EUR", "success", "credited"),
        ("20.00", "EUR", "success", "credited"),
        ("30.00", "SEK", "success", "credited"),
        ("5.00", "EUR", "cancel", "cancelled"),
    ] {
        let d = app.deposit(&c, amount, currency).await;
        app.confirm(&s(&d, "order_id"), scenario).await;
        app.wait_deposit(&c, &s(&d, "id"), status).await;
        ids.push(s(&d, "id"));
    }
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "15.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    app.wait_withdrawal(&c, &s(&w, "id"), "paid").await;
    ids.push(s(&w, "id"));
    (c, ids)
}

async fn transactions_are_filtered_paged_and_exported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c, ids) = trader_with_history(&app, "history@example.com").await;
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

    // Paged two at a time, the pages join into the whole list, newest first.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_string();
    loop {
        let (page_ids, next) = page(&app, &c, &query).await;
        assert!(page_ids.len() <= 2);
        seen.extend(page_ids);
        match next {
            Some(n) => query = format!("?limit=2&cursor={n}"),
            None => break,
        }
    }
    assert_eq!(seen, newest_first);

    // Filters narrow it, each alone and together.
    let (deposits, _) = page(&app, &c, "?kind=deposit").await;
    assert_eq!(deposits, newest_first[1..].to_vec());
    let (sek, _) = page(&app, &c, "?currency=sek").await;
    assert_eq!(sek, vec![ids[2].clone()]);
    let (credited_eur, _) = page(&app, &c, "?status=credited&currency=EUR").await;
    assert_eq!(credited_eur, vec![ids[1].clone(), ids[0].clone()]);
    let (withdrawals, _) = page(&app, &c, "?kind=withdrawal&status=paid").await;
    assert_eq!(withdrawals, vec![ids[4].clone()]);
    let (future, next) = page(&app, &c, "?from=2999-01-01").await;
    assert!(future.is_empty() && next.is_none());
    let (until_now, _) = page(&app, &c, "?from=2000-01-01&to=2999-12-31").await;
    assert_eq!(until_now.len(), 5);

    // Another trader's history is theirs alone.
    let other = app.trader("other-history@example.com").await;
    let (none, _) = page(&app, &other, "").await;
    assert!(none.is_empty());

    // The CSV holds every matching row, with a header.
    let res = app
        .get(&c, "/api/wallet/transactions?format=csv&currency=EUR")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0], "id,created_at,kind,amount,currency,status,info",
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + 4, "{csv}");
    assert!(lines[1].starts_with(&format!("{},", ids[4])), "{csv}");
    assert!(lines[1].contains(",withdrawal,15.00,EUR,paid,"), "{csv}");
    assert!(!csv.contains("SEK"));
}

async fn a_transaction_opens_with_its_timeline_and_only_for_its_trader(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c, ids) = trader_with_history(&app, "detail@example.com").await;

    let (status, d) = get_json(&app, &c, &format!("/api/wallet/transactions/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["transaction"]["kind"], "deposit");
    assert_eq!(d["transaction"]["amount"], "10.00");
    assert!(d["order_id"].as_str().is_some_and(|o| !o.is_empty()), "{d}");
    let steps: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&"created"), "{d}");
    assert_eq!(steps.last(), Some(&"credited"), "{d}");
    assert_eq!(d["bank_account"], Value::Null);

    // A withdrawal names its account by descriptor, never in full.
    let (_, w) = get_json(&app, &c, &format!("/api/wallet/transactions/{}", ids[4])).await;
    assert_eq!(w["transaction"]["kind"], "withdrawal");
    assert_eq!(w["transaction"]["status"], "paid");
    let account = &w["bank_account"];
    assert_eq!(account["last_digits"], "4821", "{w}");
    assert!(!w.to_string().contains("9302114821"), "{w}");

    // Someone else's transaction, or none at all, is not found.
    let other = app.trader("detail-other@example.com").await;
    for (client, id) in [(&other, ids[0].as_str()), (&c, "no-such-id")] {
        let res = app
            .get(client, &format!("/api/wallet/transactions/{id}"))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let anonymous = app.new_client();
    let res = app.get(&anonymous, "/api/wallet/transactions").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn bad_filters_are_refused_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("filters@example.com").await;
    for (query, field) in [
        ("kind=bonus", "kind"),
        ("status=paid&kind=deposit", "status"),
        ("status=whatever", "status"),
        ("currency=XYZ", "currency"),
        ("from=2026-13-01", "from"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("cursor=garbage", "cursor"),
        ("limit=0", "limit"),
        ("format=xml", "format"),
    ] {
        let (status, v) = get_json(&app, &c, &format!("/api/wallet/transactions?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["field"], field, "{query}: {v}");
    }
}

async fn trader_cancels_a_withdrawal_waiting_for_approval(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "50.00")]).await;
    let c = app.trader("cancel@example.com").await;
    let d = app.deposit(&c, "200.00", "EUR").await;
    app.confirm(&s(&d, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    let account = app.register_account(&c, "9302114821").await;
    let (_, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(w["status"], "pending_approval");
    let id = s(&w, "id");
    let cancel = format!("/api/withdrawals/{id}/cancel");

    // Nobody else can cancel it.
    let other = app.trader("cancel-other@example.com").await;
    let res = app.post(&other, &cancel, serde_json::json!({})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(&app.new_client(), &cancel, serde_json::json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "60.00".into(), "0.00".into())
    );

    // Its trader can: cancelled, the reservation back, audited.
    let res = app.post(&c, &cancel, serde_json::json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], "cancelled", "{v}");
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("200.00".into(), "0.00".into(), "0.00".into())
    );
    let audited = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'cancel' AND target_kind = 'withdrawal'
               AND target_id = '{id}' AND admin_email = 'cancel@example.com'"
        ))
        .await;
    assert_eq!(audited, 1);
    // Twice is a conflict and changes nothing.
    let res = app.post(&c, &cancel, serde_json::json!({})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A payout already sent to Trustly cannot be taken back.
    let (_, sent) = app.withdraw(&c, "20.00", &account).await;
    let sent_id = s(&sent, "id");
    app.wait_withdrawal(&c, &sent_id, "paid").await;
    let res = app
        .post(
            &c,
            &format!("/api/withdrawals/{sent_id}/cancel"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"].as_str().is_some(), "{v}");
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("180.00".into(), "0.00".into(), "0.00".into())
    );
    app.assert_ledger_invariant().await;
}
