//! The assignee picker's group members against the ServiceNow emulator: `sys_user_grmember`
//! rows with `group=<sys_id>`, the user's sys_id and name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use servicenow_client::{Auth, Client, ClientConfig, SecretString};
use servicenow_emulator::EmulatorConfig;
use snowlink::ops::{search_group_members, search_groups, search_users};

#[tokio::test]
async fn a_groups_members_are_listed_and_searched() {
    let emu = servicenow_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let client = Client::new(ClientConfig::new(
        emu.base_url().as_str(),
        Auth::Basic {
            username: "admin".into(),
            password: SecretString::from("admin"),
        },
    ))
    .unwrap();
    let desk = search_groups(&client, "Service Desk").await.unwrap();
    let desk = &desk[0];
    let all = search_group_members(&client, &desk.sys_id, "")
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"Beth Anglin"), "{names:?}");
    assert!(all.iter().all(|r| r.sys_id.len() == 32), "{all:?}");
    let be = search_group_members(&client, &desk.sys_id, "Beth")
        .await
        .unwrap();
    assert_eq!(be.len(), 1, "{be:?}");
    assert_eq!(be[0].name, "Beth Anglin");
    // Another group's members are not listed.
    let db = search_groups(&client, "Database").await.unwrap();
    let db_members = search_group_members(&client, &db[0].sys_id, "")
        .await
        .unwrap();
    assert!(
        db_members.iter().all(|r| r.name != "Beth Anglin"),
        "{db_members:?}"
    );
    // Widened to every user (ctrl-g): an empty text lists the active users by name.
    let everyone = search_users(&client, "").await.unwrap();
    let names: Vec<&str> = everyone.iter().map(|r| r.name.as_str()).collect();
    assert!(names.len() > db_members.len(), "{names:?}");
    assert!(
        names.contains(&"Beth Anglin") && names.contains(&"Abel Tuter"),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    emu.shutdown().await;
}
