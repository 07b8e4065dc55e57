//! Authentication, roles, CSRF, throttling, tokens.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth};

const VISIT: &str = r#"{"date": "2026-03-02", "payer": "medicare",
  "services": [{"code": "97110", "minutes": 23}]}"#;

#[tokio::test]
async fn coding_refuses_anonymous_and_bad_tokens() {
    let app = spawn_app().await;
    let res = app
        .post_json("/api/v1/visits/code", &Auth::None, VISIT)
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.json()["error"]["code"], "unauthenticated");
    let res = app
        .post_json(
            "/api/v1/visits/code",
            &Auth::Token("otb_nope".into()),
            VISIT,
        )
        .await;
    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn session_writes_need_the_csrf_header() {
    let app = spawn_app().await;
    let s = app.session_for("thera", Role::Therapist).await;
    let res = app.post_json("/api/v1/visits/code", &s, VISIT).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .post_json("/api/v1/visits/code", &s.without_csrf(), VISIT)
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.json()["error"]["code"], "csrf");
    // Reads need no CSRF token.
    let res = app.get("/api/v1/me", &s.without_csrf()).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["role"], "therapist");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_strict() {
    let app = spawn_app().await;
    app.add_user("bill", Role::Biller);
    let body =
        serde_json::json!({"username": "bill", "password": crate::helpers::PASSWORD}).to_string();
    let res = app.post_json("/api/v1/session", &Auth::None, &body).await;
    let cookie = res.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
}

#[tokio::test]
async fn sign_in_is_throttled_after_repeated_failures() {
    let app = spawn_app().await;
    app.add_user("bill", Role::Biller);
    let wrong = r#"{"username": "bill", "password": "not the password"}"#;
    for _ in 0..5 {
        let res = app.post_json("/api/v1/session", &Auth::None, wrong).await;
        assert_eq!(res.status, 400, "{}", res.body);
        assert_eq!(res.json()["error"]["field"], "password");
    }
    let res = app.post_json("/api/v1/session", &Auth::None, wrong).await;
    assert_eq!(res.status, 429);
    assert!(res.header("retry-after").is_some());
    // Even the right password is refused while the name is locked.
    let right =
        serde_json::json!({"username": "bill", "password": crate::helpers::PASSWORD}).to_string();
    let res = app.post_json("/api/v1/session", &Auth::None, &right).await;
    assert_eq!(res.status, 429);
}

#[tokio::test]
async fn admin_manages_users_and_tokens_others_cannot() {
    let app = spawn_app().await;
    let admin = app.session_for("root", Role::Admin).await;
    let biller = app.session_for("bill", Role::Biller).await;
    let new = r#"{"username": "emr-bot", "role": "therapist", "password": "0123456789ab"}"#;
    let res = app.post_json("/api/v1/users", &biller, new).await;
    assert_eq!(res.status, 403);
    let res = app.post_json("/api/v1/users", &admin, new).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = app.post_json("/api/v1/users", &admin, new).await;
    assert_eq!(res.status, 409);
    let short = r#"{"username": "x", "role": "biller", "password": "short"}"#;
    let res = app.post_json("/api/v1/users", &admin, short).await;
    assert_eq!(res.json()["error"]["field"], "password");

    let res = app
        .post_json(
            "/api/v1/tokens",
            &admin,
            r#"{"username": "emr-bot", "label": "EMR"}"#,
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v = res.json();
    let token = Auth::Token(v["token"].as_str().unwrap_or_default().to_owned());
    let id = v["id"].as_i64().unwrap_or_default();
    assert_eq!(
        app.post_json("/api/v1/visits/code", &token, VISIT)
            .await
            .status,
        200
    );
    // The token is stored hashed, never in clear.
    let stored = app
        .raw_db()
        .run_blocking(|c| {
            c.one(
                "SELECT token_hash FROM server_api_tokens WHERE id = $1",
                &[id.into()],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.text(0))
        .unwrap_or_default();
    assert_eq!(stored.len(), 64);
    assert!(!v["token"].as_str().unwrap_or_default().contains(&stored));

    let res = app
        .send(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &[
                ("Cookie", &format!("otbill_session={}", cookie_of(&admin))),
                ("X-CSRF-Token", admin.csrf()),
            ],
            b"",
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(
        app.post_json("/api/v1/visits/code", &token, VISIT)
            .await
            .status,
        401
    );
}

fn cookie_of(a: &Auth) -> String {
    match a {
        Auth::Session { cookie, .. } | Auth::CookieOnly(cookie) => cookie.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn web_sign_in_needs_the_form_token_and_sets_a_strict_cookie() {
    let app = spawn_app().await;
    app.add_user("thera", Role::Therapist);
    let page = app.get("/login", &Auth::None).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").is_some());
    let token = page
        .set_cookie("otbill_login_csrf")
        .unwrap_or_else(|| panic!("no login cookie"));
    assert!(page.body.contains(&format!("value=\"{token}\"")));
    // Without the cookie the form is refused, whatever the field says.
    let res = app
        .post_form(
            "/login",
            &Auth::None,
            &[
                ("csrf", &token),
                ("username", "thera"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
    let form = |password: &str| {
        format!(
            "csrf={token}&username=thera&password={}",
            crate::helpers::urlencode(password)
        )
    };
    let cookie = format!("otbill_login_csrf={token}");
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let res = app
        .send(
            "POST",
            "/login",
            &headers,
            form("wrong password!").as_bytes(),
        )
        .await;
    assert_eq!(res.status, 400);
    assert!(res.body.contains("Wrong user name or password"));
    let res = app
        .send(
            "POST",
            "/login",
            &headers,
            form(crate::helpers::PASSWORD).as_bytes(),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let session = res.set_cookie("otbill_session").unwrap_or_default();
    assert_eq!(session.len(), 64);
    let set = res.header("set-cookie").unwrap_or_default();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    // The session opens the therapist's start page.
    let res = app.get("/", &Auth::CookieOnly(session)).await;
    assert_eq!(res.header("location"), Some("/visits/new"));
}
