//! Downloads: the exact bytes with their name and type, every version, each counted with one
//! atomic increment (ten at once: ten more).

use super::*;

/// The current file and each version come back byte for byte with the RFC 5987 name; each
/// download counts, two downloads two more; a missing version is 404 and counts nothing.
async fn a_download_is_exact_and_counted(app: TestApp) {
    let id = template_id(&app, "党员大会记录");
    let stored = {
        let mut c = app.db.conn().expect("connection");
        zuofeng::db::models::library::version_data(&mut c, id, None)
            .expect("query")
            .expect("a file")
    };
    let before = downloads(&app, id);
    let b = app.signed_in("zhibu01").await;
    let (status, headers, bytes) = b.download(&format!("/templates/{id}/download")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, stored.1);
    assert_eq!(
        headers["content-type"].to_str().unwrap_or(""),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let cd = headers["content-disposition"].to_str().unwrap_or("");
    assert!(cd.starts_with("attachment;"), "{cd}");
    let encoded: String = url::form_urlencoded::byte_serialize("党员大会记录.xlsx".as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    assert!(cd.contains(&format!("filename*=UTF-8''{encoded}")), "{cd}");
    assert_eq!(downloads(&app, id), before + 1);
    let (status, _, again) = b
        .download(&format!("/templates/{id}/versions/1/download"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, stored.1);
    assert_eq!(downloads(&app, id), before + 2);
    // A download is not an edit: the version stays, nothing in the history.
    assert_eq!(template(&app, id).version, 1);
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'work_template' AND entity_id = {id}"
        )),
        0
    );

    // No such version, no such template: 404, nothing counted.
    assert_eq!(
        b.download(&format!("/templates/{id}/versions/9/download"))
            .await
            .0,
        404
    );
    assert_eq!(b.download("/templates/999999/download").await.0, 404);
    assert_eq!(downloads(&app, id), before + 2);

    // Every role downloads.
    for user in ["zongzhi01", "viewer", "admin"] {
        let u = app.signed_in(user).await;
        assert_eq!(
            u.download(&format!("/templates/{id}/download")).await.0,
            200
        );
    }
    assert_eq!(downloads(&app, id), before + 5);
    let page = b.get(&format!("/templates/{id}")).await;
    page.assert_contains(&format!("<dt>下载次数</dt><dd>{}</dd>", before + 5));
}

/// Ten downloads at the same moment: ten more, none lost.
async fn ten_downloads_at_once_all_count(app: TestApp) {
    let id = template_id(&app, "主题党日活动记录");
    let before = downloads(&app, id);
    let b = app.signed_in("zhibu02").await;
    let path = format!("/templates/{id}/download");
    let results = futures_util::future::join_all((0..10).map(|_| b.download(&path))).await;
    assert!(results.iter().all(|(s, _, _)| *s == 200));
    assert_eq!(downloads(&app, id), before + 10);
}

crate::both!(
    a_download_is_exact_and_counted,
    ten_downloads_at_once_all_count
);
