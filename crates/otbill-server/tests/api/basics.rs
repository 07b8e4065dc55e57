//! Health, OpenAPI, the error shape and the coding endpoint.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth};

const VISIT: &str = r#"{"date": "2026-03-02", "payer": "medicare", "discipline": "OT",
  "services": [{"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]}"#;

#[tokio::test]
async fn health_answers_without_signing_in() {
    let app = spawn_app().await;
    let res = app.get("/health", &Auth::None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
}

#[tokio::test]
async fn openapi_document_is_served() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(res.status, 200);
    let doc = res.json();
    assert!(doc["paths"]["/api/v1/visits/code"]["post"].is_object());
    assert!(doc["components"]["schemas"]["Error"].is_object());
}

#[tokio::test]
async fn unknown_routes_use_the_error_shape() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/nothing-here", &Auth::None).await;
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn coding_a_visit_with_a_token_gives_units_and_why() {
    let app = spawn_app().await;
    let token = app.token_for("emr", Role::Therapist);
    let res = app.post_json("/api/v1/visits/code", &token, VISIT).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = res.json();
    assert_eq!(v["total_timed_units"], 3);
    let units: Vec<(String, u64)> = v["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["code"].as_str().unwrap_or("").to_owned(),
                l["units"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(units, [("97110".to_owned(), 1), ("97112".to_owned(), 2)]);
    assert!(v["lines"][0]["why"]
        .as_array()
        .is_some_and(|w| !w.is_empty()));
}

#[tokio::test]
async fn coding_errors_name_the_field() {
    let app = spawn_app().await;
    let token = app.token_for("emr", Role::Therapist);
    let bad = r#"{"date": "2026-03-02", "payer": "medicare",
      "services": [{"code": "97110", "minutes": 23}, {"code": "97112", "minutes": 9999}]}"#;
    let res = app.post_json("/api/v1/visits/code", &token, bad).await;
    assert_eq!(res.status, 400, "{}", res.body);
    let e = &res.json()["error"];
    assert_eq!(e["code"], "bad_request");
    assert_eq!(e["field"], "services[1].minutes");
    let res = app
        .post_json(
            "/api/v1/visits/code",
            &token,
            r#"{"date": "2026-03-02", "services": []}"#,
        )
        .await;
    assert_eq!(res.json()["error"]["field"], "payer");
    let res = app
        .post_json("/api/v1/visits/code", &token, "{not json")
        .await;
    assert_eq!(res.status, 400);
    assert!(res.json()["error"]["message"].is_string());
}

#[tokio::test]
async fn coding_with_scrub_prices_the_visit() {
    let app = spawn_app().await;
    let token = app.token_for("emr", Role::Therapist);
    let res = app
        .post_json("/api/v1/visits/code?scrub=true", &token, VISIT)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = res.json();
    assert!(v["totals"].is_object(), "{v}");
    assert!(v["lines"][0]["allowed"].is_string(), "{v}");
    assert!(v["blocked"].is_boolean());
    assert!(
        v["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "{v}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_in_the_error_shape() {
    let app = spawn_app().await;
    let token = app.token_for("emr", Role::Therapist);
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(3 << 20));
    let res = app.post_json("/api/v1/visits/code", &token, &big).await;
    assert_eq!(res.status, 413, "{}", &res.body[..res.body.len().min(200)]);
    assert_eq!(res.json()["error"]["code"], "too_large");
}
