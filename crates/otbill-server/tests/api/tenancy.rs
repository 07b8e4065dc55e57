//! Many practices in one deployment, through the API and the pages, on SQLite and
//! PostgreSQL: a user of practice B gets a 404 for every record of practice A, by id, in a
//! list, a filtered list, a report and a file download; roles are per practice; a session
//! switches between the user's practices and an API token acts in its own only.

use std::collections::HashSet;

use otbill_server::auth::{self, Role};
use otbill_store::{Store, MAIN_PRACTICE};

use crate::helpers::{spawn_app, Auth, TestApp, PASSWORD};
use crate::postgres::{fresh_database, spawn_pg};

/// What practice A holds, and practice B's id.
struct World {
    b: i64,
    a_patients: Vec<i64>,
    a_claims: Vec<i64>,
    a_visits: Vec<i64>,
    a_batches: Vec<i64>,
    b_claims: Vec<i64>,
    /// A demo payer id both practices have.
    payer: String,
    /// Tokens: alice (biller of A), bob (biller of B), tess (therapist of B).
    alice: Auth,
    bob: Auth,
    tess: Auth,
}

/// Practice A: the demo run through batches, 999 and 835 (into the app's outbox on
/// SQLite). Practice B: the same demo's records and claims, nothing sent or paid.
async fn world(app: &TestApp, dir: Option<std::path::PathBuf>) -> World {
    let url = app.db_url.clone();
    tokio::task::spawn_blocking(move || {
        let rules = otbill_server::Rules::builtin().unwrap_or_else(|e| panic!("{e:#}"));
        let engine = otbill_scrub::scrub::Engine {
            catalog: &rules.catalog,
            payers: &rules.payers,
            rules: &rules.rules,
        };
        let mut s = Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a_dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
        otbill_store::demo::run(&mut s, &a_dir, &engine, otbill_store::today())
            .unwrap_or_else(|e| panic!("{e}"));
        let alice = user_token(&mut s, "alice", Role::Biller);
        let a_patients = s.patient_list().unwrap_or_default();
        let a_visits: Vec<i64> = s
            .raw_query("SELECT id FROM visits WHERE practice_id = $P", &[])
            .unwrap_or_default()
            .iter()
            .map(|r| r.int(0))
            .collect();
        let a_claims = s.claims(None).unwrap_or_default();
        let a_batches = s.batches().unwrap_or_default();
        let b = s
            .create_practice("lakeside", "Lakeside OT", &otbill_server::now())
            .unwrap_or_else(|e| panic!("{e}"));
        s.use_practice(b);
        otbill_store::demo::fill(&mut s, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
        for v in s.visits_in("entered").unwrap_or_default() {
            s.claim_visit(v, &engine).unwrap_or_else(|e| panic!("{e}"));
        }
        let bob = user_token(&mut s, "bob", Role::Biller);
        let tess = user_token(&mut s, "tess", Role::Therapist);
        let bea = s
            .create_user(
                "bea",
                Role::Admin,
                &auth::hash_password(PASSWORD).unwrap_or_default(),
                &otbill_server::now(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = bea;
        let b_claims = s.claims(None).unwrap_or_default();
        World {
            b,
            payer: a_patients
                .iter()
                .find_map(|p| p.primary_payer.clone())
                .unwrap_or_default(),
            a_patients: a_patients.iter().map(|p| p.id).collect(),
            a_claims,
            a_visits,
            a_batches: a_batches.iter().map(|b| b.0).collect(),
            b_claims,
            alice,
            bob,
            tess,
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Creates `name` as a member of the store's practice with `role`, and an API token
/// acting in that practice.
fn user_token(s: &mut Store, name: &str, role: Role) -> Auth {
    let id = auth::create_user(s, name, role, PASSWORD).unwrap_or_else(|e| panic!("{e:#}"));
    let (_, token) = auth::issue_token(s, id, "test").unwrap_or_else(|e| panic!("{e:#}"));
    Auth::Token(token)
}

fn ids(v: &serde_json::Value, key: &str) -> HashSet<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x[key].as_i64()).collect())
        .unwrap_or_default()
}

async fn practices_keep_their_records_apart(app: &TestApp, files: bool) {
    // The demo writes its batches to DIR/outbox: the app's own outbox on SQLite.
    let app_dir = app.outbox().parent().map(std::path::Path::to_path_buf);
    let w = world(app, app_dir.filter(|_| files)).await;
    assert!(w.a_claims.len() >= 50 && !w.b_claims.is_empty());
    // By id: A's own biller reads them, B's gets "not found".
    for (i, &p) in w.a_patients.iter().enumerate().take(3) {
        let path = format!("/api/v1/patients/{p}");
        assert_eq!(app.get(&path, &w.alice).await.status, 200, "patient {i}");
        let res = app.get(&path, &w.bob).await;
        assert_eq!(res.status, 404, "{}", res.body);
    }
    for &c in w.a_claims.iter().take(5) {
        let path = format!("/api/v1/claims/{c}");
        assert_eq!(app.get(&path, &w.alice).await.status, 200);
        assert_eq!(app.get(&path, &w.bob).await.status, 404, "claim {c}");
    }
    for &v in w.a_visits.iter().take(3) {
        let res = app.get(&format!("/api/v1/visits/{v}"), &w.tess).await;
        assert_eq!(res.status, 404, "visit {v}: {}", res.body);
    }
    // Lists and a filtered list hold B's records only.
    let a_claims: HashSet<i64> = w.a_claims.iter().copied().collect();
    let bob_claims = ids(&app.get("/api/v1/claims", &w.bob).await.json(), "id");
    assert_eq!(bob_claims, w.b_claims.iter().copied().collect());
    let by_payer = format!("/api/v1/claims?payer={}", w.payer);
    let bob_payer = ids(&app.get(&by_payer, &w.bob).await.json(), "id");
    let alice_payer = ids(&app.get(&by_payer, &w.alice).await.json(), "id");
    assert!(!bob_payer.is_empty() && !alice_payer.is_empty());
    assert!(bob_payer.is_disjoint(&a_claims) && alice_payer.is_subset(&a_claims));
    let bob_patients = ids(&app.get("/api/v1/patients", &w.bob).await.json(), "id");
    assert!(!bob_patients.is_empty());
    assert!(w.a_patients.iter().all(|p| !bob_patients.contains(p)));
    // Reports and the denials worklist: A has payments and denials, B none yet.
    let collected = |a: &Auth| {
        let a = a.clone();
        async move { app.get("/api/v1/reports/collected", &a).await.json() }
    };
    assert_ne!(collected(&w.alice).await, serde_json::json!([]));
    assert_eq!(collected(&w.bob).await, serde_json::json!([]));
    let denials = app.get("/api/v1/denials", &w.bob).await;
    assert_eq!(denials.status, 200, "{}", denials.body);
    assert_eq!(denials.json(), serde_json::json!([]));
    assert_ne!(
        app.get("/api/v1/denials", &w.alice).await.json(),
        serde_json::json!([])
    );
    // File downloads: A's 837P batch and an appeal letter on A's claim.
    let batches = ids(&app.get("/api/v1/batches", &w.bob).await.json(), "id");
    assert!(batches.is_empty(), "B sent nothing: {batches:?}");
    for &b in &w.a_batches {
        let path = format!("/api/v1/batches/{b}/837");
        assert_eq!(app.get(&path, &w.bob).await.status, 404);
        if files {
            assert_eq!(app.get(&path, &w.alice).await.status, 200);
        }
    }
    let bob_web = session(app, "bob-web", Role::Biller).await;
    let bob_web = switch_to(app, &bob_web, w.b, "bob-web").await;
    for &c in w.a_claims.iter().take(3) {
        for path in [
            format!("/claims/{c}"),
            format!("/claims/{c}/appeal-letter.pdf"),
        ] {
            assert_eq!(app.get(&path, &bob_web).await.status, 404, "{path}");
        }
    }
    assert_eq!(
        app.get(&format!("/patients/{}", w.a_patients[0]), &bob_web)
            .await
            .status,
        404
    );
    // A record number is the practice's own: B may register the account A uses.
    let patient = serde_json::json!({
        "account": "Z9001", "last_name": "ROE", "first_name": "RITA", "birth_date": "1948-02-03",
        "gender": "F", "address": {"line1": "1 ELM ST", "city": "SALEM", "state": "OR", "zip": "97301"},
        "coverages": []
    })
    .to_string();
    let in_a = app.post_json("/api/v1/patients", &w.alice, &patient).await;
    let first = app.post_json("/api/v1/patients", &w.bob, &patient).await;
    let again = app.post_json("/api/v1/patients", &w.bob, &patient).await;
    assert_eq!(
        (in_a.status, first.status, again.status),
        (201, 201, 409),
        "{}",
        first.body
    );
}

/// Creates `name` in the main practice (through the async pool: the PostgreSQL driver
/// must not block the test's runtime) and signs them in.
async fn session(app: &TestApp, name: &'static str, role: Role) -> Auth {
    app.raw_db()
        .run(move |c| auth::create_user(c, name, role, PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    app.sign_in(name).await
}

/// Makes `name` (a member of the main practice) a member of practice `b` too, and moves
/// their session there.
async fn switch_to(app: &TestApp, session: &Auth, b: i64, name: &str) -> Auth {
    let name = name.to_owned();
    app.raw_db()
        .run(move |c| {
            let id = c.user_id(&name)?.unwrap_or_default();
            c.use_practice(b);
            c.set_membership(id, Role::Biller, &otbill_server::now())?;
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let body = serde_json::json!({ "practice_id": b }).to_string();
    let res = app
        .send_json("PUT", "/api/v1/session/practice", session, &body)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    session.clone()
}

async fn sessions_switch_and_tokens_stay(app: &TestApp) {
    let w = world(app, None).await;
    // carol works for both practices; her session starts in the first.
    let carol = session(app, "carol", Role::Biller).await;
    let mine = app.get("/api/v1/practices", &carol).await.json();
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    let a_ids: HashSet<i64> = w.a_claims.iter().copied().collect();
    assert_eq!(
        ids(&app.get("/api/v1/claims", &carol).await.json(), "id"),
        a_ids
    );
    // Not a member of B yet: switching there is "not found".
    let to_b = serde_json::json!({ "practice_id": w.b }).to_string();
    let res = app
        .send_json("PUT", "/api/v1/session/practice", &carol, &to_b)
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    // B's admin adds her; she switches and sees B's claims, her role there B's.
    let bea = app.sign_in("bea").await;
    let add = serde_json::json!({ "username": "carol", "role": "biller" }).to_string();
    let res = app.post_json("/api/v1/members", &bea, &add).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .send_json("PUT", "/api/v1/session/practice", &carol, &to_b)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        ids(&app.get("/api/v1/claims", &carol).await.json(), "id"),
        w.b_claims.iter().copied().collect()
    );
    let me = app.get("/api/v1/me", &carol).await.json();
    assert_eq!(me["practice_id"], w.b, "{me}");
    let mine = app.get("/api/v1/practices", &carol).await.json();
    assert_eq!(mine.as_array().map(Vec::len), Some(2), "{mine}");
    // A practice the user does not belong to, or none at all, is "not found".
    let nowhere = serde_json::json!({ "practice_id": 9999 }).to_string();
    let res = app
        .send_json("PUT", "/api/v1/session/practice", &carol, &nowhere)
        .await;
    assert_eq!(res.status, 404);
    // An API token acts in the practice it was issued for and cannot switch.
    let res = app
        .send_json("PUT", "/api/v1/session/practice", &w.bob, &to_b)
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    // A token is issued only to a member of the admin's practice.
    let token = serde_json::json!({ "username": "alice", "label": "emr" }).to_string();
    let res = app.post_json("/api/v1/tokens", &bea, &token).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["error"]["field"], "username");
    // Roles are per practice: B's admin is no admin of A, and B's audit log is B's own.
    let res = app.get("/api/v1/users", &bea).await.json();
    let names: Vec<&str> = res
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["username"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"bob") && !names.contains(&"alice"),
        "{names:?}"
    );
    app.get(&format!("/api/v1/claims/{}", w.a_claims[0]), &w.alice)
        .await;
    let log = app.get("/api/v1/audit", &bea).await.json();
    let who: HashSet<&str> = log
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["username"].as_str()).collect())
        .unwrap_or_default();
    assert!(!who.contains("alice"), "{who:?}");
    // An admin creates a third practice and becomes its admin there.
    let new = serde_json::json!({ "code": "north", "name": "North OT" }).to_string();
    let res = app.post_json("/api/v1/practices", &bea, &new).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let again = app.post_json("/api/v1/practices", &bea, &new).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let mine = app.get("/api/v1/practices", &bea).await.json();
    assert!(
        mine.as_array().is_some_and(|a| a
            .iter()
            .any(|p| p["code"] == "north" && p["role"] == "admin")),
        "{mine}"
    );
    let _ = MAIN_PRACTICE;
}

#[tokio::test]
async fn practices_keep_their_records_apart_on_sqlite() {
    let app = spawn_app().await;
    practices_keep_their_records_apart(&app, true).await;
}

#[tokio::test]
async fn practices_keep_their_records_apart_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_pg(&url).await;
    practices_keep_their_records_apart(&app, false).await;
}

#[tokio::test]
async fn sessions_switch_practices_and_tokens_stay_on_sqlite() {
    let app = spawn_app().await;
    sessions_switch_and_tokens_stay(&app).await;
}

#[tokio::test]
async fn sessions_switch_practices_and_tokens_stay_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_pg(&url).await;
    sessions_switch_and_tokens_stay(&app).await;
}
