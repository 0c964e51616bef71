//! The back office's order page follows its trader live: admins only, the
//! order's own trader's changes only, and what a frozen trader's pages are
//! told (`frozen`, `support_email` on `/api/me`).

use crate::common::{read_until, s, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    an_order_stream_is_for_admins_and_follows_its_trader,
    me_tells_a_frozen_trader_whom_to_write_to,
);

async fn an_order_stream_is_for_admins_and_follows_its_trader(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let c = app.trader("live-order@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let path = format!("/api/admin/orders/{}/events", s(&d, "id"));

    // Not for the trader (not even about their own order), nor for nobody.
    assert_eq!(app.get(&c, &path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&app.new_client(), &path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&admin, "/api/admin/orders/no-such-order/events")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // By Trustly's order id as well as Kassa's: the page is reached by both.
    let by_order_id = format!("/api/admin/orders/{}/events", s(&d, "order_id"));
    assert_eq!(app.get(&admin, &by_order_id).await.status(), StatusCode::OK);

    let mut stream = app.get(&admin, &path).await;
    assert_eq!(stream.status(), StatusCode::OK);
    app.confirm(&s(&d, "order_id"), "success").await;
    read_until(&mut stream, "event: wallet\ndata: changed\n\n").await;
    app.assert_ledger_invariant().await;
}

async fn me_tells_a_frozen_trader_whom_to_write_to(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let c = app.trader("frozen-me@example.com").await;
    let me: Value = app.get(&c, "/api/me").await.json().await.unwrap();
    assert_eq!(me["frozen"], false);
    assert_eq!(me["support_email"], "support@kassa.localhost");

    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{}/freeze", s(&me, "id")),
            json!({"reason": "KYC review"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = app.get(&c, "/api/me").await.json().await.unwrap();
    assert_eq!(me["frozen"], true);
    // Every page of theirs says so, with the address (in English here:
    // they signed up in Swedish).
    app.post(&c, "/api/language", json!({"language": "en"}))
        .await;
    let wallet = app.get(&c, "/wallet").await.text().await.unwrap();
    assert!(wallet.contains("Your account is frozen."), "{wallet}");
    assert!(wallet.contains("mailto:support@kassa.localhost"));
}
