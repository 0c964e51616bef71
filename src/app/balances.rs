//! The wallet's headline: one card per currency with what is available in
//! large type, and beneath it what may be withdrawn, what is pending and
//! what is reserved, each term explained on hover, focus or tap.

use leptos::prelude::*;

use super::admin::widgets::Time;
use crate::api::wallet::BalanceView;

const AVAILABLE: &str =
    "Your money at Kassa: credited deposits, less withdrawals you have asked for.";
const WITHDRAWABLE: &str =
    "What you can withdraw now: a deposit becomes withdrawable a while after it is credited.";
const PENDING: &str = "Deposits your bank has started but not finished: not yet on your balance.";
const RESERVED: &str =
    "Set aside for withdrawals on their way to your bank: back on your balance if a payout fails.";

#[component]
pub fn Balances(balances: Vec<BalanceView>) -> impl IntoView {
    view! {
        <ul class="balances" aria-label="Balances">
            {balances.into_iter().map(|b| view! { <Balance b/> }).collect_view()}
        </ul>
    }
}

#[component]
fn Balance(b: BalanceView) -> impl IntoView {
    let c = b.currency.clone();
    let withdrawable = b
        .withdrawable
        .clone()
        .unwrap_or_else(|| b.available.clone());
    view! {
        <li class="balance" data-currency=c.clone()>
            <p class="balance-label"><Term id=format!("available-tip-{c}") label="Available" tip=AVAILABLE/></p>
            <p class="balance-main">
                <span class="amount" data-testid=format!("available-{c}")>{b.available}</span>
                " "<span class="currency">{c.clone()}</span>
            </p>
            <dl class="balance-parts">
                <div>
                    <dt><Term id=format!("withdrawable-tip-{c}") label="Withdrawable" tip=WITHDRAWABLE/></dt>
                    <dd class="amount" data-testid=format!("withdrawable-{c}")>{withdrawable}</dd>
                    {b.withdrawable_at.map(|at| view! { <dd class="hint">"the rest from "<Time ms=at/></dd> })}
                </div>
                <div>
                    <dt><Term id=format!("pending-tip-{c}") label="Pending" tip=PENDING/></dt>
                    <dd class="amount" data-testid=format!("pending-{c}")>{b.pending}</dd>
                </div>
                <div>
                    <dt><Term id=format!("reserved-tip-{c}") label="Reserved" tip=RESERVED/></dt>
                    <dd class="amount" data-testid=format!("reserved-{c}")>{b.reserved}</dd>
                </div>
            </dl>
        </li>
    }
}

/// A term whose one-line explanation shows on hover and on focus (a tap
/// focuses it on a phone); screen readers get it as the description.
#[component]
fn Term(id: String, label: &'static str, tip: &'static str) -> impl IntoView {
    let described_by = id.clone();
    view! {
        <span class="term" tabindex="0" aria-describedby=described_by>
            {label}
            <span class="tip" role="tooltip" id=id>{tip}</span>
        </span>
    }
}
