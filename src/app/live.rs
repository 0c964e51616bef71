//! Live updates: the server pushes a `wallet` event (Server-Sent Events)
//! whenever a notification changed this trader's money; pages bump a
//! version signal and their resources refetch. EventSource reconnects by
//! itself; if the browser has none, a slow poll keeps the page honest.

use leptos::prelude::*;

/// A counter that changes whenever the wallet may have changed.
pub fn wallet_version() -> RwSignal<u32> {
    version_from(Signal::stored("/api/wallet/events".to_string()))
}

/// The same for the back office's page of order `id`: it changes whenever
/// the order's trader's money or orders may have changed.
/// Follows `id` when the page moves to another order.
pub fn order_version(id: Signal<String>) -> RwSignal<u32> {
    version_from(Signal::derive(move || {
        format!("/api/admin/orders/{}/events", id.get())
    }))
}

/// The stream is re-opened (and the old one closed) when `url` changes.
fn version_from(url: Signal<String>) -> RwSignal<u32> {
    let version = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| subscribe(version, &url.get()));
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
    version
}

#[cfg(feature = "hydrate")]
fn subscribe(version: RwSignal<u32>, url: &str) {
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{closure::Closure, JsCast};

    let bump = move || {
        let _ = version.try_update(|v| *v = v.wrapping_add(1));
    };
    match web_sys::EventSource::new(url) {
        Ok(source) => {
            let on_event = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| bump());
            let _ = source
                .add_event_listener_with_callback("wallet", on_event.as_ref().unchecked_ref());
            // Changes between the server render and this subscription (or
            // during a reconnect) sent no event we could hear: re-read once
            // whenever the stream (re)opens.
            let _ =
                source.add_event_listener_with_callback("open", on_event.as_ref().unchecked_ref());
            on_event.forget();
            let source = SendWrapper::new(source);
            on_cleanup(move || source.close());
        }
        Err(_) => {
            // Fallback only: no EventSource in this browser.
            if let Ok(handle) = set_interval_with_handle(bump, std::time::Duration::from_secs(5)) {
                on_cleanup(move || handle.clear());
            }
        }
    }
}
