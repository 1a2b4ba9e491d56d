//! sysparm_query through the encoded-query engine (§5), the §10 lookups and the
//! §11 integration patterns, at the HTTP level.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use serde_json::json;

fn enc(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

async fn numbers(e: &common::Emu, q: &str) -> Vec<String> {
    let r = e
        .get(
            "admin",
            &format!(
                "/api/now/table/incident?sysparm_fields=number&sysparm_query={}",
                enc(q)
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{q}: {}", r.text);
    r.rows()
        .iter()
        .map(|x| x["number"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn equality_and_and() {
    let e = emu().await;
    assert_eq!(numbers(&e, "number=INC0000004").await, ["INC0000004"]);
    assert_eq!(
        numbers(&e, "state=7^category=hardware^ORDERBYnumber").await,
        ["INC0000003", "INC0000011"]
    );
}

#[tokio::test]
async fn dot_walked_conditions() {
    let e = emu().await;
    let n = numbers(&e, "assignment_group.name=Data Platform^ORDERBYnumber").await;
    assert_eq!(n, ["INC0000009", "INC0000010", "INC0000016", "INC0000019"]);
    assert_eq!(
        numbers(&e, "caller_id.user_name=guest^ORDERBYnumber").await,
        ["INC0000007", "INC0000020"]
    );
}

#[tokio::test]
async fn order_by_desc() {
    let e = emu().await;
    let n = numbers(&e, "ORDERBYDESCnumber").await;
    assert_eq!(n.first().unwrap(), "INC0000020");
    assert_eq!(n.last().unwrap(), "INC0000001");
}

#[tokio::test]
async fn choice_lookup_of_section_10() {
    let e = emu().await;
    let q = "name=incident^element=category^inactive=false^language=en^ORDERBYsequence";
    let r = e
        .get("admin", &format!("/api/now/table/sys_choice?sysparm_fields=label,value,sequence,dependent_value&sysparm_query={}", enc(q)))
        .await;
    let values: Vec<&str> = r
        .rows()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        ["inquiry", "software", "hardware", "network", "database"]
    );
    assert_eq!(
        r.rows()[0],
        json!({"label": "Inquiry / Help", "value": "inquiry", "sequence": "10", "dependent_value": ""})
    );
    let q = "name=incident^element=subcategory^dependent_value=network^inactive=false^language=en^ORDERBYsequence";
    let r = e
        .get(
            "admin",
            &format!(
                "/api/now/table/sys_choice?sysparm_fields=value&sysparm_query={}",
                enc(q)
            ),
        )
        .await;
    let values: Vec<&str> = r
        .rows()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["dhcp", "dns", "ip address", "vpn", "wireless"]);
    let q = "name=task^element=priority^language=en^ORDERBYsequence";
    let r = e
        .get(
            "admin",
            &format!(
                "/api/now/table/sys_choice?sysparm_fields=label&sysparm_query={}",
                enc(q)
            ),
        )
        .await;
    let labels: Vec<&str> = r
        .rows()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "1 - Critical",
            "2 - High",
            "3 - Moderate",
            "4 - Low",
            "5 - Planning"
        ]
    );
}

#[tokio::test]
async fn choice_lookup_also_lists_close_codes_hold_reasons_and_states() {
    let e = emu().await;
    for (element, expected) in [
        ("state", vec!["1", "2", "3", "6", "7", "8"]),
        ("hold_reason", vec!["1", "3", "4", "5"]),
    ] {
        let q =
            format!("name=incident^element={element}^inactive=false^language=en^ORDERBYsequence");
        let r = e
            .get(
                "admin",
                &format!(
                    "/api/now/table/sys_choice?sysparm_fields=value&sysparm_query={}",
                    enc(&q)
                ),
            )
            .await;
        let values: Vec<&str> = r
            .rows()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, expected, "{element}");
    }
    let q = "name=incident^element=close_code^inactive=false^language=en";
    let r = e
        .get(
            "admin",
            &format!(
                "/api/now/table/sys_choice?sysparm_fields=value&sysparm_query={}",
                enc(q)
            ),
        )
        .await;
    let values: Vec<&str> = r
        .rows()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    for v in [
        "Duplicate",
        "Known error",
        "Resolved by caller",
        "Resolved by change",
        "Resolved by problem",
        "Solution provided",
        "Workaround provided",
        "User error",
    ] {
        assert!(values.contains(&v), "{v}");
    }
    assert!(
        !values.contains(&"Closed/Resolved by Caller"),
        "legacy codes are inactive"
    );
}

#[tokio::test]
async fn idempotent_create_lookup_of_section_11() {
    let e = emu().await;
    let q =
        "ORDERBYDESCsys_created_on^correlation_id=snowlink:warehouse-dq/A-1003#seed^active=true";
    let r = e
        .get("admin", &format!("/api/now/v2/table/incident?sysparm_query={}&sysparm_limit=1&sysparm_fields=sys_id,number,state,sys_updated_on", enc(q)))
        .await;
    assert_eq!(r.rows().len(), 1);
    assert_eq!(r.rows()[0]["number"], "INC0000016");
}

#[tokio::test]

async fn or_binds_tighter_than_and() {
    let e = emu().await;
    // active=true AND (LIKE vpn OR LIKE vpn OR number=vpn)
    let n = numbers(
        &e,
        "active=true^short_descriptionLIKEvpn^ORdescriptionLIKEvpn^ORnumber=vpn",
    )
    .await;
    assert_eq!(n, ["INC0000004"]);
    let n = numbers(&e, "state=7^ORstate=8^ORDERBYnumber").await;
    assert_eq!(n, ["INC0000003", "INC0000011", "INC0000014"]);
}

#[tokio::test]

async fn new_query_groups_are_ored() {
    let e = emu().await;
    let n = numbers(&e, "number=INC0000001^NQnumber=INC0000002^ORDERBYnumber").await;
    assert_eq!(n, ["INC0000001", "INC0000002"]);
}

#[tokio::test]

async fn like_startswith_endswith_are_case_insensitive() {
    let e = emu().await;
    assert_eq!(
        numbers(&e, "short_descriptionLIKEWIFI").await,
        ["INC0000001"]
    );
    assert_eq!(
        numbers(&e, "short_descriptionSTARTSWITHunable to").await,
        ["INC0000001"]
    );
    assert_eq!(
        numbers(&e, "short_descriptionENDSWITHOFFICE WIFI").await,
        ["INC0000001"]
    );
    assert_eq!(
        numbers(
            &e,
            "short_descriptionNOT LIKEe^short_descriptionNOTLIKEa^ORDERBYnumber"
        )
        .await
        .len(),
        0
    );
}

#[tokio::test]

async fn in_lists_and_emptiness() {
    let e = emu().await;
    assert_eq!(
        numbers(&e, "numberININC0000001,INC0000003^ORDERBYnumber").await,
        ["INC0000001", "INC0000003"]
    );
    assert_eq!(
        numbers(&e, "assigned_toISEMPTY^ORDERBYnumber").await,
        ["INC0000007", "INC0000010", "INC0000014", "INC0000019"]
    );
    assert_eq!(
        numbers(&e, "hold_reasonISNOTEMPTY^ORDERBYnumber").await,
        ["INC0000006", "INC0000015"]
    );
}

#[tokio::test]

async fn text_query_and_goto() {
    let e = emu().await;
    assert_eq!(numbers(&e, "123TEXTQUERY321=wifi").await, ["INC0000001"]);
    assert_eq!(
        numbers(&e, "GOTO123TEXTQUERY321=wifi").await,
        ["INC0000001"]
    );
    assert_eq!(numbers(&e, "GOTOnumber=INC0000002").await, ["INC0000002"]);
    assert_eq!(
        numbers(&e, "123TEXTQUERY321=INC0000003^active=false").await,
        ["INC0000003"]
    );
}

#[tokio::test]

async fn escaped_carets_and_trailing_eq() {
    let e = emu().await;
    let rec = e
        .create_incident(
            "admin",
            json!({"short_description": "a^b", "correlation_id": "x^y"}),
        )
        .await;
    let n = numbers(&e, "correlation_id=x^^y^EQ").await;
    assert_eq!(n, [rec["number"].as_str().unwrap()]);
}

#[tokio::test]
async fn unknown_fields_in_or_groups_are_ignored_by_default() {
    let e = emu().await;
    assert_eq!(
        numbers(&e, "number=INC0000001^u_typo=1").await,
        ["INC0000001"]
    );
}

#[tokio::test]
async fn current_user_script_calls_are_evaluated_on_the_server() {
    let e = emu().await;
    let r = e
        .get(
            "itil",
            &format!(
                "/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={}",
                enc("sys_id=javascript:gs.getUserID()")
            ),
        )
        .await;
    assert_eq!(r.json, json!({"result": [{"user_name": "itil"}]}));
    let mine = e
        .get(
            "itil",
            &format!(
                "/api/now/table/incident?sysparm_fields=number&sysparm_query={}",
                enc("assigned_to=javascript:gs.getUserID()^ORDERBYnumber")
            ),
        )
        .await;
    let n: Vec<&str> = mine
        .rows()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(n, ["INC0000002", "INC0000012", "INC0000020"]);
}
