//! The language of the pages: the account's locale, then the switcher's
//! cookie, then `Accept-Language`, then English (`web::language`).

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::common::{Backend, TestApp};

on_both_backends!(
    pages_follow_the_account_then_the_cookie_then_the_browser,
    the_switcher_stores_the_choice_on_the_account,
    an_unknown_language_is_refused_and_changes_nothing,
);

/// `<html lang="…">` of a page as `client` gets it.
async fn lang_of(app: &TestApp, client: &reqwest::Client, path: &str, accept: &str) -> String {
    let html = client
        .get(app.at(path))
        .header(header::ACCEPT_LANGUAGE, accept)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("<html lang=\"").expect("an html tag with lang") + 12;
    html[start..].split('"').next().unwrap().to_string()
}

async fn pages_follow_the_account_then_the_cookie_then_the_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = app.new_client();
    assert_eq!(lang_of(&app, &visitor, "/login", "").await, "en");
    assert_eq!(
        lang_of(&app, &visitor, "/login", "fi-FI,fi;q=0.9,en;q=0.5").await,
        "fi"
    );
    assert_eq!(
        lang_of(&app, &visitor, "/login", "fr, de;q=0.8").await,
        "de"
    );
    // A page outside the routes (a 404) speaks the browser's language too.
    assert_eq!(lang_of(&app, &visitor, "/no/such/page", "sv").await, "sv");

    // The switcher's cookie beats the browser.
    let res = app
        .post(&visitor, "/api/language", json!({"language": "sv"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("kassa_lang=sv;"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(lang_of(&app, &visitor, "/login", "fi").await, "sv");

    // The account beats both: this trader signed up with sv_SE.
    let trader = app.trader("lang@example.com").await;
    assert_eq!(lang_of(&app, &trader, "/wallet", "de").await, "sv");
    let html = trader
        .get(app.at("/wallet"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Din plånbok"), "{html}");
}

async fn the_switcher_stores_the_choice_on_the_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let trader = app.trader("switch@example.com").await;
    // A form post (no JavaScript) comes back to the page it names.
    let res = trader
        .post(app.at("/api/language"))
        .header(header::ORIGIN, app.url.clone())
        .form(&[
            ("language", "de"),
            ("_next", "/wallet/history?kind=deposit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/wallet/history?kind=deposit"
    );
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("kassa_lang=de;"));
    let me: Value = app.get(&trader, "/api/me").await.json().await.unwrap();
    assert_eq!(me["locale"], "de_DE");
    assert_eq!(lang_of(&app, &trader, "/wallet", "en").await, "de");

    // A locale of the chosen language already on the account is kept.
    let res = app
        .post(&trader, "/api/account/locale", json!({"locale": "sv_FI"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.post(&trader, "/api/language", json!({"language": "sv"}))
        .await;
    let me: Value = app.get(&trader, "/api/me").await.json().await.unwrap();
    assert_eq!(me["locale"], "sv_FI");

    // Another device, no cookie: the account decides.
    let other = app.new_client();
    let res = app
        .login(&other, "switch@example.com", crate::common::PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(lang_of(&app, &other, "/wallet", "de").await, "sv");
}

async fn an_unknown_language_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let trader = app.trader("nolang@example.com").await;
    for bad in ["xx", "sv_SE", "", "SV"] {
        let res = app
            .post(&trader, "/api/language", json!({"language": bad}))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.headers().get(header::SET_COOKIE).is_none(), "{bad}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"], "language", "{bad}");
    }
    let me: Value = app.get(&trader, "/api/me").await.json().await.unwrap();
    assert_eq!(me["locale"], "sv_SE");
}
