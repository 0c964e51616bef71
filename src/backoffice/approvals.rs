//! The approval queue: withdrawals waiting for an admin's decision, oldest
//! first (the queue is worked from its head).

use sqlx::FromRow;

use super::{decimal, page_size, Cursor, Result, Sql};
use crate::{db::Db, wallet::withdrawals};

/// Filters of `GET /api/admin/approvals`, as received.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct ApprovalQuery {
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// Withdrawals waiting for an admin's decision, oldest first (the queue is
/// worked from its head), one page.
pub async fn approvals(
    db: &Db,
    admin_id: &str,
    q: &ApprovalQuery,
) -> Result<crate::api::backoffice::ApprovalList> {
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let total: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) AS n FROM withdrawals WHERE status = $1")
            .bind(withdrawals::Status::PendingApproval.as_str())
            .fetch_one(&db.pool)
            .await?;
    let (approvals, next) = approvals_page(db, admin_id, cursor.as_ref(), limit).await?;
    Ok(crate::api::backoffice::ApprovalList {
        approvals,
        total,
        next,
    })
}

/// A withdrawal of the approval queue, with its bank account.
#[derive(FromRow)]
struct ApprovalDbRow {
    id: String,
    user_id: String,
    email: String,
    amount: i64,
    currency: String,
    created_at: i64,
    bank: Option<String>,
    descriptor: Option<String>,
    hold_reason: Option<String>,
    frozen: i64,
    flagged: i64,
    trader_since: i64,
    account_source: Option<String>,
    account_verified: Option<i64>,
    account_added_at: Option<i64>,
    reversed_deposits: i64,
    negative_balances: i64,
}

impl ApprovalDbRow {
    /// The row as `admin_id` sees it (`own`: they asked for it).
    fn into_view(self, admin_id: &str) -> crate::api::backoffice::ApprovalRow {
        crate::api::backoffice::ApprovalRow {
            id: self.id,
            own: self.user_id == admin_id,
            user_id: self.user_id,
            email: self.email,
            amount: decimal(self.amount, &self.currency),
            currency: self.currency,
            bank: self.bank,
            descriptor: self.descriptor,
            created_at: self.created_at,
            hold_reason: self.hold_reason,
            risk: crate::api::backoffice::RiskContext {
                frozen: self.frozen != 0,
                flagged: self.flagged != 0,
                trader_since: self.trader_since,
                account_source: self.account_source,
                account_verified: self.account_verified.map(|v| v != 0),
                account_added_at: self.account_added_at,
                reversed_deposits: self.reversed_deposits,
                negative_balances: self.negative_balances,
            },
        }
    }
}

pub async fn approvals_page(
    db: &Db,
    admin_id: &str,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<crate::api::backoffice::ApprovalRow>, Option<String>)> {
    use crate::api::backoffice::ApprovalRow;
    let mut sql = Sql::new(
        "SELECT o.id, o.user_id, u.email, o.amount, o.currency, o.created_at, b.bank, b.descriptor,
                o.hold_reason, u.frozen, u.flagged, u.created_at AS trader_since,
                b.source AS account_source, b.verified AS account_verified,
                b.created_at AS account_added_at,
                (SELECT COUNT(*) FROM deposits d WHERE d.user_id = o.user_id AND d.status = $1)
                    AS reversed_deposits,
                (SELECT COUNT(*) FROM balances x WHERE x.user_id = o.user_id AND x.available < 0)
                    AS negative_balances
         FROM withdrawals o JOIN users u ON u.id = o.user_id
         LEFT JOIN bank_accounts b ON b.id = o.bank_account_id
         WHERE o.status = ",
    );
    sql.text_arg(crate::wallet::deposits::Status::Reversed.as_str());
    let pending = sql.text_arg(withdrawals::Status::PendingApproval.as_str());
    sql.push(&pending);
    if let Some(c) = cursor {
        let (at, id) = (sql.int_arg(c.at), sql.text_arg(c.id.clone()));
        sql.push(&format!(
            " AND o.created_at >= {at} AND (o.created_at > {at} OR o.id > {id})"
        ));
    }
    let l = sql.int_arg(limit + 1);
    sql.push(&format!(" ORDER BY o.created_at, o.id LIMIT {l}"));
    let mut rows: Vec<ApprovalRow> = sql
        .query_as::<ApprovalDbRow>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| r.into_view(admin_id))
        .collect();
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|a| Cursor::encode(a.created_at, &a.id))
    } else {
        None
    };
    Ok((rows, next))
}
