//! The audit log: every admin action, append-only.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

#[server(prefix = "/_sf", endpoint = "admin_audit")]
pub async fn admin_audit(query: String) -> Result<AuditList, AppError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::audit::AuditQuery = parse_query(&query);
    crate::backoffice::audit::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let search = search();
    let data = resource(move || search.get(), admin_audit);
    view! {
        <Title text=t_string!(i18n, admin.audit.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>{t_string!(i18n, admin.audit.title)}</h1>
                        <p class="actions">
                            <span data-testid="total">{t_string!(i18n, admin.audit.total, count = list.total).to_string()}</span>
                            <CsvLink api="/api/admin/audit"/>
                        </p>
                        <table>
                            <thead><tr>
                                <th scope="col">{t_string!(i18n, admin.col.when)}</th><th scope="col">{t_string!(i18n, admin.audit.who)}</th><th scope="col">{t_string!(i18n, admin.col.what)}</th>
                                <th scope="col">{t_string!(i18n, admin.audit.on)}</th><th scope="col">{t_string!(i18n, admin.audit.before)}</th><th scope="col">{t_string!(i18n, admin.audit.after)}</th><th scope="col">{t_string!(i18n, admin.audit.why)}</th>
                            </tr></thead>
                            <tbody>
                                {list.entries.into_iter().map(|e| {
                                    let target = match e.target_kind.as_str() {
                                        "trader" => format!("/admin/traders/{}", e.target_id),
                                        _ => format!("/admin/orders/{}", e.target_id),
                                    };
                                    view! {
                                        <tr>
                                            <td><Time ms=e.at/></td>
                                            <td>{e.admin_email}</td>
                                            <td>{e.action}</td>
                                            <td><a href=target>{format!("{} {}", kind_word(&e.target_kind), e.target_id)}</a></td>
                                            <td><code>{e.before.map(|v| v.to_string()).unwrap_or_default()}</code></td>
                                            <td><code>{e.after.map(|v| v.to_string()).unwrap_or_default()}</code></td>
                                            <td>{e.reason.unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager path="/admin/audit" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}
