//! What reconciliation reads is written in columns of its own (issue 10,
//! migration 0014): a notification's announced amount and currency, a
//! ledger transaction's order. Filled when they are written, and backfilled
//! by the migration to the same values for rows recorded before it.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::FromRow;

use crate::common::{s, Backend, TestApp};

on_both_backends!(columns_are_filled_when_written_and_by_the_backfill);

#[derive(FromRow, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Announced {
    method: String,
    amount_minor: Option<i64>,
    currency: Option<String>,
}

#[derive(FromRow, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Booked {
    kind: String,
    order_ref: Option<String>,
}

async fn columns(pool: &sqlx::AnyPool) -> (BTreeSet<Announced>, BTreeSet<Booked>) {
    let announced = sqlx::query_as::<_, Announced>(
        "SELECT method, amount_minor, currency FROM notifications WHERE method IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let booked = sqlx::query_as::<_, Booked>("SELECT kind, order_ref FROM ledger_transactions")
        .fetch_all(pool)
        .await
        .unwrap();
    (
        announced.into_iter().collect(),
        booked.into_iter().collect(),
    )
}

async fn columns_are_filled_when_written_and_by_the_backfill(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let c = app.trader("columns@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    app.confirm(&s(&d, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    app.wait_withdrawal(&c, &s(&w, "id"), "paid").await;
    let (deposit, withdrawal) = (s(&d, "id"), s(&w, "id"));

    let (announced, booked) = columns(&app.db().pool).await;
    let credit = Announced {
        method: "credit".into(),
        amount_minor: Some(10_000),
        currency: Some("EUR".into()),
    };
    let payout = Announced {
        method: "payoutconfirmation".into(),
        amount_minor: Some(6_000),
        currency: Some("EUR".into()),
    };
    assert!(announced.contains(&credit), "{announced:?}");
    assert!(announced.contains(&payout), "{announced:?}");
    // the account notification of the selection announces no amount
    for a in announced.iter().filter(|a| a.method == "account") {
        assert_eq!((a.amount_minor, &a.currency), (None, &None), "{a:?}");
    }
    let of = |kind: &str, order: &str| Booked {
        kind: kind.into(),
        order_ref: Some(order.into()),
    };
    assert_eq!(
        booked,
        BTreeSet::from([
            of("deposit_credit", &deposit),
            of("withdrawal_reserve", &withdrawal),
            of("withdrawal_paid", &withdrawal),
        ]),
    );

    // Rows written before migration 0014: the columns dropped and the
    // migration run again, its backfill finds the same values.
    let url = app.config.database_url.clone();
    app.stop().await;
    let db = kassa::db::Db::connect(&url).await.unwrap();
    for sql in [
        "ALTER TABLE notifications DROP COLUMN amount_minor",
        "ALTER TABLE notifications DROP COLUMN currency",
        "ALTER TABLE ledger_transactions DROP COLUMN order_ref",
        "DELETE FROM _sqlx_migrations WHERE version = 14",
    ] {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }
    db.migrate().await.unwrap();
    assert_eq!(columns(&db.pool).await, (announced, booked));
    db.pool.close().await;
}
