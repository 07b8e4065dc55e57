//! Account and access changes are audited: users created, API tokens issued and revoked,
//! a user's rendering provider link, over the API and the admin page alike; one entry per
//! change, ids only, never a password, a token or its hash; refused attempts write nothing.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth, TestApp, LOGS};

/// The audit log's entries about `resource`, oldest first.
async fn entries(app: &TestApp, admin: &Auth, resource: &str) -> Vec<serde_json::Value> {
    let log = app.get("/api/v1/audit?limit=5000", admin).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let mut out: Vec<serde_json::Value> = log
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["resource"] == resource)
        .collect();
    out.reverse();
    out
}

fn assert_entry(e: &serde_json::Value, action: &str, id: i64, route: &str, who: &str) {
    assert_eq!(e["action"], action, "{e}");
    assert_eq!(e["resource_id"], id.to_string(), "{e}");
    assert_eq!(e["route"], route, "{e}");
    assert_eq!(e["username"], who, "{e}");
    assert!(e["patient_id"].is_null(), "{e}");
}

fn token_hash(app: &TestApp, id: i64) -> String {
    app.raw_db()
        .run_blocking(move |c| {
            c.one(
                "SELECT token_hash FROM server_api_tokens WHERE id = $1",
                &[id.into()],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.text(0))
        .unwrap_or_else(|| panic!("token {id} stored"))
}

#[tokio::test]
async fn user_and_token_changes_write_one_audit_entry_each() {
    let app = spawn_app().await;
    let admin = app.session_for("root", Role::Admin).await;
    let biller = app.session_for("bill", Role::Biller).await;
    let api_password = "pw-AUDITCHECK-api-4711";
    let web_password = "pw-AUDITCHECK-web-4712";

    // A non-admin's attempt is a 403 and, like every role refusal of a route without
    // patient data, is not audited; neither is a refused (409, 400) creation.
    let new =
        serde_json::json!({"username": "emr-bot", "role": "therapist", "password": api_password})
            .to_string();
    assert_eq!(
        app.post_json("/api/v1/users", &biller, &new).await.status,
        403
    );
    assert!(entries(&app, &admin, "user").await.is_empty());

    let res = app.post_json("/api/v1/users", &admin, &new).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let bot = res.json()["id"].as_i64().unwrap_or_default();
    assert_eq!(
        app.post_json("/api/v1/users", &admin, &new).await.status,
        409
    );
    let short = r#"{"username": "shorty", "role": "biller", "password": "short"}"#;
    assert_eq!(
        app.post_json("/api/v1/users", &admin, short).await.status,
        400
    );
    let users = entries(&app, &admin, "user").await;
    assert_eq!(users.len(), 1, "{users:?}");
    assert_entry(&users[0], "create", bot, "/api/v1/users", "root");

    // The same change from the admin page.
    let res = app
        .post_form(
            "/admin/users",
            &admin,
            &[
                ("username", "front-desk"),
                ("role", "biller"),
                ("password", web_password),
                ("csrf", admin.csrf()),
            ],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let desk = app
        .raw_db()
        .run_blocking(|c| {
            c.one(
                "SELECT id FROM server_users WHERE username = 'front-desk'",
                &[],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.int(0))
        .unwrap_or_else(|| panic!("front-desk created"));
    let users = entries(&app, &admin, "user").await;
    assert_eq!(users.len(), 2, "{users:?}");
    assert_entry(&users[1], "create", desk, "/admin/users", "root");

    // Tokens: issued over the API, refused for a non-admin or an unknown user.
    let body = r#"{"username": "emr-bot", "label": "EMR"}"#;
    assert_eq!(
        app.post_json("/api/v1/tokens", &biller, body).await.status,
        403
    );
    let res = app
        .post_json(
            "/api/v1/tokens",
            &admin,
            r#"{"username": "nobody", "label": "EMR"}"#,
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app.post_json("/api/v1/tokens", &admin, body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let api_token = res.json()["token"].as_str().unwrap_or_default().to_owned();
    let api_token_id = res.json()["id"].as_i64().unwrap_or_default();
    let tokens = entries(&app, &admin, "token").await;
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_entry(&tokens[0], "create", api_token_id, "/api/v1/tokens", "root");

    // ...and from the admin page.
    let res = app
        .post_form(
            "/admin/tokens",
            &admin,
            &[
                ("username", "emr-bot"),
                ("label", "Second EMR"),
                ("csrf", admin.csrf()),
            ],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let web_token = res
        .body
        .split("<pre class=\"token\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("token shown: {}", res.body))
        .to_owned();
    assert!(web_token.starts_with("otb_"), "{web_token}");
    let web_token_id = app
        .raw_db()
        .run_blocking(|c| c.one("SELECT MAX(id) FROM server_api_tokens", &[]))
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.int(0))
        .unwrap_or_default();
    let tokens = entries(&app, &admin, "token").await;
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_entry(&tokens[1], "create", web_token_id, "/admin/tokens", "root");

    // Revoking: one `update` of the token; a second revocation (404) and a non-admin's
    // (403) write nothing.
    let path = format!("/api/v1/tokens/{api_token_id}");
    assert_eq!(
        app.send_json("DELETE", &path, &biller, "").await.status,
        403
    );
    let res = app.send_json("DELETE", &path, &admin, "").await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(app.send_json("DELETE", &path, &admin, "").await.status, 404);
    let tokens = entries(&app, &admin, "token").await;
    assert_eq!(tokens.len(), 3, "{tokens:?}");
    assert_entry(
        &tokens[2],
        "update",
        api_token_id,
        "/api/v1/tokens/{id}",
        "root",
    );

    // No password, token or token hash in the audit log, its table or the server's logs.
    let secrets = [
        api_password.to_owned(),
        web_password.to_owned(),
        api_token.clone(),
        web_token.clone(),
        token_hash(&app, api_token_id),
        token_hash(&app, web_token_id),
    ];
    let log = app.get("/api/v1/audit?limit=5000", &admin).await.body;
    let table = app
        .raw_db()
        .run_blocking(|c| {
            let rows = c.query(
                "SELECT username, action, resource, resource_id, route FROM server_audit",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {:?} {}",
                        r.text(0),
                        r.text(1),
                        r.text(2),
                        r.opt_text(3),
                        r.text(4)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let logs =
        String::from_utf8_lossy(&LOGS.lock().map(|b| b.clone()).unwrap_or_default()).into_owned();
    assert!(logs.contains("route=/api/v1/tokens"), "the request log ran");
    for secret in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !log.contains(secret.as_str()),
            "{secret:?} in the audit log"
        );
        assert!(
            !table.contains(secret.as_str()),
            "{secret:?} in server_audit"
        );
        assert!(!logs.contains(secret.as_str()), "{secret:?} in the logs");
    }
}

#[tokio::test]
async fn linking_a_user_to_a_provider_writes_one_audit_entry() {
    let app = spawn_app().await;
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
    let admin = app.session_for("root", Role::Admin).await;
    let biller = app.session_for("bill", Role::Biller).await;
    app.add_user("thera", Role::Therapist);
    let (thera, npi) = app
        .raw_db()
        .run_blocking(|c| {
            let u = c.one("SELECT id FROM server_users WHERE username = 'thera'", &[])?;
            let p = c.one(
                "SELECT npi FROM providers WHERE active = 1 AND credential = 'OT' ORDER BY id",
                &[],
            )?;
            Ok((u.map(|r| r.int(0)), p.map(|r| r.text(0))))
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let (thera, npi) = (
        thera.unwrap_or_else(|| panic!("thera")),
        npi.unwrap_or_else(|| panic!("an OT provider")),
    );
    let path = format!("/api/v1/users/{thera}/provider");
    let body = serde_json::json!({ "provider_npi": npi }).to_string();

    // Refused: a non-admin (403), an unknown NPI (400), an unknown user (404).
    assert_eq!(
        app.send_json("PUT", &path, &biller, &body).await.status,
        403
    );
    let bad = r#"{"provider_npi": "1234567893"}"#;
    assert_eq!(app.send_json("PUT", &path, &admin, bad).await.status, 400);
    let res = app
        .send_json("PUT", "/api/v1/users/999999/provider", &admin, &body)
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert!(entries(&app, &admin, "user_provider_link").await.is_empty());

    let res = app.send_json("PUT", &path, &admin, &body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let links = entries(&app, &admin, "user_provider_link").await;
    assert_eq!(links.len(), 1, "{links:?}");
    assert_entry(
        &links[0],
        "update",
        thera,
        "/api/v1/users/{id}/provider",
        "root",
    );

    // Unlinking over the API, then linking again from the admin page.
    let res = app
        .send_json("PUT", &path, &admin, r#"{"provider_npi": null}"#)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .post_form(
            &format!("/admin/users/{thera}/provider"),
            &admin,
            &[("provider_npi", npi.as_str()), ("csrf", admin.csrf())],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let links = entries(&app, &admin, "user_provider_link").await;
    assert_eq!(links.len(), 3, "{links:?}");
    assert_entry(
        &links[1],
        "update",
        thera,
        "/api/v1/users/{id}/provider",
        "root",
    );
    assert_entry(
        &links[2],
        "update",
        thera,
        "/admin/users/{id}/provider",
        "root",
    );
}
