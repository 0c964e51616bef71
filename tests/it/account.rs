//! The trader's account on both databases: resetting a forgotten password
//! from the e-mailed link (single use, 30 minutes, the same answer for an
//! unknown e-mail), changing it (other sessions end), and listing and
//! ending sessions.

use crate::common::{Backend, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    reset_link_works_once_and_reveals_no_account,
    an_expired_reset_link_is_refused,
    changing_the_password_signs_out_the_other_sessions,
    a_trader_ends_one_of_their_sessions,
);

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The token in the newest reset mail to `email`.
async fn reset_token(app: &TestApp, email: &str) -> String {
    let mail = app.wait_mail(email, "password_reset").await;
    let body = mail["body"].as_str().unwrap();
    let start = body.find("token=").expect("a link with a token") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

async fn status_of_me(app: &TestApp, c: &Client) -> StatusCode {
    app.get(c, "/api/me").await.status()
}

async fn post_json(app: &TestApp, c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let res = app.post(c, path, body).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn reset_link_works_once_and_reveals_no_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "forgetful@example.com";
    let other_device = app.trader(email).await;
    let anonymous = app.new_client();

    // Registered or not, the answer is the same; only the first sends mail.
    let (s1, known) = post_json(
        &app,
        &anonymous,
        "/api/auth/password-reset",
        json!({"email": email}),
    )
    .await;
    let (s2, unknown) = post_json(
        &app,
        &anonymous,
        "/api/auth/password-reset",
        json!({"email": "nobody@example.com"}),
    )
    .await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known, unknown);
    assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, 1);
    assert!(app.mail_to("nobody@example.com").await.is_empty());

    let token = reset_token(&app, email).await;
    let confirm = "/api/auth/password-reset/confirm";
    // A weak password is refused and does not spend the link.
    let (status, e) = post_json(
        &app,
        &anonymous,
        confirm,
        json!({"token": token, "password": "short"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "password");
    let (status, _) = post_json(
        &app,
        &anonymous,
        confirm,
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Once only.
    let (status, e) = post_json(
        &app,
        &anonymous,
        confirm,
        json!({"token": token, "password": "another passphrase"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "token");
    let (status, e) = post_json(
        &app,
        &anonymous,
        confirm,
        json!({"token": "made-up", "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("token"))
    );

    // The old password is gone, the new one works, the other device is out.
    let c = app.new_client();
    assert_eq!(
        app.login(&c, email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&c, email, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        status_of_me(&app, &other_device).await,
        StatusCode::UNAUTHORIZED
    );
    app.wait_mail(email, "password_changed").await;
}

async fn an_expired_reset_link_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "late@example.com";
    app.trader(email).await;
    let anonymous = app.new_client();
    post_json(
        &app,
        &anonymous,
        "/api/auth/password-reset",
        json!({"email": email}),
    )
    .await;
    let token = reset_token(&app, email).await;
    // 31 minutes later (the link's clock moved back instead of waiting).
    let ago = kassa::db::now_ms() - 31 * 60_000;
    sqlx::query("UPDATE password_resets SET created_at = $1, expires_at = $2")
        .bind(ago)
        .bind(ago + kassa::traders::passwords::RESET_VALID_MS)
        .execute(&app.db().pool)
        .await
        .unwrap();
    let (status, e) = post_json(
        &app,
        &anonymous,
        "/api/auth/password-reset/confirm",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "token");
    let c = app.new_client();
    assert_eq!(
        app.login(&c, email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn changing_the_password_signs_out_the_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "changer@example.com";
    let here = app.trader(email).await;
    let elsewhere = app.new_client();
    assert_eq!(
        app.login(&elsewhere, email, PASSWORD).await.status(),
        StatusCode::OK
    );

    let path = "/api/account/password";
    let (status, e) = post_json(
        &app,
        &here,
        path,
        json!({"current_password": "wrong password!", "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("current_password"))
    );
    let (status, e) = post_json(
        &app,
        &here,
        path,
        json!({"current_password": PASSWORD, "new_password": "short"}),
    )
    .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("new_password"))
    );
    assert_eq!(status_of_me(&app, &elsewhere).await, StatusCode::OK);

    let (status, _) = post_json(
        &app,
        &here,
        path,
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of_me(&app, &here).await, StatusCode::OK);
    assert_eq!(
        status_of_me(&app, &elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    let c = app.new_client();
    assert_eq!(
        app.login(&c, email, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    let mail = app.wait_mail(email, "password_changed").await;
    assert_eq!(mail["subject"], "Your Kassa password was changed");
    // Not signed in: no password to change.
    let (status, _) = post_json(&app, &app.new_client(), path, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_trader_ends_one_of_their_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "many-devices@example.com";
    let phone = app.trader(email).await;
    let laptop = app.new_client();
    assert_eq!(
        app.login(&laptop, email, PASSWORD).await.status(),
        StatusCode::OK
    );

    let list: Vec<Value> = app
        .get(&phone, "/api/account/sessions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let laptop_handle = list.iter().find(|s| s["current"] == false).unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_string();

    // Someone else cannot end it.
    let stranger = app.trader("stranger@example.com").await;
    let end = format!("/api/account/sessions/{laptop_handle}/end");
    assert_eq!(
        app.post(&stranger, &end, json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(status_of_me(&app, &laptop).await, StatusCode::OK);

    assert_eq!(
        app.post(&phone, &end, json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(status_of_me(&app, &laptop).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &phone).await, StatusCode::OK);
    let list: Vec<Value> = app
        .get(&phone, "/api/account/sessions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);

    // Logging out ends the session's handle too.
    app.post(&phone, "/api/auth/logout", json!({})).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM user_sessions WHERE ended_at IS NULL AND user_id IN
                   (SELECT id FROM users WHERE email = 'many-devices@example.com')"
        )
        .await,
        0
    );
}
