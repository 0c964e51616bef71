//! The trader-facing checkout pages (what Trustly shows inside the merchant's
//! iframe): choose bank -> fake bank login -> confirm (with a test panel that
//! picks the notification scenario). Server-rendered, no JavaScript.
//!
//! Every POST answers 303, so a reload never re-submits. The confirm and close
//! forms carry `target="{URLTarget}"`, so the final redirect to SuccessURL /
//! FailURL loads in the frame the merchant asked for. The confirm POST also
//! works on its own (no earlier steps): integration tests drive it directly.

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::delivery::Shape;
use super::html::{checkout_page, esc};
use super::state::{Account, Order, OrderKind, OrderState, State};
use super::Sandbox;

/// A made-up bank with made-up accounts. The last account of each ends in
/// 1111, which makes payouts to it fail (see delivery.rs).
pub(crate) struct Bank {
    id: &'static str,
    name: &'static str,
    country: &'static str,
    clearinghouse: &'static str,
    bank_number: &'static str,
    /// (label, account number)
    accounts: [(&'static str, &'static str); 3],
}

pub(crate) const BANKS: [Bank; 3] = [
    Bank {
        id: "svea",
        name: "Sparbanken Svea",
        country: "Sweden",
        clearinghouse: "SWEDEN",
        bank_number: "8327",
        accounts: [
            ("Everyday account", "9302114821"),
            ("Savings account", "9302115507"),
            ("Account ending in 1111 (payouts fail)", "9302111111"),
        ],
    },
    Bank {
        id: "nordhavn",
        name: "Nordhavn Pankki",
        country: "Finland",
        clearinghouse: "FINLAND",
        bank_number: "",
        accounts: [
            ("Käyttötili (current account)", "FI2179600012344821"),
            ("Säästötili (savings)", "FI2179600012345507"),
            (
                "Account ending in 1111 (payouts fail)",
                "FI2179600012341111",
            ),
        ],
    },
    Bank {
        id: "rhein",
        name: "Rheinische Volksbank",
        country: "Germany",
        clearinghouse: "GERMANY",
        bank_number: "",
        accounts: [
            ("Girokonto (current account)", "DE89370400440532014821"),
            ("Tagesgeld (savings)", "DE89370400440532015507"),
            (
                "Account ending in 1111 (payouts fail)",
                "DE89370400440532011111",
            ),
        ],
    },
];

fn bank_by_id(id: Option<&str>) -> &'static Bank {
    BANKS.iter().find(|b| Some(b.id) == id).unwrap_or(&BANKS[0])
}

/// The bank name RegisterAccount reports for given details.
pub(crate) fn bank_name_for(clearinghouse: &str, bank_number: &str) -> String {
    BANKS
        .iter()
        .find(|b| b.clearinghouse == clearinghouse && b.bank_number == bank_number)
        .map(|b| b.name.to_string())
        .unwrap_or_else(|| format!("Sandbox Bank ({clearinghouse})"))
}

/// The accounts offered at the confirm step: the Trustly Express account
/// first (Attributes.AccountID, if the sandbox knows it), then the bank's.
fn offered_accounts(st: &mut State, order: &Order) -> Vec<(String, Account)> {
    let mut out = Vec::new();
    if let Some(acc) = order
        .attr("AccountID")
        .and_then(|id| st.accounts.get(id))
        .cloned()
    {
        out.push((format!("Your saved account ({})", acc.descriptor()), acc));
    }
    let bank = bank_by_id(order.bank.as_deref());
    for (label, number) in bank.accounts {
        let acc = st.account_for(bank.clearinghouse, bank.bank_number, number, bank.name);
        if !out
            .iter()
            .any(|(_, a): &(String, Account)| a.accountid == acc.accountid)
        {
            out.push((label.to_string(), acc));
        }
    }
    out
}

/// Scenario names of the test panel, with their labels.
const SCENARIOS: [(&str, &str); 8] = [
    ("success", "Success: account, pending, credit"),
    (
        "success_debit",
        "D1: success, then debit right after the credit",
    ),
    (
        "pending",
        "Pending that never settles (cancel later from the orders tool)",
    ),
    ("cancel", "Cancel"),
    (
        "account_before",
        "Account notification first, then pending, credit",
    ),
    (
        "account_after",
        "Pending, credit, then account notification",
    ),
    ("twice", "Success with every notification sent twice"),
    ("reverse", "Success delivered in reverse order"),
];

// --- helpers ---------------------------------------------------------------

fn not_found() -> Response {
    let mut r = checkout_page("Not found", None, "<h1>This payment link is not valid</h1><p class=\"muted\">It may have expired. Please start again.</p>");
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

impl Sandbox {
    fn order_snapshot(&self, orderid: &str) -> Option<Order> {
        self.lock()
            .orders
            .get(orderid)
            .filter(|o| matches!(o.kind, OrderKind::Deposit | OrderKind::SelectAccount))
            .cloned()
    }

    fn step_url(&self, orderid: &str, step: &str) -> String {
        format!("{}/{}", self.checkout_url(orderid), step)
    }

    /// The close control of a page: hidden without a FailURL.
    fn close_of<'a>(&self, order: &'a Order, action: &'a str) -> Option<(&'a str, &'a str)> {
        order.fail_url().map(|_| (action, order.url_target()))
    }

    fn page(&self, order: &Order, title: &str, body: &str) -> Response {
        let action = self.step_url(&order.orderid, "cancel");
        checkout_page(title, self.close_of(order, &action), body)
    }
}

/// A finished or cancelled order: say so, offer nothing to do again.
fn finished_page(order: &Order) -> Response {
    let (title, text) = match order.state {
        OrderState::Cancelled => (
            "Cancelled",
            "This payment was cancelled. You can close this window.",
        ),
        OrderState::AccountSelected => (
            "Done",
            "Your bank account has been selected. You can close this window.",
        ),
        _ => (
            "Done",
            "This payment is complete. You can close this window.",
        ),
    };
    checkout_page(
        title,
        None,
        &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(text)),
    )
}

fn summary(order: &Order) -> String {
    let mut s = String::new();
    if let Some(a) = order.amount {
        s.push_str(&format!(
            r#"<div class="box"><div class="muted">Amount</div><div class="amount">{} {}</div></div>"#,
            esc(&a.to_decimal_string()),
            esc(a.currency.code())
        ));
    }
    s
}

/// Where a finished checkout goes: a 303 to the merchant's URL, or (no URL
/// given) a plain page in the frame.
fn leave(url: Option<&str>, order: &Order) -> Response {
    match url {
        Some(u) => Redirect::to(u).into_response(),
        None => finished_page(order),
    }
}

// --- step 1: bank ------------------------------------------------------------

pub(crate) async fn bank_page(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    let Some(order) = sb.order_snapshot(&orderid) else {
        return not_found();
    };
    if order.checkout_finished() {
        return finished_page(&order);
    }
    let current = bank_by_id(order.bank.as_deref()).id;
    let options: String = BANKS
        .iter()
        .map(|b| {
            format!(
                r#"<label class="opt"><input type="radio" name="bank" value="{}"{}> <span><strong>{}</strong><br><span class="muted">{}</span></span></label>"#,
                esc(b.id),
                if b.id == current { " checked" } else { "" },
                esc(b.name),
                esc(b.country)
            )
        })
        .collect();
    let body = format!(
        r#"<h1>Pay from your bank account</h1>{summary}
<form method="post" action="{action}">
<fieldset style="border:0;padding:0;margin:0"><legend class="muted" style="margin-bottom:8px">Choose your bank</legend>{options}</fieldset>
<button type="submit" class="primary" id="continue">Continue</button>
</form>"#,
        summary = summary(&order),
        action = esc(&sb.step_url(&orderid, "bank")),
    );
    sb.page(&order, "Choose your bank", &body)
}

#[derive(Deserialize)]
pub(crate) struct BankForm {
    bank: Option<String>,
}

pub(crate) async fn bank_submit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
    Form(form): Form<BankForm>,
) -> Response {
    {
        let mut st = sb.lock();
        let Some(order) = st.orders.get_mut(&orderid) else {
            return not_found();
        };
        if !order.checkout_finished() {
            order.bank = Some(bank_by_id(form.bank.as_deref()).id.to_string());
        }
    }
    Redirect::to(&sb.step_url(&orderid, "login")).into_response()
}

// --- step 2: fake bank login --------------------------------------------------

pub(crate) async fn login_page(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    let Some(order) = sb.order_snapshot(&orderid) else {
        return not_found();
    };
    if order.checkout_finished() {
        return finished_page(&order);
    }
    let bank = bank_by_id(order.bank.as_deref());
    let body = format!(
        r#"<h1>Log in to {bank}</h1>
<p class="muted">Sandbox bank: any personal ID works, nothing is checked.</p>
<form method="post" action="{action}">
<div class="box"><label for="personalid">Personal ID</label>
<input type="text" id="personalid" name="personalid" value="19790131-1234" autocomplete="off"></div>
<button type="submit" class="primary" id="login">Log in</button>
</form>"#,
        bank = esc(bank.name),
        action = esc(&sb.step_url(&orderid, "login")),
    );
    sb.page(&order, "Log in to your bank", &body)
}

pub(crate) async fn login_submit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    {
        let mut st = sb.lock();
        let Some(order) = st.orders.get_mut(&orderid) else {
            return not_found();
        };
        if !order.checkout_finished() {
            order.logged_in = true;
        }
    }
    Redirect::to(&sb.step_url(&orderid, "confirm")).into_response()
}

// --- step 3: confirm (+ test panel) --------------------------------------------

pub(crate) async fn confirm_page(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    let (order, accounts) = {
        let mut st = sb.lock();
        let Some(order) = st.orders.get(&orderid).cloned() else {
            return not_found();
        };
        let accounts = offered_accounts(&mut st, &order);
        (order, accounts)
    };
    if !matches!(order.kind, OrderKind::Deposit | OrderKind::SelectAccount) {
        return not_found();
    }
    if order.checkout_finished() {
        return finished_page(&order);
    }
    let account_list: String = accounts
        .iter()
        .enumerate()
        .map(|(i, (label, acc))| {
            format!(
                r#"<label class="opt"><input type="radio" name="account" value="{}"{}> <span>{}<br><span class="muted">{} · {}</span></span></label>"#,
                esc(&acc.accountid),
                if i == 0 { " checked" } else { "" },
                esc(label),
                esc(&acc.bank),
                esc(&acc.descriptor())
            )
        })
        .collect();
    let heading = match order.kind {
        OrderKind::Deposit => "Confirm your payment",
        _ => "Choose your bank account",
    };
    let who = order
        .trader_name()
        .map(|n| {
            format!(
                r#"<div class="box"><div class="muted">Account holder</div><div>{}</div></div>"#,
                esc(&n)
            )
        })
        .unwrap_or_default();
    let scenarios: String = SCENARIOS
        .iter()
        .map(|(v, label)| format!(r#"<option value="{}">{}</option>"#, esc(v), esc(label)))
        .collect();
    let body = format!(
        r#"<h1>{heading}</h1>{summary}{who}
<form method="post" action="{action}" target="{target}">
<fieldset style="border:0;padding:0;margin:0"><legend class="muted" style="margin-bottom:8px">{legend}</legend>{account_list}</fieldset>
<div class="box test"><h2>Set order options (sandbox test panel)</h2>
<label for="scenario" class="muted">What happens after you confirm</label>
<select id="scenario" name="scenario">{scenarios}</select></div>
<button type="submit" class="primary" id="confirm">Confirm</button>
</form>"#,
        heading = esc(heading),
        summary = summary(&order),
        action = esc(&sb.step_url(&orderid, "confirm")),
        target = esc(order.url_target()),
        legend = if order.kind == OrderKind::Deposit {
            "Pay from"
        } else {
            "Account to use"
        },
    );
    sb.page(&order, heading, &body)
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    scenario: Option<String>,
    account: Option<String>,
}

pub(crate) async fn confirm_submit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let scenario = form.scenario.as_deref().unwrap_or("success");
    if !SCENARIOS.iter().any(|(v, _)| *v == scenario) {
        let mut r = checkout_page("Unknown scenario", None, "<h1>Unknown test scenario</h1>");
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    let mut st = sb.lock();
    let Some(order) = st.orders.get(&orderid).cloned() else {
        return not_found();
    };
    if !matches!(order.kind, OrderKind::Deposit | OrderKind::SelectAccount) {
        return not_found();
    }
    if order.checkout_finished() {
        return finished_page(&order);
    }
    let account = form
        .account
        .as_deref()
        .and_then(|id| st.accounts.get(id).cloned())
        .unwrap_or_else(|| offered_accounts(&mut st, &order).remove(0).1);

    let (state, plan, shape) = plan_for(&order, scenario, &account);
    let o = st.orders.get_mut(&orderid).expect("present above");
    o.state = state;
    if state != OrderState::Cancelled {
        o.accountid = Some(account.accountid.clone());
    }
    let done = o.clone();
    tracing::info!(orderid = %orderid, scenario, state = state.as_str(), "sandbox: checkout confirmed");
    sb.enqueue(&mut st, &orderid, plan, shape);
    drop(st);
    if state == OrderState::Cancelled {
        leave(done.fail_url(), &done)
    } else {
        leave(done.success_url(), &done)
    }
}

type Plan = Vec<(&'static str, serde_json::Map<String, serde_json::Value>)>;

/// The notifications a scenario sends, and the order's resulting state.
fn plan_for(order: &Order, scenario: &str, account: &Account) -> (OrderState, Plan, Shape) {
    if scenario == "cancel" {
        return (
            OrderState::Cancelled,
            vec![("cancel", order.cancel_data())],
            Shape::Normal,
        );
    }
    let shape = match scenario {
        "twice" => Shape::Twice,
        "reverse" => Shape::Reverse,
        _ => Shape::Normal,
    };
    let account_n = ("account", order.account_data(account));
    let Some(amount) = order.amount.filter(|_| order.kind == OrderKind::Deposit) else {
        // SelectAccount: every non-cancel scenario selects the account.
        return (OrderState::AccountSelected, vec![account_n], shape);
    };
    let pending = ("pending", order.money_data(amount));
    let credit = ("credit", order.money_data(amount));
    match scenario {
        "success_debit" => {
            let debit = ("debit", order.money_data(amount));
            (
                OrderState::Debited,
                vec![account_n, pending, credit, debit],
                shape,
            )
        }
        "pending" => (OrderState::Pending, vec![account_n, pending], shape),
        "account_after" => (
            OrderState::Credited,
            vec![pending, credit, account_n],
            shape,
        ),
        // success, account_before, twice, reverse
        _ => (
            OrderState::Credited,
            vec![account_n, pending, credit],
            shape,
        ),
    }
}

// --- close (x) ------------------------------------------------------------------

pub(crate) async fn cancel_submit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    let mut st = sb.lock();
    let Some(order) = st.orders.get(&orderid).cloned() else {
        return not_found();
    };
    if !matches!(order.kind, OrderKind::Deposit | OrderKind::SelectAccount) {
        return not_found();
    }
    if order.checkout_finished() {
        return finished_page(&order);
    }
    let o = st.orders.get_mut(&orderid).expect("present above");
    o.state = OrderState::Cancelled;
    let done = o.clone();
    tracing::info!(orderid = %orderid, "sandbox: checkout closed by the trader");
    sb.enqueue(
        &mut st,
        &orderid,
        vec![("cancel", order.cancel_data())],
        Shape::Normal,
    );
    drop(st);
    leave(done.fail_url(), &done)
}
