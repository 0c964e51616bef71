//! The two steps of a withdrawal and the rules shown before either: first
//! the amount, currency and account (a GET form, so the review is a page
//! of its own with or without the bundle), then a review of exactly what
//! will happen before anything is reserved. After the confirm the form is
//! gone: the page shows the withdrawal, and a new one starts from a link.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::forms::{Field, FormState, HiddenField, JsonForm, SelectField};
use crate::api::{
    error::AppError,
    format,
    wallet::{BankAccountView, LimitsView, WalletView},
};

#[server(prefix = "/_sf", endpoint = "limits")]
pub async fn load_limits() -> Result<Option<LimitsView>, AppError> {
    use crate::money::{format_minor, Currency, Money};
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    let (d, w) = (&state.config.deposits, &state.config.withdrawals);
    let daily = |c: Currency| {
        Money::parse_user(&w.daily_max, c)
            .map(|m| m.minor)
            .unwrap_or(0)
    };
    let mut left_today = Vec::new();
    let balances = crate::wallet::summary(&state.db, &user.id, w.hold_ms)
        .await
        .map_err(|e| AppError::internal("loading limits", e))?
        .balances;
    for b in balances {
        let Ok(c) = b.currency.parse::<Currency>() else {
            continue;
        };
        let used = crate::wallet::withdrawals::withdrawn_today(
            &state.db.pool,
            &user.id,
            c,
            crate::db::now_ms(),
        )
        .await
        .map_err(|e| AppError::internal("loading limits", e))?;
        left_today.push((b.currency, format_minor((daily(c) - used).max(0), c)));
    }
    Ok(Some(LimitsView {
        deposit_min: d.min.clone(),
        deposit_max: d.max.clone(),
        withdrawal_min: w.min.clone(),
        withdrawal_max: w.max.clone(),
        withdrawal_daily_max: w.daily_max.clone(),
        approval_above: w.approval_above.clone(),
        left_today,
    }))
}

/// What the trader typed in the first step, from the query string.
#[derive(Clone, Debug, Default)]
pub struct Typed {
    pub amount: String,
    pub currency: String,
    pub account: String,
}

impl Typed {
    pub fn from_query() -> (Typed, bool) {
        let q = use_query_map().get_untracked();
        let get = |k: &str| q.get(k).unwrap_or_default();
        let typed = Typed {
            amount: get("amount"),
            currency: get("currency"),
            account: get("bank_account_id"),
        };
        (typed, q.get("review").is_some())
    }

    fn query(&self) -> String {
        format!(
            "amount={}&currency={}&bank_account_id={}",
            format::url_component(&self.amount),
            format::url_component(&self.currency),
            format::url_component(&self.account)
        )
    }
}

/// "Sparbanken Svea ···4821" or whatever Trustly let us show.
pub fn account_label(a: &BankAccountView) -> String {
    let bank = a.bank.clone().unwrap_or_else(|| "Bank account".into());
    match (&a.descriptor, &a.last_digits) {
        (Some(d), _) => format!("{bank} {d}"),
        (None, Some(l)) => format!("{bank} ···{l}"),
        (None, None) => bank,
    }
}

/// The rules, before the trader types.
#[component]
pub fn WithdrawalRules(limits: LimitsView) -> impl IntoView {
    let left = limits
        .left_today
        .iter()
        .map(|(c, a)| crate::app::fmt::money(a, c))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <ul class="rules" data-testid="withdraw-rules">
            <li>{format!("From {} to {} at a time.", limits.withdrawal_min, limits.withdrawal_max)}</li>
            <li>{format!("Up to {} a day per currency", limits.withdrawal_daily_max)}
                {(!left.is_empty()).then(|| format!("; left today: {left}."))}</li>
            <li>{format!("Above {}, our team approves the withdrawal first (usually within one working day).", limits.approval_above)}</li>
        </ul>
    }
}

/// Step one: amount, currency (only those with money to withdraw), account.
#[component]
pub fn AmountStep(
    wallet: WalletView,
    accounts: Vec<BankAccountView>,
    typed: Typed,
) -> impl IntoView {
    // Field and SelectField show errors from a form state; this form has
    // none of its own (the review step's post reports them).
    provide_context(FormState::new());
    let held: Vec<(String, String)> = wallet
        .balances
        .iter()
        .filter(|b| b.withdrawable.as_deref().unwrap_or(&b.available) != "0.00")
        .map(|b| (b.currency.clone(), b.currency.clone()))
        .collect();
    let currencies = if held.is_empty() {
        vec![("EUR".to_string(), "EUR".to_string())]
    } else {
        held
    };
    let selected = if typed.currency.is_empty() {
        currencies[0].0.clone()
    } else {
        typed.currency.clone()
    };
    let choices = accounts
        .iter()
        .map(|a| (a.id.clone(), account_label(a)))
        .collect::<Vec<_>>();
    view! {
        <form method="get" action="/withdraw" class="withdraw-amount">
            <input type="hidden" name="review" value="1"/>
            <Field name="amount" label="Amount" hint="For example 60.00 or 60,00" inputmode="decimal" value=typed.amount/>
            <SelectField name="currency" label="Currency" options=currencies selected=selected/>
            <SelectField name="bank_account_id" label="To account" options=choices selected=typed.account/>
            <button type="submit" class="primary">"Review"</button>
        </form>
    }
}

/// Step two: what will happen, then the confirm that reserves the money.
#[component]
pub fn ReviewStep(
    typed: Typed,
    accounts: Vec<BankAccountView>,
    limits: Option<LimitsView>,
    on_created: Callback<serde_json::Value>,
) -> impl IntoView {
    let account = accounts
        .iter()
        .find(|a| a.id == typed.account)
        .map(account_label)
        .unwrap_or_else(|| "an account that is not yours".into());
    let shown = crate::app::fmt::money(&typed.amount.replace(',', "."), &typed.currency);
    let approval = limits.map(|l| {
        format!(
            "Above {} {} our team approves it first, usually within one working day.",
            l.approval_above, typed.currency
        )
    });
    let change = format!("/withdraw?{}", typed.query());
    view! {
        <div class="review" data-testid="withdraw-review">
            <h2>"Check your withdrawal"</h2>
            <dl class="facts">
                <div class="fact"><dt>"Amount"</dt><dd data-testid="review-amount">{shown}</dd></div>
                <div class="fact"><dt>"To"</dt><dd data-testid="review-account">{account}</dd></div>
                <div class="fact"><dt>"Arrives"</dt><dd>"Usually within a banking day, paid by Trustly."</dd></div>
            </dl>
            {approval.map(|a| view! { <p class="hint">{a}</p> })}
            <p class="hint">"The amount is set aside from your available balance as soon as you confirm."</p>
            <JsonForm action="/api/withdrawals" next="/withdraw" submit_label="Confirm withdrawal" on_success=on_created>
                <HiddenField name="amount" value=typed.amount.clone()/>
                <HiddenField name="currency" value=typed.currency.clone()/>
                <HiddenField name="bank_account_id" value=typed.account.clone()/>
            </JsonForm>
            <p><a href=change rel="external">"Change"</a></p>
        </div>
    }
}
