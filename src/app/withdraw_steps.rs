//! The two steps of a withdrawal and the rules shown before either: first
//! the amount, currency and account (a GET form, so the review is a page
//! of its own with or without the bundle), then a review of exactly what
//! will happen before anything is reserved. After the confirm the form is
//! gone: the page shows the withdrawal, and a new one starts from a link.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    deposit::{as_typed, Preset, Presets, PRESETS},
    fmt::{money, number},
    forms::{Field, FormState, HiddenField, JsonForm, SelectField},
    i18n::{t_string, use_i18n},
};
use crate::api::{
    error::AppError,
    format,
    wallet::{BankAccountView, LimitsView, WalletView},
};
use crate::money::{format_minor, Currency, Money};

#[server(prefix = "/_sf", endpoint = "limits")]
pub async fn load_limits() -> Result<Option<LimitsView>, AppError> {
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
    let balances = crate::wallet::summary(&state.db, &user.id, w.hold_ms, 0)
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
    let i18n = use_i18n();
    let bank = a
        .bank
        .clone()
        .unwrap_or_else(|| t_string!(i18n, withdraw.bank_account).to_string());
    match (&a.descriptor, &a.last_digits) {
        (Some(d), _) => format!("{bank} {d}"),
        (None, Some(l)) => format!("{bank} ···{l}"),
        (None, None) => bank,
    }
}

/// The rules, before the trader types.
#[component]
pub fn WithdrawalRules(limits: LimitsView) -> impl IntoView {
    let i18n = use_i18n();
    let left = limits
        .left_today
        .iter()
        .map(|(c, a)| money(a, c))
        .collect::<Vec<_>>()
        .join(", ");
    let (min, max) = (
        number(&limits.withdrawal_min),
        number(&limits.withdrawal_max),
    );
    let daily = number(&limits.withdrawal_daily_max);
    let daily = if left.is_empty() {
        t_string!(i18n, withdraw.rules_daily, max = daily).to_string()
    } else {
        t_string!(i18n, withdraw.rules_daily_left, max = daily, left).to_string()
    };
    let approval = number(&limits.approval_above);
    view! {
        <ul class="rules" data-testid="withdraw-rules">
            <li>{t_string!(i18n, withdraw.rules_range, min, max).to_string()}</li>
            <li>{daily}</li>
            <li>{t_string!(i18n, withdraw.rules_approval, amount = approval).to_string()}</li>
        </ul>
    }
}

/// A decimal the server wrote ("20.00", "0.00", "5000") in minor units.
fn minor_units(s: &str, c: Currency) -> Option<i64> {
    match Money::parse_user(s, c) {
        Ok(m) => Some(m.minor),
        // The parser refuses zero (nobody withdraws nothing), which a
        // balance or what is left today can be.
        Err(_) if !s.is_empty() && s.chars().all(|ch| ch == '0' || ch == '.') => Some(0),
        Err(_) => None,
    }
}

/// What of a balance can go out in one withdrawal now: the withdrawable
/// amount, within the limits of one withdrawal and of what is left today.
fn most_now(withdrawable: i64, currency: &str, c: Currency, limits: Option<&LimitsView>) -> i64 {
    let Some(l) = limits else {
        return withdrawable;
    };
    let left_today = l
        .left_today
        .iter()
        .find(|(code, _)| code == currency)
        .and_then(|(_, a)| minor_units(a, c));
    [minor_units(&l.withdrawal_max, c), left_today]
        .into_iter()
        .flatten()
        .fold(withdrawable, i64::min)
}

/// Amounts offered with one tap, as (amount, currency): the deposit page's
/// presets that fit (never above what can be withdrawn now, never below one
/// withdrawal's minimum), then the most that can go out now, for each
/// currency with money to withdraw.
pub fn preset_amounts(wallet: &WalletView, limits: Option<&LimitsView>) -> Vec<(String, String)> {
    let mut presets = Vec::new();
    for b in &wallet.balances {
        let Ok(c) = b.currency.parse::<Currency>() else {
            continue;
        };
        let withdrawable = b.withdrawable.as_deref().unwrap_or(&b.available);
        let Some(withdrawable) = minor_units(withdrawable, c) else {
            continue;
        };
        let most = most_now(withdrawable, &b.currency, c, limits);
        let least = limits
            .and_then(|l| minor_units(&l.withdrawal_min, c))
            .map_or(1, |m| m.max(1));
        if most < least {
            continue;
        }
        let fixed = PRESETS
            .iter()
            .filter_map(|p| minor_units(p, c))
            .filter(|&m| m >= least && m < most);
        for minor in fixed.chain([most]) {
            presets.push((format_minor(minor, c), b.currency.clone()));
        }
    }
    presets
}

/// [`preset_amounts`] as chips: each fills in its amount and currency.
fn withdraw_presets(wallet: &WalletView, limits: Option<&LimitsView>) -> Vec<Preset> {
    preset_amounts(wallet, limits)
        .into_iter()
        .map(|(amount, currency)| Preset {
            href: format!(
                "/withdraw?amount={}&currency={}",
                format::url_component(&amount),
                format::url_component(&currency)
            ),
            text: money(&amount, &currency),
            amount: as_typed(&amount),
            currency: Some(currency),
        })
        .collect()
}

/// Step one: amount, currency (only those with money to withdraw), account.
#[component]
pub fn AmountStep(
    wallet: WalletView,
    accounts: Vec<BankAccountView>,
    limits: Option<LimitsView>,
    typed: Typed,
) -> impl IntoView {
    // Field and SelectField show errors from a form state; this form has
    // none of its own (the review step's post reports them).
    provide_context(FormState::new());
    let i18n = use_i18n();
    let presets = withdraw_presets(&wallet, limits.as_ref());
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
        <Presets presets/>
        <form method="get" action="/withdraw" class="withdraw-amount">
            <input type="hidden" name="review" value="1"/>
            <Field name="amount" label=t_string!(i18n, withdraw.amount) hint=t_string!(i18n, withdraw.amount_hint) inputmode="decimal" value=typed.amount/>
            <SelectField name="currency" label=t_string!(i18n, withdraw.currency) options=currencies selected=selected/>
            <SelectField name="bank_account_id" label=t_string!(i18n, withdraw.to_account) options=choices selected=typed.account/>
            <button type="submit" class="primary">{t_string!(i18n, withdraw.review)}</button>
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
    let i18n = use_i18n();
    let account = accounts
        .iter()
        .find(|a| a.id == typed.account)
        .map(account_label)
        .unwrap_or_else(|| t_string!(i18n, withdraw.not_yours).to_string());
    let shown = shown_amount(&typed.amount, &typed.currency);
    let approval = limits.map(|l| {
        let amount = money(&l.approval_above, &typed.currency);
        t_string!(i18n, withdraw.review_approval, amount).to_string()
    });
    let change = format!("/withdraw?{}", typed.query());
    view! {
        <div class="review" data-testid="withdraw-review">
            <h2>{t_string!(i18n, withdraw.check)}</h2>
            <dl class="facts">
                <div class="fact"><dt>{t_string!(i18n, withdraw.amount)}</dt><dd data-testid="review-amount">{shown}</dd></div>
                <div class="fact"><dt>{t_string!(i18n, withdraw.to)}</dt><dd data-testid="review-account">{account}</dd></div>
                <div class="fact"><dt>{t_string!(i18n, withdraw.arrives)}</dt><dd>{t_string!(i18n, withdraw.arrives_when)}</dd></div>
            </dl>
            {approval.map(|a| view! { <p class="hint">{a}</p> })}
            <p class="hint">{t_string!(i18n, withdraw.set_aside)}</p>
            <JsonForm action="/api/withdrawals" next="/withdraw" submit_label=t_string!(i18n, withdraw.confirm) on_success=on_created>
                <HiddenField name="amount" value=typed.amount.clone()/>
                <HiddenField name="currency" value=typed.currency.clone()/>
                <HiddenField name="bank_account_id" value=typed.account.clone()/>
            </JsonForm>
            <p><a href=change rel="external">{t_string!(i18n, withdraw.change)}</a></p>
        </div>
    }
}

/// The typed amount as the page writes money: read as the server reads it
/// ("100,50", "100.5"), shown as typed when it is no amount at all (the
/// confirm's answer then says what is wrong).
fn shown_amount(typed: &str, currency: &str) -> String {
    match currency.parse::<Currency>() {
        Ok(c) => match Money::parse_user(typed, c) {
            Ok(m) => money(&m.to_decimal_string(), currency),
            Err(_) => format!("{typed} {currency}"),
        },
        Err(_) => format!("{typed} {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wallet::BalanceView;

    fn balance(currency: &str, available: &str, withdrawable: Option<&str>) -> BalanceView {
        BalanceView {
            currency: currency.into(),
            available: available.into(),
            reserved: "0.00".into(),
            pending: "0.00".into(),
            withdrawable: withdrawable.map(str::to_string),
            withdrawable_at: None,
        }
    }

    fn wallet(balances: Vec<BalanceView>) -> WalletView {
        WalletView {
            balances,
            transactions: Vec::new(),
        }
    }

    fn limits(left_today: &[(&str, &str)]) -> LimitsView {
        LimitsView {
            deposit_min: "1.00".into(),
            deposit_max: "10000.00".into(),
            withdrawal_min: "10.00".into(),
            withdrawal_max: "300.00".into(),
            withdrawal_daily_max: "1000.00".into(),
            approval_above: "5000.00".into(),
            left_today: left_today
                .iter()
                .map(|(c, a)| (c.to_string(), a.to_string()))
                .collect(),
        }
    }

    fn amounts(presets: &[(String, String)], currency: &str) -> Vec<String> {
        presets
            .iter()
            .filter(|(_, c)| c == currency)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Never above what is withdrawable (not the available balance: money
    /// still held is not offered), the most last.
    #[test]
    fn presets_stop_at_what_is_withdrawable() {
        let w = wallet(vec![balance("EUR", "400.00", Some("120.50"))]);
        let p = preset_amounts(&w, None);
        assert_eq!(amounts(&p, "EUR"), ["50.00", "100.00", "120.50"]);
        let w = wallet(vec![balance("EUR", "40.00", None)]);
        assert_eq!(amounts(&preset_amounts(&w, None), "EUR"), ["40.00"]);
    }

    /// One withdrawal's maximum and what is left today cap them too; below
    /// the minimum nothing is offered, and a currency with nothing to
    /// withdraw has no chips.
    #[test]
    fn presets_keep_to_the_limits() {
        let w = wallet(vec![
            balance("EUR", "2000.00", None),
            balance("SEK", "900.00", None),
            balance("NOK", "5.00", None),
            balance("DKK", "0.00", None),
        ]);
        let l = limits(&[("EUR", "1000.00"), ("SEK", "0.00"), ("NOK", "1000.00")]);
        let p = preset_amounts(&w, Some(&l));
        assert_eq!(amounts(&p, "EUR"), ["50.00", "100.00", "250.00", "300.00"]);
        assert!(amounts(&p, "SEK").is_empty(), "nothing left today");
        assert!(amounts(&p, "NOK").is_empty(), "below the minimum");
        assert!(amounts(&p, "DKK").is_empty());
        let l = limits(&[("EUR", "75.00")]);
        let p = preset_amounts(&w, Some(&l));
        assert_eq!(amounts(&p, "EUR"), ["50.00", "75.00"]);
    }
}
