//! The notification log: every notification Trustly sent, verified or not.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

#[server(prefix = "/_sf", endpoint = "admin_notifications")]
pub async fn admin_notifications(query: String) -> Result<NotificationList, AppError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::notifications::NotificationQuery = parse_query(&query);
    crate::backoffice::notifications::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let search = search();
    let data = resource(move || search.get(), admin_notifications);
    view! {
        <Title text=t_string!(i18n, admin.notifications.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>{t_string!(i18n, admin.notifications.title)}</h1>
                        <form method="get" action="/admin/notifications" class="filters">
                            <Select name="outcome" label=t_string!(i18n, admin.notifications.outcome) options=std::iter::once((String::new(), t_string!(i18n, admin.any).to_string())).chain(["ok", "flagged", "rejected"].iter().map(|v| (v.to_string(), outcome_word(v)))).collect()/>
                            <TextFilter name="method" label=t_string!(i18n, admin.notifications.method)/>
                            <TextFilter name="order" label=t_string!(i18n, admin.notifications.order)/>
                            <button type="submit" class="primary">{t_string!(i18n, admin.filter)}</button>
                        </form>
                        <p class="actions">
                            <span data-testid="total">{t_string!(i18n, admin.notifications.total, count = list.total).to_string()}</span>
                            <CsvLink api="/api/admin/notifications"/>
                        </p>
                        <NotificationTable rows=list.notifications caption=t_string!(i18n, admin.newest_first)/>
                        <Pager path="/admin/notifications" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}
