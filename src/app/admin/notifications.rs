//! The notification log: every notification Trustly sent, verified or not.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;

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
    let search = search();
    let data = resource(move || search.get(), admin_notifications);
    view! {
        <Title text="Notifications · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>"Notification log"</h1>
                        <form method="get" action="/admin/notifications" class="filters">
                            <Select name="outcome" label="Outcome" options=[("", "Any"), ("ok", "ok"), ("flagged", "flagged"), ("rejected", "rejected")].iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()/>
                            <TextFilter name="method" label="Method"/>
                            <TextFilter name="order" label="Order id"/>
                            <button type="submit" class="primary">"Filter"</button>
                        </form>
                        <p class="actions">
                            <span data-testid="total">{format!("{} notifications", list.total)}</span>
                            <CsvLink api="/api/admin/notifications"/>
                        </p>
                        <NotificationTable rows=list.notifications caption="Newest first"/>
                        <Pager path="/admin/notifications" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}
