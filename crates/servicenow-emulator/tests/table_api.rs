//! Table API basics (§1–§3): methods, status codes, envelopes, headers, fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use reqwest::Method;
use serde_json::{Value, json};

fn all_strings(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Object(o) => o.values().all(all_strings),
        _ => false,
    }
}

#[tokio::test]
async fn list_returns_every_incident_as_strings() {
    let e = emu().await;
    let r = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").unwrap(),
        "application/json;charset=UTF-8"
    );
    assert_eq!(r.header("x-total-count").unwrap(), "20");
    assert_eq!(r.rows().len(), 20);
    for row in r.rows() {
        assert!(all_strings(row), "non-string value in {row}");
        assert!(row["sys_id"].as_str().unwrap().len() == 32);
        assert_eq!(
            row["close_notes"].as_str().map(|_| ()),
            Some(()),
            "empty values are present"
        );
    }
}

#[tokio::test]
async fn get_one_and_missing_one() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000004").await;
    let r = e
        .get("admin", &format!("/api/now/table/incident/{id}"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["number"], "INC0000004");
    let r = e
        .get(
            "admin",
            "/api/now/table/incident/0123456789abcdef0123456789abcdef",
        )
        .await;
    assert_eq!(r.status, 404);
    let (msg, detail) = r.error();
    assert_eq!(msg, "No Record found");
    assert_eq!(
        detail,
        "Record doesn't exist or ACL restricts the record retrieval"
    );
}

#[tokio::test]
async fn post_returns_201_with_location_of_the_new_record() {
    let e = emu().await;
    let r = e
        .post(
            "admin",
            "/api/now/table/incident",
            json!({"short_description": "disk full"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.result()["sys_id"].as_str().unwrap().to_string();
    let location = r.header("location").unwrap();
    assert_eq!(location, format!("{}/api/now/table/incident/{id}", e.base));
    let back = reply(
        e.http
            .get(&location)
            .basic_auth("admin", Some("admin"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(back.status, 200);
    assert_eq!(back.result()["short_description"], "disk full");
}

#[tokio::test]
async fn post_with_an_array_uses_the_first_element_only() {
    let e = emu().await;
    let body = json!([{"short_description": "first"}, {"short_description": "second"}]);
    let r = e.post("admin", "/api/now/table/incident", body).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.result()["short_description"], "first");
    let all = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_query=short_description%3Dsecond",
        )
        .await;
    assert_eq!(all.rows().len(), 0);
}

#[tokio::test]
async fn patch_and_put_are_partial_updates() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000005").await;
    let path = format!("/api/now/table/incident/{id}");
    let r = e
        .patch("admin", &path, json!({"description": "patched"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["description"], "patched");
    assert_eq!(r.result()["short_description"], "Orders database slow");
    let r = e
        .send(
            Method::PUT,
            "admin",
            &path,
            json!({"short_description": "put"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["short_description"], "put");
    assert_eq!(
        r.result()["description"],
        "patched",
        "PUT keeps fields it does not name"
    );
}

#[tokio::test]
async fn delete_returns_204_then_the_record_is_gone() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000014").await;
    let path = format!("/api/now/table/incident/{id}");
    let r = reply(
        e.request(Method::DELETE, "admin", &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    assert_eq!(e.get("admin", &path).await.status, 404);
    let again = reply(
        e.request(Method::DELETE, "admin", &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn head_returns_headers_without_a_body() {
    let e = emu().await;
    let r = reply(
        e.request(
            Method::HEAD,
            "admin",
            "/api/now/table/incident?sysparm_limit=5",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-total-count").unwrap(), "20");
    assert!(r.header("link").is_some());
    assert!(r.text.is_empty());
}

#[tokio::test]
async fn unknown_table_and_unknown_path_are_400() {
    let e = emu().await;
    let r = e.get("admin", "/api/now/table/u_nope").await;
    assert_eq!(r.status, 400);
    let (msg, detail) = r.error();
    assert_eq!(msg, "Invalid table u_nope");
    assert_eq!(detail, "Table u_nope does not exist");
    for path in ["/api/now/nothing", "/api/now/v3/table/incident", "/foo"] {
        let r = e.get("admin", path).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.error().0, "Requested URI does not represent any resource");
    }
}

#[tokio::test]
async fn versioned_paths_keep_their_version_in_links() {
    let e = emu().await;
    let r = e
        .get(
            "admin",
            "/api/now/v2/table/incident?sysparm_query=number%3DINC0000001",
        )
        .await;
    assert_eq!(r.status, 200);
    let link = r.rows()[0]["assignment_group"]["link"].as_str().unwrap();
    assert_eq!(
        link,
        format!(
            "{}/api/now/v2/table/sys_user_group/287ebd7da9fe198100f92cc8d1d2154e",
            e.base
        )
    );
    let r = e
        .get(
            "admin",
            "/api/now/v1/table/incident?sysparm_query=number%3DINC0000001",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.rows()[0]["assignment_group"]["link"]
            .as_str()
            .unwrap()
            .contains("/api/now/v1/table/")
    );
}

#[tokio::test]
async fn v1_empty_list_is_404_but_latest_is_an_empty_array() {
    let e = emu().await;
    let q = "table/incident?sysparm_query=number%3DINC9999999";
    let r = e.get("admin", &format!("/api/now/v1/{q}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error().0, "No Record found");
    let r = e.get("admin", &format!("/api/now/{q}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"result": []}));
    assert_eq!(r.header("x-total-count").unwrap(), "0");
    assert_eq!(
        e.get("admin", &format!("/api/now/v2/{q}")).await.status,
        200
    );
}

#[tokio::test]
async fn links_and_location_use_the_request_host() {
    let e = emu().await;
    let r = reply(
        e.request(
            Method::GET,
            "admin",
            "/api/now/table/incident?sysparm_limit=1",
        )
        .header("Host", "acme.example.test")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(
        r.rows()[0]["caller_id"]["link"]
            .as_str()
            .unwrap()
            .starts_with("http://acme.example.test/api/now/table/sys_user/")
    );
    assert!(
        r.header("link")
            .unwrap()
            .starts_with("<http://acme.example.test/api/now/table/incident?")
    );
}

#[tokio::test]
async fn sys_domain_is_a_global_reference() {
    let e = emu().await;
    let rec = e
        .get("admin", "/api/now/table/incident?sysparm_limit=1")
        .await;
    assert_eq!(
        rec.rows()[0]["sys_domain"],
        json!({"link": format!("{}/api/now/table/sys_user_group/global", e.base), "value": "global"})
    );
    let dv = e.get("admin", "/api/now/table/incident?sysparm_limit=1&sysparm_display_value=true&sysparm_exclude_reference_link=true").await;
    assert_eq!(dv.rows()[0]["sys_domain"], "global");
}

#[tokio::test]
async fn system_fields_are_read_only_but_post_may_set_sys_id() {
    let e = emu().await;
    let id = "0123456789abcdef0123456789abcdef";
    let body = json!({"sys_id": id, "short_description": "own id", "sys_created_by": "mallory", "sys_mod_count": "42"});
    let r = e
        .post("admin", "/api/now/table/incident", body.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.result()["sys_id"], id);
    assert_eq!(r.result()["sys_created_by"], "admin");
    assert_eq!(r.result()["sys_mod_count"], "0");
    let dup = e.post("admin", "/api/now/table/incident", body).await;
    assert_eq!(dup.status, 403);
    assert_eq!(dup.error().0, "Operation Failed");
    let r = e
        .patch(
            "admin",
            &format!("/api/now/table/incident/{id}"),
            json!({"sys_updated_by": "mallory", "sys_id": "x"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["sys_id"], id);
    assert_eq!(r.result()["sys_updated_by"], "admin");
}

#[tokio::test]
async fn lookup_tables_are_served() {
    let e = emu().await;
    let g = e.get("admin", "/api/now/table/sys_user_group?sysparm_query=name%3DService%20Desk%5Eactive%3Dtrue&sysparm_fields=sys_id,name").await;
    assert_eq!(
        g.json,
        json!({"result": [{"sys_id": "d625dccec0a8016700a222a0f7900d06", "name": "Service Desk"}]})
    );
    let u = e.get("admin", "/api/now/table/sys_user/6816f79cc0a8016401c5a33be04be441?sysparm_fields=user_name,name").await;
    assert_eq!(
        u.result(),
        &json!({"user_name": "admin", "name": "System Administrator"})
    );
    let m = e.get("admin", "/api/now/table/sys_user_grmember?sysparm_query=group.name%3DNetwork&sysparm_fields=user.user_name&sysparm_display_value=true").await;
    let mut names: Vec<&str> = m
        .rows()
        .iter()
        .map(|r| r["user.user_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["beth.anglin", "don.goodliffe"]);
    let d = e.get("admin", "/api/now/table/sys_dictionary?sysparm_query=name%3Dincident%5Eelement%3Dassignment_group").await;
    assert_eq!(d.rows()[0]["reference"]["value"], "sys_user_group");
    assert_eq!(d.rows()[0]["internal_type"]["value"], "reference");
}
