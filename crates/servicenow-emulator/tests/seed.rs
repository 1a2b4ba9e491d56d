//! Built-in seed data (§13.7) and `--seed FILE` overrides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, emu_with};
use serde_json::json;
use servicenow_emulator::{DEMO_ACCOUNTS, EmulatorConfig, EmulatorError, start};

fn write_seed(name: &str, body: &serde_json::Value) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "snowlink-emu-seed-{}-{name}.json",
        std::process::id()
    ));
    std::fs::write(&path, serde_json::to_vec_pretty(body).unwrap()).unwrap();
    path
}

#[tokio::test]
async fn demo_accounts_exist_with_their_roles() {
    let e = emu().await;
    for a in DEMO_ACCOUNTS {
        let r = e.get(a.user_name, &format!("/api/now/table/sys_user?sysparm_query=user_name%3D{}&sysparm_fields=roles,active", a.user_name)).await;
        assert_eq!(r.status, 200, "{} can log in", a.user_name);
        assert_eq!(r.rows()[0]["roles"], a.roles.join(","));
        assert_eq!(r.rows()[0]["active"], "true");
    }
    let admin = e
        .get(
            "admin",
            "/api/now/table/sys_user/6816f79cc0a8016401c5a33be04be441?sysparm_fields=name",
        )
        .await;
    assert_eq!(admin.result()["name"], "System Administrator");
    let itil = e
        .get(
            "admin",
            "/api/now/table/sys_user?sysparm_query=user_name%3Ditil&sysparm_fields=name",
        )
        .await;
    assert_eq!(itil.rows()[0]["name"], "ITIL User");
}

#[tokio::test]
async fn the_demo_groups_have_their_real_sys_ids_and_members() {
    let e = emu().await;
    for (name, id) in [
        ("Service Desk", "d625dccec0a8016700a222a0f7900d06"),
        ("Network", "287ebd7da9fe198100f92cc8d1d2154e"),
        ("Hardware", "8a5055c9c61122780043563ef53438e3"),
        ("Software", "8a4dde73c6112278017a6a4baf547aa7"),
        ("Database", "287ee6fea9fe198100ada7950d0b1b73"),
    ] {
        let r = e
            .get(
                "itil",
                &format!("/api/now/table/sys_user_group/{id}?sysparm_fields=name"),
            )
            .await;
        assert_eq!(r.result()["name"], name);
    }
    let r = e.get("itil", "/api/now/table/sys_user_group?sysparm_query=name%3DData%20Platform&sysparm_fields=sys_id").await;
    assert_eq!(r.rows().len(), 1);
    let m = e.get("itil", "/api/now/table/sys_user_grmember?sysparm_query=group%3Dd625dccec0a8016700a222a0f7900d06").await;
    assert!(m.rows().len() >= 2);
}

#[tokio::test]
async fn builtin_sys_ids_are_stable_across_starts() {
    let a = emu().await;
    let b = emu().await;
    assert_eq!(
        a.sys_id_of("INC0000010").await,
        b.sys_id_of("INC0000010").await
    );
}

#[tokio::test]
async fn a_seed_file_adds_and_overrides_records() {
    let path = write_seed(
        "ok",
        &json!({
            "credentials": {"ops.bot": "ops.bot"},
            "tables": {
                "sys_user": [{"user_name": "ops.bot", "name": "Ops Bot", "roles": "itil"}],
                "sys_user_group": [{"sys_id": "d625dccec0a8016700a222a0f7900d06", "description": "Overridden"}],
                "sys_choice": [{"name": "incident", "element": "category", "value": "network", "label": "Réseau", "sequence": "40", "language": "fr"}],
                "incident": [{
                    "number": "INC0000099",
                    "short_description": "From the seed file",
                    "caller_id": "ops.bot",
                    "assignment_group": "Network",
                    "impact": "1", "urgency": "1",
                    "work_notes": [{"value": "seeded note", "sys_created_by": "ops.bot", "sys_created_on": "2026-11-20 08:00:00"}]
                }]
            }
        }),
    );
    let e = emu_with(EmulatorConfig {
        seed: Some(path.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let r = e.get("ops.bot", "/api/now/table/sys_user_group/d625dccec0a8016700a222a0f7900d06?sysparm_fields=name,description").await;
    assert_eq!(r.status, 200, "the seeded account logs in");
    assert_eq!(
        r.result(),
        &json!({"name": "Service Desk", "description": "Overridden"})
    );
    let inc = e.incident("INC0000099").await;
    assert_eq!(inc["priority"], "1");
    assert_eq!(inc["assignment_group"], "287ebd7da9fe198100f92cc8d1d2154e");
    let dv = e
        .get(
            "admin",
            &format!(
                "/api/now/table/incident/{}?sysparm_display_value=true&sysparm_fields=work_notes",
                inc["sys_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        dv.result()["work_notes"],
        "2026-11-20 08:00:00 - Ops Bot (Work notes)\nseeded note\n\n"
    );
    // Without language=en the choice rows repeat per language, as on real instances.
    let all = e.get("admin", "/api/now/table/sys_choice?sysparm_query=name%3Dincident%5Eelement%3Dcategory%5Evalue%3Dnetwork").await;
    assert_eq!(all.rows().len(), 2);
    let en = e.get("admin", "/api/now/table/sys_choice?sysparm_query=name%3Dincident%5Eelement%3Dcategory%5Evalue%3Dnetwork%5Elanguage%3Den").await;
    assert_eq!(en.rows().len(), 1);
    assert_eq!(
        e.get("admin", "/api/now/table/incident").await.rows().len(),
        21
    );
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn bad_seed_files_are_errors_not_panics() {
    for (name, body) in [
        ("table", json!({"tables": {"u_nope": [{}]}})),
        ("field", json!({"tables": {"incident": [{"u_field": "x"}]}})),
        (
            "ref",
            json!({"tables": {"incident": [{"caller_id": "Nobody Known"}]}}),
        ),
        ("key", json!({"users": []})),
    ] {
        let path = write_seed(name, &body);
        let err = start(EmulatorConfig {
            seed: Some(path.clone()),
            ..EmulatorConfig::default()
        })
        .await
        .err()
        .unwrap();
        assert!(
            matches!(err, EmulatorError::SeedInvalid { .. }),
            "{name}: {err}"
        );
        let _ = std::fs::remove_file(path);
    }
    let missing = start(EmulatorConfig {
        seed: Some("/nonexistent/seed.json".into()),
        ..EmulatorConfig::default()
    })
    .await;
    assert!(matches!(
        missing.err().unwrap(),
        EmulatorError::SeedRead { .. }
    ));
}

#[tokio::test]
async fn bind_errors_are_reported() {
    let first = emu().await;
    let err = start(EmulatorConfig {
        listen: first.emu.local_addr(),
        ..EmulatorConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, EmulatorError::Bind { .. }), "{err}");
}

#[tokio::test]
async fn role_grants_are_readable_by_their_user_and_by_admin() {
    let e = emu().await;
    let itil_user = e
        .get(
            "admin",
            "/api/now/table/sys_user?sysparm_query=user_name%3Ditil&sysparm_fields=sys_id",
        )
        .await;
    let itil_id = itil_user.rows()[0]["sys_id"].as_str().unwrap().to_string();
    let own = e
        .get(
            "itil",
            &format!("/api/now/table/sys_user_has_role?sysparm_query=user%3D{itil_id}&sysparm_display_value=true&sysparm_exclude_reference_link=true&sysparm_fields=role,state"),
        )
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.rows().len(), 1);
    assert_eq!(own.rows()[0]["role"], "itil");
    assert_eq!(own.rows()[0]["state"], "active");
    // The itil role has its real base-system sys_id.
    let raw = e
        .get("itil", &format!("/api/now/table/sys_user_has_role?sysparm_query=user%3D{itil_id}&sysparm_exclude_reference_link=true&sysparm_fields=role"))
        .await;
    assert_eq!(raw.rows()[0]["role"], "282bf1fac6112285017366cb5f867469");
    // A role-less user has no grants; others' grants are hidden from non-admins.
    let guest_view = e.get("guest", "/api/now/table/sys_user_has_role").await;
    assert_eq!(guest_view.status, 200);
    assert_eq!(guest_view.rows().len(), 0);
    let all = e.get("admin", "/api/now/table/sys_user_has_role").await;
    assert!(all.rows().len() >= 2);
}
