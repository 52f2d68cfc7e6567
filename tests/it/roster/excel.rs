//! The roster in Excel: the template, an import that adds and then updates (never doubles),
//! bad files with every bad row named and nothing written, the row limit, and an export that
//! holds exactly the filtered rows.

use std::io::Cursor;

use calamine::Reader;
use zuofeng::xlsx::{self, col, Value};

use super::*;

const HEADERS: [&str; 7] = [
    "姓名",
    "单位",
    "人员类别",
    "岗位",
    "在册起始日期",
    "离开日期",
    "备注",
];

/// A sheet laid out as the template: title, headers, then the rows.
pub(super) fn sheet(rows: Vec<Vec<&str>>) -> Vec<u8> {
    let columns: Vec<_> = HEADERS.iter().map(|h| col(h, 10.0)).collect();
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Value::from).collect())
        .collect();
    crate::helpers::template_sheet(&columns, &data)
}

/// A good row: name, unit (name or code), categories.
pub(super) fn row<'a>(unit: &'a str, name: &'a str, categories: &'a str) -> Vec<&'a str> {
    vec![name, unit, categories, "党务干事", "2022-01-01", "", ""]
}

async fn import(b: &Browser, file: &[u8]) -> Page {
    if b.csrf().is_empty() {
        b.get("/roster/import").await;
    }
    let (ct, body) = multipart(&b.csrf(), &[], Some(("名册.xlsx", file)));
    b.post_body("/roster/import", &ct, body).await
}

async fn an_import_adds_then_updates_and_never_doubles(app: TestApp) {
    let office = app.signed_in("admin").await;
    // The template: the columns, no rows to import, an example sheet and the matching rule.
    let (status, _, tpl) = office.download("/roster/import/template").await;
    assert_eq!(status, 200);
    assert!(
        xlsx::read(&tpl, &["姓名", "单位", "人员类别"], &HEADERS, 10)
            .expect("template reads")
            .is_empty()
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(tpl.clone())).expect("xlsx");
    assert_eq!(wb.sheet_names(), ["人员名册", "填写说明", "填写示例"]);
    let example = wb.worksheet_range("填写示例").expect("example sheet");
    let cells: Vec<String> = example
        .rows()
        .nth(1)
        .expect("example row")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&cells[..3], ["王芳", "ZB01", "党员、组工干部"]);
    let page = office.get("/roster/import").await;
    page.assert_contains("同一单位中姓名相同的人员视为同一人");
    page.assert_contains("/roster/import/template");

    let zb01 = app.unit_id("ZB01");
    let before = app.count("roster_people");
    let file = sheet(vec![
        row("ZB01", "导入甲", "党员、组工干部"),
        row("党群工作部党支部", "导入乙", "预备党员，入党积极分子"),
        vec![
            "导入丙",
            "zb05",
            "统战对象 领导人员",
            "",
            "2020/3/5",
            "2026-06-30",
            "已调出",
        ],
    ]);
    let res = import(&office, &file).await;
    res.assert_redirect("/roster");
    office
        .get("/roster")
        .await
        .assert_contains("导入完成：新增 3 人，更新 0 人，0 人信息无变化");
    assert_eq!(app.count("roster_people"), before + 3);
    assert_eq!(
        app.count(&format!(
            "roster_people WHERE name = '导入甲' AND unit_id = {zb01} \
             AND categories = ',party_member,org_cadre,'"
        )),
        1
    );
    assert_eq!(
        app.count(
            "roster_people WHERE name = '导入丙' AND categories = ',leader,united_front,' \
             AND active_from = '2020-03-05' AND active_to = '2026-06-30' AND notes = '已调出'"
        ),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'roster_person' AND action = 'import'"),
        3
    );
    // The same file again: nothing doubles, nothing changes.
    import(&office, &file).await.assert_redirect("/roster");
    office
        .get("/roster")
        .await
        .assert_contains("导入完成：新增 0 人，更新 0 人，3 人信息无变化");
    assert_eq!(app.count("roster_people"), before + 3);
    // A changed post updates that person, with history; an empty leaving date keeps the one
    // already recorded.
    let mut changed = row("ZB01", "导入甲", "党员、组工干部");
    changed[3] = "宣传委员";
    let file = sheet(vec![
        changed,
        vec![
            "导入丙",
            "ZB05",
            "统战对象、领导人员",
            "",
            "2020-03-05",
            "",
            "已调出",
        ],
    ]);
    import(&office, &file).await.assert_redirect("/roster");
    office
        .get("/roster")
        .await
        .assert_contains("导入完成：新增 0 人，更新 1 人，1 人信息无变化");
    assert_eq!(app.count("roster_people"), before + 3);
    assert_eq!(
        app.count("roster_people WHERE name = '导入丙' AND active_to = '2026-06-30'"),
        1
    );
    let id = {
        let mut c = app.db.conn().expect("conn");
        zuofeng::db::models::roster::of_units(&mut c, &[zb01])
            .expect("people")
            .into_iter()
            .find(|p| p.name == "导入甲")
            .expect("导入甲")
            .id
    };
    office
        .get(&format!("/roster/{id}"))
        .await
        .assert_contains("<td>岗位</td><td>党务干事</td><td>宣传委员</td>");
}

async fn a_bad_import_names_every_bad_row_and_writes_nothing(app: TestApp) {
    let sec = app.signed_in("zhibu01").await; // ZB01 only
    let mut bad_date = row("ZB01", "日期错", "党员");
    bad_date[4] = "2022-02-30";
    let mut reversed = row("ZB01", "先后错", "党员");
    reversed[5] = "2021-12-31";
    let file = sheet(vec![
        row("ZB01", "好的一行", "党员"),           // row 3
        row("ZB99", "单位错", "党员"),             // 4
        row("ZB02", "越权", "党员"),               // 5
        row("ZB01", "类别错", "党员、群众"),       // 6
        bad_date,                                  // 7
        reversed,                                  // 8
        row("ZB01", "", "党员"),                   // 9
        row("ZB01", "好的一行", "组工干部"),       // 10
        row("综合办公室党支部", "另一行好的", ""), // 11
        row("ZB01", "又一行好的", "发展对象"),     // 12
    ]);
    let before = app.count("roster_people");
    let res = import(&sec, &file).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("文件中有 8 行需要修改，本次未导入任何数据");
    res.assert_contains("第 4 行：单位“ZB99”不存在");
    res.assert_contains("第 5 行：单位“党群工作部党支部”不在您可维护的范围内");
    res.assert_contains("第 6 行：人员类别“群众”无效，可选：党员、预备党员");
    res.assert_contains("第 7 行：在册起始日期“2022-02-30”不是有效日期");
    res.assert_contains("第 8 行：离开日期（2021-12-31）不能早于在册起始日期（2022-01-01）");
    res.assert_contains("第 9 行：请填写姓名");
    res.assert_contains(
        "第 10 行：与第 3 行重复（同一单位“综合办公室党支部”、同一姓名“好的一行”）",
    );
    res.assert_contains("第 11 行：请填写人员类别");
    res.assert_lacks("第 3 行：");
    res.assert_lacks("第 12 行");
    assert_eq!(app.count("roster_people"), before);
    assert_eq!(app.count("audit_log WHERE entity = 'roster_person'"), 0);
    // Not a spreadsheet, or no rows: a clear message, nothing written.
    let res = import(&sec, b"not a spreadsheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("无法读取");
    let res = import(&sec, &sheet(vec![])).await;
    assert_eq!(res.status, 422);
    res.assert_contains("没有可导入的数据行");
    assert_eq!(app.count("roster_people"), before);
}

async fn an_import_over_the_row_limit_is_refused(app: TestApp) {
    let office = app.signed_in("admin").await;
    let names: Vec<String> = (0..5001).map(|i| format!("人员{i}")).collect();
    let rows: Vec<Vec<&str>> = names.iter().map(|n| row("ZB01", n, "党员")).collect();
    let before = app.count("roster_people");
    let res = import(&office, &sheet(rows)).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("一次最多导入 5000 行，请分批导入。");
    assert_eq!(app.count("roster_people"), before);
    assert_eq!(app.count("audit_log WHERE entity = 'roster_person'"), 0);
}

async fn the_export_holds_the_filtered_rows(app: TestApp) {
    let (zb01, zb02) = (app.unit_id("ZB01"), app.unit_id("ZB02"));
    let office = app.signed_in("admin").await;
    let stays = create(&office, zb01, "在册者").await;
    let leaves = create(&office, zb01, "离开者").await;
    create(&office, zb02, "别的支部").await;
    let v = ver(&app, leaves);
    office
        .post(
            &format!("/roster/{leaves}/end"),
            &[("active_to", "2026-10-31"), ("version", &v)],
        )
        .await
        .assert_redirect(&format!("/roster/{leaves}"));
    // The list links its export with its filters.
    let list = office
        .get(&format!(
            "/roster?unit={zb01}&status=active&category=org_cadre"
        ))
        .await;
    list.assert_contains(&format!(
        "/roster/export?unit={zb01}&#38;category=org_cadre&#38;status=active"
    ));
    let (status, headers, bytes) = office
        .download(&format!(
            "/roster/export?unit={zb01}&category=org_cadre&status=active"
        ))
        .await;
    assert_eq!(status, 200);
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cd.ends_with(".xlsx") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    // The filters in words under the title.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let info = range.get((1, 0)).map(|c| c.to_string()).unwrap_or_default();
    assert!(
        info.contains("单位 综合办公室党支部")
            && info.contains("人员类别 组工干部")
            && info.contains("状态 在册"),
        "{info}"
    );
    // Exactly the filtered rows, read back as an import would.
    let rows = xlsx::read(&bytes, &["姓名"], &HEADERS, 5000).expect("reads");
    let names: Vec<&str> = rows.iter().map(|r| r.get("姓名")).collect();
    assert!(names.contains(&"在册者"), "{names:?}");
    assert!(
        !names.contains(&"离开者") && !names.contains(&"别的支部"),
        "{names:?}"
    );
    let mine = rows
        .iter()
        .find(|r| r.get("姓名") == "在册者")
        .expect("row");
    assert_eq!(mine.get("单位"), "综合办公室党支部");
    assert_eq!(mine.get("人员类别"), "党员、组工干部");
    assert_eq!(mine.get("在册起始日期"), "2022-01-01");
    // 已离开 alone.
    let (_, _, bytes) = office
        .download(&format!("/roster/export?unit={zb01}&status=left"))
        .await;
    let rows = xlsx::read(&bytes, &["姓名"], &HEADERS, 5000).expect("reads");
    let names: Vec<&str> = rows.iter().map(|r| r.get("姓名")).collect();
    assert_eq!(names, ["离开者"]);
    assert_eq!(rows[0].get("离开日期"), "2026-10-31");
    // The exported file imports back without doubling anyone.
    let before = app.count("roster_people");
    let (_, _, all) = office
        .download(&format!("/roster/export?unit={zb01}"))
        .await;
    import(&office, &all).await.assert_redirect("/roster");
    assert_eq!(app.count("roster_people"), before);
    let _ = stays;
}

both!(
    an_import_adds_then_updates_and_never_doubles,
    a_bad_import_names_every_bad_row_and_writes_nothing,
    an_import_over_the_row_limit_is_refused,
    the_export_holds_the_filtered_rows,
);
