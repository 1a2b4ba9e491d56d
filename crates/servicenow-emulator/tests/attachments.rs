//! The Attachment API (§12): upload, list, metadata, content, delete.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use reqwest::Method;

async fn upload(
    e: &common::Emu,
    user: &str,
    query: &str,
    content_type: Option<&str>,
    body: &'static [u8],
) -> common::Reply {
    let mut req = e
        .request(
            Method::POST,
            user,
            &format!("/api/now/attachment/file?{query}"),
        )
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    reply(req.send().await.unwrap()).await
}

#[tokio::test]
async fn upload_then_list_get_download_and_delete() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000005").await;
    let r = upload(
        &e,
        "itil",
        &format!("table_name=incident&table_sys_id={id}&file_name=hello.txt"),
        Some("text/plain"),
        b"hello",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let meta = r.result().clone();
    let att = meta["sys_id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location").unwrap(),
        format!("{}/api/now/attachment/{att}", e.base)
    );
    assert_eq!(meta["file_name"], "hello.txt");
    assert_eq!(meta["content_type"], "text/plain");
    assert_eq!(meta["size_bytes"], "5");
    assert_eq!(meta["table_name"], "incident");
    assert_eq!(meta["table_sys_id"], id.as_str());
    assert_eq!(
        meta["hash"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        meta["download_link"],
        format!("{}/api/now/attachment/{att}/file", e.base)
    );
    assert_eq!(meta["sys_created_by"], "itil");
    for key in [
        "size_compressed",
        "compressed",
        "image_width",
        "image_height",
        "sys_created_on",
    ] {
        assert!(meta[key].is_string(), "{key}");
    }

    let list = e
        .get(
            "itil",
            &format!(
                "/api/now/attachment?sysparm_query=table_name%3Dincident%5Etable_sys_id%3D{id}"
            ),
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("x-total-count").unwrap(), "1");
    assert!(
        list.header("link")
            .unwrap()
            .starts_with(&format!("<{}/api/now/attachment?", e.base))
    );
    assert_eq!(list.rows()[0]["sys_id"], att.as_str());

    let one = e.get("itil", &format!("/api/now/attachment/{att}")).await;
    assert_eq!(one.result()["file_name"], "hello.txt");

    let file = reply(
        e.request(
            Method::GET,
            "itil",
            &format!("/api/now/attachment/{att}/file"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.text, "hello");
    assert_eq!(file.header("content-type").unwrap(), "text/plain");
    let header_meta: serde_json::Value =
        serde_json::from_str(&file.header("x-attachment-metadata").unwrap()).unwrap();
    assert_eq!(header_meta["file_name"], "hello.txt");

    let del = reply(
        e.request(
            Method::DELETE,
            "itil",
            &format!("/api/now/attachment/{att}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(del.status, 204);
    assert_eq!(
        e.get("itil", &format!("/api/now/attachment/{att}"))
            .await
            .status,
        404
    );
    assert_eq!(
        e.get("itil", &format!("/api/now/attachment/{att}/file"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn missing_parameters_and_content_type_are_400_and_a_missing_record_404() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000005").await;
    let r = upload(
        &e,
        "itil",
        &format!("table_name=incident&table_sys_id={id}"),
        Some("text/plain"),
        b"x",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.error().1.as_str().unwrap().contains("file_name"));
    let r = upload(
        &e,
        "itil",
        &format!("table_name=incident&table_sys_id={id}&file_name=a"),
        None,
        b"x",
    )
    .await;
    assert_eq!(r.status, 400);
    let r = upload(
        &e,
        "itil",
        "table_name=incident&table_sys_id=0123456789abcdef0123456789abcdef&file_name=a",
        Some("text/plain"),
        b"x",
    )
    .await;
    assert_eq!(r.status, 404);
    let r = upload(
        &e,
        "itil",
        &format!("table_name=u_nope&table_sys_id={id}&file_name=a"),
        Some("text/plain"),
        b"x",
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn callers_attach_to_their_own_incidents_only() {
    let e = emu().await;
    let own = e.sys_id_of("INC0000007").await;
    let other = e.sys_id_of("INC0000001").await;
    let r = upload(
        &e,
        "guest",
        &format!("table_name=incident&table_sys_id={own}&file_name=s.png"),
        Some("image/png"),
        b"\x89PNG",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = upload(
        &e,
        "guest",
        &format!("table_name=incident&table_sys_id={other}&file_name=s.png"),
        Some("image/png"),
        b"\x89PNG",
    )
    .await;
    assert_eq!(r.status, 404, "a hidden record looks missing");
    // Attachments of hidden records are hidden too.
    upload(
        &e,
        "itil",
        &format!("table_name=incident&table_sys_id={other}&file_name=x.txt"),
        Some("text/plain"),
        b"x",
    )
    .await;
    let mine = e.get("guest", "/api/now/attachment").await;
    assert_eq!(mine.rows().len(), 1);
    assert_eq!(mine.header("x-total-count").unwrap(), "2");
    let all = e.get("admin", "/api/now/table/sys_attachment").await;
    assert_eq!(all.rows().len(), 2);
}

#[tokio::test]
async fn multipart_upload_takes_the_file_as_the_last_part() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000005").await;
    let boundary = "XyZboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"table_name\"\r\n\r\nincident\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"table_sys_id\"\r\n\r\n{id}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\r\n\
         --{boundary}--\r\n"
    );
    let r = reply(
        e.request(Method::POST, "itil", "/api/now/attachment/upload")
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.result()["file_name"], "log.txt");
    assert_eq!(r.result()["size_bytes"], "8");
    let bad = reply(
        e.request(Method::POST, "itil", "/api/now/attachment/upload")
            .header("Content-Type", "multipart/form-data; boundary=nope")
            .body("garbage")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn attachments_need_authentication() {
    let e = emu().await;
    let r = reply(
        e.http
            .get(e.url("/api/now/attachment"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = reply(
        e.http
            .post(e.url("/api/now/attachment/file?table_name=incident"))
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
}
