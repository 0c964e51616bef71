//! The Leptos UI: one `App` shell rendered on the server and hydrated in the
//! browser. Pages read through server functions; forms post to the JSON API.

pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod assets;
pub mod balances;
#[cfg(feature = "hydrate")]
pub mod client;
pub mod codec;
pub mod deposit;
pub mod forms;
pub mod history;
pub mod live;
pub mod pages;
pub mod status_words;
pub mod withdraw;
pub mod withdraw_steps;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute,
    components::{Route, Router, Routes},
    path,
};

use crate::api::error::AppError;
use crate::api::wallet::{MeView, WalletView};
use crate::app::codec::resource;
use deposit::{DepositFailPage, DepositPage, DepositSuccessPage};
use pages::{HomePage, LoginPage, NotFound, RegisterPage, WalletPage};
use withdraw::{BankAccountsPage, WithdrawPage};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    // In the head, which only the server renders: the stylesheet's name
    // may carry its content hash (`assets`).
    #[cfg(feature = "ssr")]
    let css = assets::css_href(&options);
    #[cfg(not(feature = "ssr"))]
    let css = String::new();
    // Back office pages load the admin bundle when the site has one.
    #[cfg(feature = "ssr")]
    let options = assets::bundle_for_page(options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=css/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The CSP of a Kassa page (everything else gets `web::security`'s, which
/// lets nothing run). Scripts need the per-request nonce (Leptos puts it on
/// its hydration script) and `wasm-unsafe-eval` to instantiate the bundle;
/// frames may only show the configured Trustly checkout origin.
#[cfg(feature = "ssr")]
pub fn page_csp(nonce: &str, checkout_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         frame-src {checkout_origin}; frame-ancestors 'self'; form-action 'self' {checkout_origin}; \
         base-uri 'none'; object-src 'none'"
    )
}

/// Every page gets a CSP with this request's nonce (Leptos puts it on its
/// hydration script) and a frame-src of the Trustly checkout origin only.
#[cfg(feature = "ssr")]
fn set_page_csp() {
    use axum::http::{header, HeaderValue};
    let (Some(nonce), Some(state), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<crate::state::AppState>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let csp = page_csp(&nonce.to_string(), &state.config.trustly.checkout_origin);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = resource(|| (), |_| current_user());
    provide_context(me);

    view! {
        <Title text="Kassa"/>
        <Router>
            // First in the tab order: past the header straight to the page
            // (external: the browser, not the router, follows a fragment and
            // moves the focus there).
            <a class="skip-link" href="#main" rel="external">"Skip to content"</a>
            <Header/>
            <main id="main" tabindex="-1">
                <FrozenBanner/>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route path=path!("/wallet") view=WalletPage/>
                    <Route path=path!("/wallet/history") view=history::HistoryPage/>
                    <Route path=path!("/account") view=account::AccountPage/>
                    <Route path=path!("/forgot-password") view=account::ForgotPasswordPage/>
                    <Route path=path!("/reset-password") view=account::ResetPasswordPage/>
                    <Route path=path!("/wallet/transactions/:id") view=history::TransactionPage/>
                    <AdminRoutes/>
                    <Route path=path!("/deposit") view=DepositPage/>
                    <Route path=path!("/deposit/success") view=DepositSuccessPage/>
                    <Route path=path!("/deposit/fail") view=DepositFailPage/>
                    <Route path=path!("/bank-accounts") view=BankAccountsPage/>
                    <Route path=path!("/withdraw") view=WithdrawPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// The back office's routes, only where its pages are (`admin-pages`: the
/// server, the admin bundle). Its pages render whole before the first
/// byte, so the 403 a non-admin gets is the response's status.
#[cfg(feature = "admin-pages")]
#[component(transparent)]
fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    use leptos_router::SsrMode;
    view! {
        <Route path=path!("/admin") view=admin::overview::OverviewPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/traders") view=admin::traders::TradersPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/traders/:id") view=admin::traders::TraderPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/orders") view=admin::orders::OrdersPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/orders/:id") view=admin::orders::OrderPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/approvals") view=admin::approvals::ApprovalsPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/notifications") view=admin::notifications::NotificationsPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/audit") view=admin::audit::AuditPage ssr=SsrMode::Async/>
        <Route path=path!("/admin/reconciliation") view=admin::reconciliation::ReconciliationPage ssr=SsrMode::Async/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The trader bundle has no back office: an `/admin` address its router is
/// asked to show (a link without `rel="external"`) is loaded by the
/// browser instead, and the server sends that page with the admin bundle.
#[cfg(not(feature = "admin-pages"))]
#[component(transparent)]
fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/admin") view=FullLoad/>
        <Route path=path!("/admin/*rest") view=FullLoad/>
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "admin-pages"))]
#[component]
fn FullLoad() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    load_in_full();
}

/// Loads the router's address as a new page. Never while hydrating: the
/// server pairs an /admin page only with a bundle that has the back office,
/// so that would be a misbuilt site, and loading again would loop.
#[cfg(all(feature = "hydrate", not(feature = "admin-pages")))]
fn load_in_full() {
    if Owner::current_shared_context().is_some_and(|sc| sc.during_hydration()) {
        return;
    }
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let hash = location.hash.get_untracked();
    let to = match search.is_empty() {
        true => format!("{path}{hash}"),
        false => format!("{path}?{search}{hash}"),
    };
    // After the router has put the address in the bar (once this view is
    // ready), so the load takes that history entry instead of adding one.
    set_timeout(
        move || {
            let Some(here) = web_sys::window().map(|w| w.location()) else {
                return;
            };
            let _ = match here.pathname().is_ok_and(|p| p == path) {
                true => here.replace(&to),
                false => here.assign(&to),
            };
        },
        std::time::Duration::ZERO,
    );
}

/// The signed-in user, shared by the header and the pages.
pub type MeResource = Resource<Result<Option<MeView>, AppError>, codec::Json>;

#[component]
fn Header() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <header class="site">
            <a class="brand" href="/">"Kassa"</a>
            <nav aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(user)) => {
                                let admin = user.role == "admin";
                                view! {
                                    <a href="/wallet">"Wallet"</a>
                                    <a href="/account">"Account"</a>
                                    // A whole page load: the back office is in its own bundle.
                                    {admin.then(|| view! { <a href="/admin" rel="external">"Back office"</a> })}
                                    <span class="who" data-testid="signed-in-as">{user.email.clone()}</span>
                                    <form method="post" action="/api/auth/logout" class="inline">
                                        <input type="hidden" name="_next" value="/"/>
                                        <button type="submit" class="link">"Log out"</button>
                                    </form>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/login">"Log in"</a>
                                    <a href="/register">"Sign up"</a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}

/// On every page of a frozen trader: what it means and whom to write to,
/// instead of a bare "no access" when they try to move money.
#[component]
fn FrozenBanner() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) if user.frozen => {
                        let mailto = format!("mailto:{}", user.support_email);
                        Some(view! {
                            <div class="status-banner frozen" role="status" data-testid="frozen-banner">
                                <strong>"Your account is frozen."</strong>
                                " You can see your money, but deposits and withdrawals are paused until our support team has looked at your account. Write to "
                                <a href=mailto>{user.support_email}</a>
                                " and we will tell you what we need."
                            </div>
                        })
                    }
                    _ => None,
                }
            })}
        </Suspense>
    }
}

/// For server functions: the app state and the signed-in user, if any.
#[cfg(feature = "ssr")]
pub async fn signed_in() -> Result<
    (
        crate::state::AppState,
        Option<crate::traders::service::User>,
    ),
    AppError,
> {
    let state = expect_context::<crate::state::AppState>();
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("reading the session", e))?;
    let user = state.signed_in_user(&session).await?;
    Ok((state, user))
}

/// A server function's error, with the page's HTTP status set to match: a
/// "not yours" or "not found" page answers 403 or 404, not 200 with a note.
#[cfg(feature = "ssr")]
pub(crate) fn page_failed(e: impl Into<AppError>) -> AppError {
    let e = e.into();
    if matches!(e, AppError::Forbidden | AppError::NotFound) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(
                axum::http::StatusCode::from_u16(e.status())
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
    e
}

#[server(prefix = "/_sf", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<MeView>, AppError> {
    let (state, user) = signed_in().await?;
    Ok(user
        .as_ref()
        .map(|u| MeView::of(u, &state.config.mail.support)))
}

#[server(prefix = "/_sf", endpoint = "wallet")]
pub async fn load_wallet() -> Result<Option<WalletView>, AppError> {
    let (state, user) = signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    crate::wallet::summary(&state.db, &user.id, state.config.withdrawals.hold_ms)
        .await
        .map(Some)
        .map_err(|e| AppError::internal("loading a wallet", e))
}
