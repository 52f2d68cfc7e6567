//! The catalogue: the demo's 7 areas and 85 templates for every signed-in user, counts per
//! area, filters, paging, print view, export, empty states; stopped templates are the
//! office's only; nobody signed out reads or downloads.

use super::*;

const AREAS: [&str; 7] = [
    "组织设置",
    "班子建设",
    "党员队伍",
    "组织生活",
    "制度机制",
    "阵地保障",
    "工作运行",
];

/// Every role reads the catalogue: 7 areas with their counts, 85 templates, 20 a page with the
/// current version, file, size, date and downloads; filters by area and words; print view
/// with every row; the export with the filters in words.
async fn every_user_reads_the_catalogue(app: TestApp) {
    for user in ["zhibu01", "zongzhi01", "viewer", "admin"] {
        let b = app.signed_in(user).await;
        let page = b.get("/templates").await;
        assert_eq!(page.status, 200, "{user}");
        for a in AREAS {
            page.assert_contains(a);
        }
        page.assert_contains(
            "<span class=\"stat-value\">85</span><span class=\"stat-label\">模板合计</span>",
        );
        page.assert_contains(
            "<span class=\"stat-value\">13</span><span class=\"stat-label\">组织生活</span>",
        );
        page.assert_contains("下一页");
        page.assert_contains("第1版");
        page.assert_contains("党支部设立请示.xlsx");
        page.assert_contains(".xlsx");
        assert_eq!(
            page.body.matches("/download\">下载</a>").count(),
            20,
            "{user}: 20 rows a page"
        );
        if user == "admin" {
            page.assert_contains("新建模板");
        } else {
            page.assert_lacks("新建模板");
            page.assert_lacks("name=\"inactive\"");
        }
    }
    let b = app.signed_in("zhibu01").await;
    let area = area_id(&app, "组织生活");
    let page = b.get(&format!("/templates?area={area}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("党员大会记录");
    page.assert_contains("主题党日活动记录");
    page.assert_lacks("党费收缴登记表");
    assert_eq!(page.body.matches("/download\">下载</a>").count(), 13);
    page.assert_lacks("下一页");

    let page = b.get("/templates?q=%E5%85%9A%E8%B4%B9").await; // 党费
    page.assert_contains("党费收缴登记表");
    page.assert_contains("党费收缴使用管理制度");
    page.assert_lacks("党员大会记录");
    // The counts follow the words: 党费 is in 党员队伍 once and 制度机制 once.
    page.assert_contains(
        "<span class=\"stat-value\">2</span><span class=\"stat-label\">模板合计</span>",
    );

    let print = b.get("/templates?print=1").await;
    assert_eq!(print.status, 200);
    print.assert_contains("print-view");
    print.assert_contains("党建工作季度报告表");
    print.assert_contains("共 85 条");
    print.assert_lacks("下一页");

    let (status, headers, bytes) = b
        .download(&format!(
            "/templates/export?area={area}&q=%E8%AE%B0%E5%BD%95"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap_or("")
        .contains("spreadsheetml"));
    let cells = crate::words::sheet_text(bytes);
    let all = cells.join("|");
    assert!(all.contains("工作模板目录"), "{all}");
    assert!(all.contains("分类 组织生活"), "{all}");
    assert!(all.contains("关键词 “记录”"), "{all}");
    assert!(all.contains("党员大会记录"), "{all}");
    assert!(!all.contains("主题党日年度安排表"), "{all}");
    assert!(all.contains("党员大会记录.xlsx"), "{all}");

    // Nothing matches: the empty state says so.
    let none = b
        .get("/templates?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E7%A7%8D")
        .await;
    assert_eq!(none.status, 200);
    none.assert_contains("没有符合条件的工作模板");
}

/// Signed out: the catalogue, a template and a download all lead to the sign-in page, and the
/// download count stays.
async fn nobody_signed_out_reads(app: TestApp) {
    let id = template_id(&app, "党员大会记录");
    let before = downloads(&app, id);
    let b = app.browser();
    for p in [
        "/templates".to_string(),
        format!("/templates/{id}"),
        format!("/templates/{id}/download"),
        format!("/templates/{id}/versions/1/download"),
        "/templates/export".to_string(),
    ] {
        let res = b.get(&p).await;
        assert_eq!(res.status, 303, "{p}");
        assert!(
            res.location.as_deref().unwrap_or("").starts_with("/login"),
            "{p}: {:?}",
            res.location
        );
    }
    assert_eq!(downloads(&app, id), before);
}

/// A stopped template: gone for everyone but the office (list, page, downloads: 404), shown
/// to the office with 含已停用; restarted, it is back.
async fn stopped_templates_are_the_offices(app: TestApp) {
    let id = template_id(&app, "党课记录");
    let office = app.signed_in("admin").await;
    let v = app.version("work_templates", id);
    let res = office
        .post(&format!("/templates/{id}/disable"), &[("version", &v)])
        .await;
    res.assert_redirect(&format!("/templates/{id}"));
    assert!(!template(&app, id).active);

    let sec = app.signed_in("zhibu01").await;
    let before = downloads(&app, id);
    sec.get("/templates?q=%E5%85%9A%E8%AF%BE")
        .await
        .assert_lacks(">党课记录<"); // 党课
    sec.get("/templates?q=%E5%85%9A%E8%AF%BE&inactive=1")
        .await
        .assert_lacks(">党课记录<");
    assert_eq!(sec.get(&format!("/templates/{id}")).await.status, 404);
    assert_eq!(
        sec.download(&format!("/templates/{id}/download")).await.0,
        404
    );
    assert_eq!(downloads(&app, id), before);

    office
        .get("/templates?q=%E5%85%9A%E8%AF%BE")
        .await
        .assert_lacks(">党课记录<");
    let all = office
        .get("/templates?q=%E5%85%9A%E8%AF%BE&inactive=1")
        .await;
    all.assert_contains(">党课记录<");
    all.assert_contains("已停用");
    let page = office.get(&format!("/templates/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("重新启用");

    let v = app.version("work_templates", id);
    office
        .post(&format!("/templates/{id}/enable"), &[("version", &v)])
        .await
        .assert_redirect(&format!("/templates/{id}"));
    assert_eq!(sec.get(&format!("/templates/{id}")).await.status, 200);
    // Both steps in the history and the audit log.
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'work_template' AND entity_id = {id} AND field = '状态'"
        )),
        2
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'work_template' AND entity_id = {id} AND action IN ('disable', 'enable')"
        )),
        2
    );
}

/// An empty library says so, and what to do.
async fn an_empty_library_says_so(app: TestApp) {
    app.exec("DELETE FROM template_versions; DELETE FROM work_templates;");
    let office = app.signed_in("admin").await;
    let page = office.get("/templates").await;
    assert_eq!(page.status, 200);
    page.assert_contains("模板库中还没有工作模板");
    page.assert_contains("新建模板");
    let sec = app.signed_in("zhibu01").await;
    sec.get("/templates")
        .await
        .assert_contains("模板库中还没有工作模板");
}

crate::both!(
    every_user_reads_the_catalogue,
    nobody_signed_out_reads,
    stopped_templates_are_the_offices,
    an_empty_library_says_so,
);
