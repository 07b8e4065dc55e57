//! Eligibility and payer rules through the API: billers write 270s and post 271s, a
//! patient's benefits are seen only by those who may see the patient, admins edit a
//! payer's rules (a contradiction refused with the field named), and the visit preview
//! shows the units under the payer's rule set and the patient's share.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth, TestApp, LOGS};

/// A member id of the demo (A1003, Aetna 60054) that must never reach a log line.
const MEMBER: &str = "W0007375";

fn fill_demo(app: &TestApp) {
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
}

/// One subscriber's 271 (ST..SE only and the envelope around it), benefits as given.
fn a_271(trace: &str, payer: &str, member: &str, ebs: &str) -> String {
    let segs: Vec<String> = [
        "ST*271*0001*005010X279A1".to_owned(),
        "BHT*0022*11*9*20261203*0800".to_owned(),
        "HL*1**20*1".to_owned(),
        format!("NM1*PR*2*PAYER*****PI*{payer}"),
        "HL*2*1*21*1".to_owned(),
        "NM1*1P*2*CLINIC*****XX*1234567893".to_owned(),
        "HL*3*2*22*0".to_owned(),
        format!("TRN*2*{trace}*9000000001"),
        format!("NM1*IL*1*ROE*RICHARD****MI*{member}"),
    ]
    .into_iter()
    .chain(ebs.split('~').filter(|s| !s.is_empty()).map(str::to_owned))
    .collect();
    format!(
        "ISA*00*          *00*          *ZZ*CH             *ZZ*US             *261203*0800*^*00501*000000009*0*T*:~\
         GS*HB*CH*US*20261203*0800*9*X*005010X279A1~{}~SE*{}*0001~GE*1*9~IEA*1*000000009~",
        segs.join("~"),
        segs.len() + 1
    )
}

async fn patient_id(app: &TestApp, biller: &Auth, account: &str) -> i64 {
    let list = app.get("/api/v1/patients", biller).await.json();
    list.as_array()
        .and_then(|l| l.iter().find(|p| p["account"] == account))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("no {account}: {list}"))
}

#[tokio::test]
async fn billers_request_and_post_eligibility_and_only_the_patients_people_see_it() {
    let app = spawn_app().await;
    fill_demo(&app);
    let biller = app.token_for("bill", Role::Biller);
    let thera = app.token_for("thera", Role::Therapist);
    let body = r#"{"accounts": ["A1003"]}"#;
    let res = app
        .post_json("/api/v1/eligibility/requests", &thera, body)
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let res = app
        .post_json("/api/v1/eligibility/requests", &biller, body)
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let req = res.json();
    let trace = req["checks"][0]["trace"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let file = req["file"].as_str().unwrap_or_default();
    assert!(
        std::fs::read_to_string(file).is_ok_and(|t| t.contains("EQ*AD~")),
        "{file}"
    );
    let res = app
        .post_json(
            "/api/v1/eligibility/requests",
            &biller,
            r#"{"accounts": ["NOPE"]}"#,
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["error"]["field"], "accounts[0]", "{}", res.body);

    let r = a_271(
        &trace,
        "60054",
        MEMBER,
        "EB*1*IND*30~EB*B*IND*AD***27*25~EB*F*IND*AD***29***VS*9",
    );
    let res = app
        .post_json("/api/v1/eligibility/responses", &biller, &r)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.json()["stored"][0]["matched_by"],
        "trace",
        "{}",
        res.body
    );
    // Cut before SE: refused with the segment named, nothing stored.
    let cut = &r[..r.find("SE*").unwrap_or(0)];
    let res = app
        .post_json("/api/v1/eligibility/responses", &biller, cut)
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("segment"), "{}", res.body);

    let pid = patient_id(&app, &biller, "A1003").await;
    let path = format!("/api/v1/patients/{pid}/benefits");
    let b = app.get(&path, &biller).await.json();
    assert_eq!(b["latest"]["summary"]["copay"], "25", "{b}");
    assert_eq!(b["visits_left"], 9, "{b}");
    assert_eq!(b["stale"], false, "{b}");
    // A check older than 30 days is stale.
    app.raw_db()
        .run_blocking(|c| {
            c.exec(
                "UPDATE eligibility_responses SET checked_on = '2020-01-01'",
                &[],
            )?;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(app.get(&path, &biller).await.json()["stale"], true);
    // A therapist with no link to the patient: as if there were none.
    assert_eq!(app.get(&path, &thera).await.status, 404);
    let audit = app
        .raw_db()
        .run_blocking(move |c| {
            Ok(c.query(
                "SELECT resource FROM server_audit WHERE patient_id = $1",
                &[pid.into()],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Vec<_>>())
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    for what in ["eligibility_request", "eligibility_response"] {
        assert!(
            audit.iter().any(|a| a == what),
            "{what} not audited: {audit:?}"
        );
    }
    let logs =
        String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!logs.contains(MEMBER), "a member id reached the logs");
}

#[tokio::test]
async fn an_admins_rule_change_shows_in_the_visit_preview_with_the_share() {
    let app = spawn_app().await;
    fill_demo(&app);
    let admin = app.token_for("root", Role::Admin);
    let biller = app.token_for("bill", Role::Biller);
    let thera = app.token_for("thera", Role::Therapist);
    let payers = app.get("/api/v1/payers", &admin).await.json();
    let medicare = payers
        .as_array()
        .and_then(|l| l.iter().find(|p| p["payer_id"] == "01112"))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("{payers}"));
    let providers = app.get("/api/v1/providers", &admin).await.json();
    let npi = providers[0]["npi"].as_str().unwrap_or_default().to_owned();
    app.link_provider("thera", &npi).await;
    let rules_path = format!("/api/v1/payers/{medicare}/rules");
    let view = app.get(&rules_path, &admin).await.json();
    assert_eq!(view["defaults"], true, "{view}");
    assert_eq!(
        view["rules"]["unit_method"], "medicare_total_time",
        "{view}"
    );
    assert_eq!(app.get(&rules_path, &thera).await.status, 403);

    let visit = serde_json::json!({
        "patient_account": "A1001", "provider_npi": npi, "date": otbill_store::today(),
        "services": [{"code": "97110", "minutes": 10}, {"code": "97530", "minutes": 10}, {"code": "97535", "minutes": 10}]
    })
    .to_string();
    let units = |p: &serde_json::Value| -> i64 {
        p["coded"]["lines"].as_array().map_or(0, |l| {
            l.iter().map(|x| x["units"].as_i64().unwrap_or(0)).sum()
        })
    };
    let before = app
        .post_json("/api/v1/visits/preview", &thera, &visit)
        .await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(units(&before.json()), 2, "{}", before.body);

    let mut rules = view["rules"].clone();
    rules["unit_method"] = "cpt_midpoint".into();
    rules["visit_limit"] = serde_json::json!({"visits": 20, "reset": "02-30"});
    let body = |rules: &serde_json::Value| {
        serde_json::json!({"effective": otbill_store::today(), "rules": rules, "note": "new contract"}).to_string()
    };
    let res = app.post_json(&rules_path, &admin, &body(&rules)).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("02-30"), "{}", res.body);
    rules["visit_limit"] = serde_json::Value::Null;
    assert_eq!(
        app.post_json(&rules_path, &biller, &body(&rules))
            .await
            .status,
        403
    );
    let res = app.post_json(&rules_path, &admin, &body(&rules)).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // Benefits on file for A1001 (matched by member id): $40 deductible left, 20% after.
    let r = a_271(
        "NOTOURS",
        "01112",
        "1EG4TE5MK0007301",
        "EB*1*IND*30~EB*C*IND*30***29*40~EB*A*IND*AD*****.2",
    );
    assert_eq!(
        app.post_json("/api/v1/eligibility/responses", &biller, &r)
            .await
            .status,
        200
    );
    let after = app
        .post_json("/api/v1/visits/preview", &thera, &visit)
        .await;
    assert_eq!(after.status, 200, "{}", after.body);
    let p = after.json();
    assert_eq!(units(&p), 3, "{}", after.body);
    assert!(
        p["rules_source"]
            .as_str()
            .is_some_and(|s| s.contains("payer rule set")),
        "{p}"
    );
    let estimate = &p["scrubbed"]["estimate"];
    assert_eq!(estimate["deductible"], "40", "{estimate}");
    assert_eq!(estimate["patient"], "48.50", "{estimate}");
    let history = app.get(&rules_path, &admin).await.json();
    assert_eq!(history["history"][0]["created_by"], "root", "{history}");
    assert_eq!(history["defaults"], false, "{history}");
}

#[tokio::test]
async fn the_desk_takes_a_payment_and_the_account_shows_it() {
    let app = spawn_app().await;
    fill_demo(&app);
    let biller = app.token_for("bill", Role::Biller);
    let thera = app.token_for("thera", Role::Therapist);
    let pid = patient_id(&app, &biller, "A1003").await;
    let path = format!("/api/v1/patients/{pid}/payments");
    let pay = |amount: &str| {
        serde_json::json!({"received_on": otbill_store::today(), "amount": amount, "method": "cash"}).to_string()
    };
    assert_eq!(
        app.post_json(&path, &thera, &pay("20.00")).await.status,
        403
    );
    let res = app.post_json(&path, &biller, &pay("20.005")).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(
        res.json()["error"]["field"],
        "payment.amount",
        "{}",
        res.body
    );
    let res = app.post_json(&path, &biller, &pay("20.00")).await;
    assert_eq!(res.status, 201, "{}", res.body);
    // Nothing owed yet in the filled demo: all of it is credit.
    assert_eq!(res.json()["unapplied"], "20.00", "{}", res.body);
    let account = app
        .get(&format!("/api/v1/patients/{pid}/account"), &biller)
        .await
        .json();
    assert_eq!(account["unapplied_credit"], "20.00", "{account}");
    assert_eq!(
        account["payments"].as_array().map(Vec::len),
        Some(1),
        "{account}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/patients/{pid}/account"), &thera)
            .await
            .status,
        404
    );
}
