//! The wallet's headline: one card per currency with what is available in
//! large type, and beneath it what may be withdrawn, what is pending and
//! what is reserved, each term explained on hover, focus or tap.

use leptos::prelude::*;

use super::{
    admin::widgets::Time,
    fmt::number,
    i18n::{t_string, use_i18n},
};
use crate::api::wallet::BalanceView;

#[component]
pub fn Balances(balances: Vec<BalanceView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="balances" aria-label=t_string!(i18n, wallet.balances)>
            {balances.into_iter().map(|b| view! { <Balance b/> }).collect_view()}
        </ul>
    }
}

#[component]
fn Balance(b: BalanceView) -> impl IntoView {
    let i18n = use_i18n();
    let c = b.currency.clone();
    let withdrawable = b
        .withdrawable
        .clone()
        .unwrap_or_else(|| b.available.clone());
    view! {
        <li class="balance" data-currency=c.clone()>
            <p class="balance-label"><Term id=format!("available-tip-{c}") label=t_string!(i18n, wallet.available) tip=t_string!(i18n, wallet.available_tip)/></p>
            <p class="balance-main">
                <span class="amount" data-testid=format!("available-{c}")>{number(&b.available)}</span>
                " "<span class="currency">{c.clone()}</span>
            </p>
            <dl class="balance-parts">
                <div>
                    <dt><Term id=format!("withdrawable-tip-{c}") label=t_string!(i18n, wallet.withdrawable) tip=t_string!(i18n, wallet.withdrawable_tip)/></dt>
                    <dd class="amount" data-testid=format!("withdrawable-{c}")>{number(&withdrawable)}</dd>
                    {b.withdrawable_at.map(|at| view! { <dd class="hint">{t_string!(i18n, wallet.rest_from)}" "<Time ms=at/></dd> })}
                </div>
                <div>
                    <dt><Term id=format!("pending-tip-{c}") label=t_string!(i18n, wallet.pending) tip=t_string!(i18n, wallet.pending_tip)/></dt>
                    <dd class="amount" data-testid=format!("pending-{c}")>{number(&b.pending)}</dd>
                </div>
                <div>
                    <dt><Term id=format!("reserved-tip-{c}") label=t_string!(i18n, wallet.reserved) tip=t_string!(i18n, wallet.reserved_tip)/></dt>
                    <dd class="amount" data-testid=format!("reserved-{c}")>{number(&b.reserved)}</dd>
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
