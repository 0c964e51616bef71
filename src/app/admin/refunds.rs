//! A deposit's refunds on its order page: what was sent back, what is left
//! to refund, the form to refund (part of) it, and the second admin's
//! approve / deny for a refund above the threshold.

use leptos::prelude::*;

use super::widgets::*;
use crate::api::backoffice::{DepositRefunds, RefundView};

/// Long because it is one view tree: the refunds table, then the form.
#[component]
pub fn Refunds(
    d: DepositRefunds,
    deposit_id: String,
    currency: String,
    here: String,
) -> impl IntoView {
    let can_refund = d.refundable != "0.00" && !d.refundable.is_empty();
    let threshold = d
        .approval_above
        .map(|t| format!("Refunds above {t} {currency} need a second admin's approval."));
    let form = can_refund.then(|| {
        let action = format!("/api/admin/deposits/{deposit_id}/refund");
        view! {
            <form method="post" action=action class="action refund" data-testid="refund-form">
                <input type="hidden" name="_next" value=here.clone()/>
                <label for="refund-amount">{format!("Amount ({currency}, at most {})", d.refundable)}</label>
                <input id="refund-amount" name="amount" type="text" inputmode="decimal" required=true
                    value=d.refundable.clone() autocomplete="off"/>
                <label for="refund-reason">"Reason"</label>
                <input id="refund-reason" name="reason" type="text" required=true maxlength="500"/>
                <button type="submit">"Refund to the trader's bank account"</button>
            </form>
            <p class="hint">"The amount is taken from the trader's available balance and sent back to the account the deposit came from. "{threshold}</p>
        }
    });
    let rows = (!d.refunds.is_empty()).then(|| {
        view! {
            <table data-testid="refunds">
                <thead><tr><th scope="col">"Amount"</th><th scope="col">"Status"</th><th scope="col">"Reason"</th><th scope="col">"Asked by"</th><th scope="col">"Decided by"</th><th scope="col">"Created"</th><th scope="col"></th></tr></thead>
                <tbody>
                    {d.refunds.into_iter().map(|r| view! { <RefundRow r here=here.clone()/> }).collect_view()}
                </tbody>
            </table>
        }
    });
    view! {
        <h2>"Refunds"</h2>
        <p data-testid="refundable">{format!("Left to refund: {} {currency}", d.refundable)}</p>
        {rows}
        {form}
    }
}

#[component]
fn RefundRow(r: RefundView, here: String) -> impl IntoView {
    let pending = r.status == "pending_approval";
    let decide = pending.then(|| {
        view! {
            <ActionButton action=format!("/api/admin/refunds/{}/approve", r.id) next=here.clone() label="Approve" primary=true
                confirm="Send this refund to the payer's bank through Trustly now? It cannot be called back."/>
            <ActionButton action=format!("/api/admin/refunds/{}/deny", r.id) next=here.clone() label="Deny" reason="Why" reason_required=true
                confirm="Deny this refund and give the amount back to the trader's balance?"/>
        }
    });
    let unknown = r.outcome_unknown.then(|| {
        view! { <p class="form-error">"Outcome at Trustly unknown: kept reserved; Kassa checks Trustly's list and sends it again only when it is not there."</p> }
    });
    view! {
        <tr data-refund=r.id.clone()>
            <td>{format!("{} {}", r.amount, r.currency)}</td>
            <td><Status status=r.status/>{unknown}</td>
            <td>{r.reason}</td>
            <td>{r.requested_by_email.unwrap_or(r.requested_by)}</td>
            <td>{r.decided_by_email.or(r.decided_by).unwrap_or_default()}</td>
            <td><Time ms=r.created_at/></td>
            <td>{decide}</td>
        </tr>
    }
}
