//! A deposit's refunds on its order page: what was sent back, what is left
//! to refund, the form to refund (part of) it, and the second admin's
//! approve / deny for a refund above the threshold.

use leptos::prelude::*;

use super::widgets::*;
use crate::api::backoffice::{DepositRefunds, RefundView};
use crate::app::fmt::{money, number};
use crate::app::i18n::{t_string, use_i18n};

/// Long because it is one view tree: the refunds table, then the form.
#[component]
pub fn Refunds(
    d: DepositRefunds,
    deposit_id: String,
    currency: String,
    here: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let can_refund = d.refundable != "0.00" && !d.refundable.is_empty();
    let threshold = d.approval_above.map(|t| {
        t_string!(i18n, admin.refunds.threshold, amount = money(&t, &currency)).to_string()
    });
    let left = t_string!(
        i18n,
        admin.refunds.left,
        amount = money(&d.refundable, &currency)
    )
    .to_string();
    let form = can_refund.then(|| {
        let action = format!("/api/admin/deposits/{deposit_id}/refund");
        view! {
            <form method="post" action=action class="action refund" data-testid="refund-form">
                <input type="hidden" name="_next" value=here.clone()/>
                <label for="refund-amount">{t_string!(i18n, admin.refunds.amount, currency = &currency, max = number(&d.refundable)).to_string()}</label>
                <input id="refund-amount" name="amount" type="text" inputmode="decimal" required=true
                    value=d.refundable.clone() autocomplete="off"/>
                <label for="refund-reason">{t_string!(i18n, admin.refunds.reason)}</label>
                <input id="refund-reason" name="reason" type="text" required=true maxlength="500"/>
                <button type="submit">{t_string!(i18n, admin.refunds.submit)}</button>
            </form>
            <p class="hint">{t_string!(i18n, admin.refunds.hint)}{threshold.map(|t| format!(" {t}"))}</p>
        }
    });
    let rows = (!d.refunds.is_empty()).then(|| {
        view! {
            <table data-testid="refunds">
                <thead><tr><th scope="col">{t_string!(i18n, admin.col.amount)}</th><th scope="col">{t_string!(i18n, admin.col.status)}</th><th scope="col">{t_string!(i18n, admin.col.reason)}</th><th scope="col">{t_string!(i18n, admin.refunds.asked_by)}</th><th scope="col">{t_string!(i18n, admin.refunds.decided_by)}</th><th scope="col">{t_string!(i18n, admin.col.created)}</th><th scope="col"></th></tr></thead>
                <tbody>
                    {d.refunds.into_iter().map(|r| view! { <RefundRow r here=here.clone()/> }).collect_view()}
                </tbody>
            </table>
        }
    });
    view! {
        <h2>{t_string!(i18n, admin.refunds.title)}</h2>
        <p data-testid="refundable">{left}</p>
        {rows}
        {form}
    }
}

#[component]
fn RefundRow(r: RefundView, here: String) -> impl IntoView {
    let i18n = use_i18n();
    let pending = r.status == "pending_approval";
    let decide = pending.then(|| {
        view! {
            <ActionButton action=format!("/api/admin/refunds/{}/approve", r.id) next=here.clone() label=t_string!(i18n, admin.action.approve) primary=true
                confirm=t_string!(i18n, admin.refunds.confirm_approve) yes=t_string!(i18n, admin.action.yes_approve)/>
            <ActionButton action=format!("/api/admin/refunds/{}/deny", r.id) next=here.clone() label=t_string!(i18n, admin.action.deny) reason=t_string!(i18n, admin.refunds.why) reason_required=true
                confirm=t_string!(i18n, admin.refunds.confirm_deny) yes=t_string!(i18n, admin.action.yes_deny)/>
        }
    });
    let unknown = r.outcome_unknown.then(|| {
        view! { <p class="form-error">{t_string!(i18n, admin.refunds.outcome_unknown)}</p> }
    });
    view! {
        <tr data-refund=r.id.clone()>
            <td>{money(&r.amount, &r.currency)}</td>
            <td><Status status=r.status/>{unknown}</td>
            <td>{r.reason}</td>
            <td>{r.requested_by_email.unwrap_or(r.requested_by)}</td>
            <td>{r.decided_by_email.or(r.decided_by).unwrap_or_default()}</td>
            <td><Time ms=r.created_at/></td>
            <td>{decide}</td>
        </tr>
    }
}
