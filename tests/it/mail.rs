//! E-mail on both databases: the outbox gets one message per event however
//! often Trustly repeats the notification, a mail server that refuses is
//! retried without holding up the notification's reply, and what the
//! trader reads names the money and links to the transaction.

use crate::common::{s, smtp_sink::SmtpSink, wait_for, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    one_mail_per_event_under_duplicate_notifications,
    a_refusing_mail_server_is_retried_without_blocking_the_reply,
);

async fn one_mail_per_event_under_duplicate_notifications(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "mailed@example.com";
    let c = app.trader(email).await;
    let d = app.deposit(&c, "100.50", "EUR").await;
    let (id, order) = (s(&d, "id"), s(&d, "order_id"));
    // Every notification of the checkout delivered twice.
    app.confirm(&order, "twice").await;
    app.wait_deposit(&c, &id, "credited").await;

    let mail = app.wait_mail(email, "deposit_credited").await;
    assert_eq!(mail["subject"], "Your deposit of 100.50 EUR has arrived");
    let link = format!("{}/wallet/transactions/{id}", app.url);
    assert!(mail["body"].as_str().unwrap().contains(&link), "{mail}");
    assert_eq!(mail["transport"], "sandbox");
    // The repeats found the mail queued already.
    let key = format!("deposit:{id}:credited");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM mail_outbox WHERE event_key = '{key}'"
        ))
        .await,
        1
    );
    let credited: Vec<Value> = app
        .mail_to(email)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "deposit_credited")
        .collect();
    assert_eq!(credited.len(), 1);

    // A paid withdrawal is told once too, naming the account.
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "40.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    app.wait_withdrawal(&c, &s(&w, "id"), "paid").await;
    let paid = app.wait_mail(email, "withdrawal_paid").await;
    assert_eq!(
        paid["subject"],
        "Your withdrawal of 40.00 EUR has been paid"
    );
    assert!(paid["body"].as_str().unwrap().contains("ending in 4821"));
    // Nobody else got anything.
    assert!(app.mail_to("someone-else@example.com").await.is_empty());
}

async fn a_refusing_mail_server_is_retried_without_blocking_the_reply(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.refuse(true);
    let url = sink.url();
    let app = TestApp::spawn_with(
        backend,
        &[
            ("KASSA_SMTP_URL", url.as_str()),
            ("KASSA_MAIL_FROM", "Kassa <wallet@kassa.test>"),
            (
                "KASSA_MAIL_RETRY_MS",
                "50,50,50,50,50,50,50,50,50,50,50,50,50,50,50",
            ),
        ],
    )
    .await;
    let email = "patient@example.com";
    let c = app.trader(email).await;
    let d = app.deposit(&c, "25.00", "EUR").await;
    let (id, order) = (s(&d, "id"), s(&d, "order_id"));
    app.confirm(&order, "success").await;
    // The booking and Kassa's OK reply do not wait for the mail server.
    app.wait_deposit(&c, &id, "credited").await;
    let delivered = app.wait_delivered(&order, 3).await;
    assert!(delivered.to_string().contains("\"OK\""), "{delivered}");

    // Refused, and tried again.
    let key = format!("deposit:{id}:credited");
    let refused = wait_for("the mail to be refused twice", || async {
        let m = app.mail_to(email).await;
        let row = m.iter().find(|m| m["event_key"] == key.as_str()).cloned();
        match row {
            Some(r) if r["attempts"].as_i64() >= Some(2) => Ok(r),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(refused["status"], "queued", "{refused}");
    assert!(
        refused["last_error"].as_str().unwrap().contains("451"),
        "{refused}"
    );
    assert!(sink.messages().is_empty());

    // The server is back: the message goes out, once.
    sink.refuse(false);
    let sent = app.wait_mail(email, "deposit_credited").await;
    assert_eq!(sent["transport"], "smtp");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert!(m.contains("To: patient@example.com"), "{m}");
    assert!(m.contains("Your deposit of 25.00 EUR has arrived"), "{m}");
    assert!(m.contains("wallet@kassa.test"), "{m}");
}
