//! Measures in Excel: export then import gives the same rows; bad imports name every bad row;
//! rows for units outside the scope are refused.

use super::*;

async fn export_then_import_into_an_empty_year_gives_the_same_rows(app: TestApp) {
    let b = app.signed_in("admin").await;
    let zz01 = app.unit_id("ZZ01");
    let (status, ct, file) = download(&b, &format!("/measures/export?year=2026&unit={zz01}")).await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    // A fresh campaign year.
    let c2030 = {
        let mut conn = app.db.conn().expect("conn");
        zuofeng::db::write_tx(&mut conn, |c| {
            campaigns::create(c, 2030, "2030年作风建设", 25, 7, start_time())
        })
        .expect("create 2030")
    };
    b.get("/measures/import?year=2030").await;
    let res = import(&b, "2030", &file).await;
    res.assert_redirect("/measures?year=2030");
    b.get("/measures?year=2030")
        .await
        .assert_contains("已导入 40 条践行举措到 2030 年度");
    assert_eq!(
        app.count("audit_log WHERE entity = 'measure' AND action = 'import'"),
        40
    );

    type Row = (
        (
            String,
            String,
            String,
            String,
            &'static str,
            &'static str,
            &'static str,
        ),
        (
            String,
            Option<String>,
            String,
            String,
            NaiveDate,
            &'static str,
            i32,
        ),
    );
    let load = |campaign_id: i32, unit_path: Option<String>| -> Vec<Row> {
        let mut conn = app.db.conn().expect("conn");
        let mut f = measures::MeasureFilter::new(Scope::All);
        f.unit_path = unit_path;
        let (rows, _) = measures::list(
            &mut conn,
            campaign_id,
            &f,
            measures::SortKey::Deadline,
            None,
            None,
        )
        .expect("list");
        let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
        let goals = measures::goals_of(&mut conn, &ids).expect("goals");
        let mut out: Vec<Row> = rows
            .into_iter()
            .map(|(m, u)| {
                let g = goals
                    .get(&m.id)
                    .map(|g| {
                        g.iter()
                            .map(|g| g.name.clone())
                            .collect::<Vec<_>>()
                            .join("、")
                    })
                    .unwrap_or_default();
                (
                    (
                        u.code,
                        m.title.clone(),
                        m.content.clone(),
                        g,
                        m.category().code(),
                        m.carrier().code(),
                        m.lead_tag().code(),
                    ),
                    (
                        m.indicator.clone(),
                        m.target_value.map(|v| format!("{v:.4}")),
                        m.target_unit.clone(),
                        m.owner.clone(),
                        m.deadline,
                        m.status().code(),
                        m.progress,
                    ),
                )
            })
            .collect();
        out.sort();
        out
    };
    let (c2026, zz01_path) = {
        let mut conn = app.db.conn().expect("conn");
        let c = campaigns::by_year(&mut conn, 2026)
            .expect("q")
            .expect("2026");
        let p = zuofeng::db::models::units::get(&mut conn, zz01)
            .expect("unit")
            .path;
        (c.id, p)
    };
    let exported = load(c2026, Some(zz01_path));
    let imported = load(c2030.id, None);
    assert_eq!(exported.len(), 40);
    assert_eq!(imported.len(), exported.len());
    for (a, b) in exported.iter().zip(&imported) {
        assert_eq!(a, b);
    }
    // The new rows link the new year's goals, not the old year's.
    assert_eq!(
        app.count(&format!(
            "measure_goals mg JOIN measures m ON m.id = mg.measure_id \
             JOIN campaign_goals g ON g.id = mg.goal_id \
             WHERE m.campaign_id = {} AND g.campaign_id <> m.campaign_id",
            c2030.id
        )),
        0
    );
    // The template has the same header and a sheet of allowed values.
    let (status, _, tpl) = download(&b, "/measures/import/template?year=2030").await;
    assert_eq!(status, 200);
    let rows = xlsx::read(
        &tpl,
        &["单位编码", "举措名称", "对应目标"],
        &["举措名称"],
        10,
    )
    .expect("template reads");
    assert!(rows.is_empty());
    // Importing the empty template is a clear message, nothing written.
    let before = app.count("measures");
    let res = import(&b, "2030", &tpl).await;
    assert_eq!(res.status, 422);
    res.assert_contains("没有可导入的数据行");
    let res = import(&b, "2030", b"not a spreadsheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("无法读取");
    assert_eq!(app.count("measures"), before);
}

fn sheet(rows: Vec<Vec<&str>>) -> Vec<u8> {
    let headers = [
        "序号",
        "单位编码",
        "单位",
        "举措名称",
        "具体内容",
        "对应目标",
        "类别",
        "载体",
        "四个带头",
        "指标",
        "目标值",
        "计量单位",
        "责任人",
        "完成时限",
        "状态",
        "进度(%)",
    ];
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Value::from).collect())
        .collect();
    crate::helpers::template_sheet(&columns, &data)
}

fn row<'a>(unit: &'a str, title: &'a str) -> Vec<&'a str> {
    vec![
        "1",
        unit,
        "",
        title,
        "内容",
        "标准严格、效率快速",
        "生产经营指标",
        "党员先锋队",
        "党员干部带头作榜样",
        "合格率",
        "98",
        "%",
        "张三",
        "2026-12-31",
        "推进中",
        "20",
    ]
}

async fn a_bad_import_names_every_bad_row_and_writes_nothing(app: TestApp) {
    let b = app.signed_in("admin").await;
    let mut rows = vec![row("ZB01", "好的一行")];
    let mut r = row("ZB99", "未知单位");
    rows.push(r.clone());
    r = row("ZB01", "");
    rows.push(r);
    r = row("ZB01", "类别不对");
    r[6] = "生产";
    rows.push(r);
    r = row("ZB01", "日期不对");
    r[13] = "2026-02-30";
    rows.push(r);
    r = row("ZB01", "进度不对");
    r[15] = "150";
    rows.push(r);
    r = row("ZB01", "目标不对");
    r[5] = "标准严格、不存在的目标";
    rows.push(r);
    r = row("ZB02", "多处不对");
    r[7] = "先锋";
    r[12] = "";
    rows.push(r);
    rows.push(row("zb03", "又一行好的"));
    let file = sheet(rows);
    b.get("/measures/import").await;
    let before = app.count("measures");
    let res = import(&b, "2026", &file).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("文件中有 7 行需要修改，本次未导入任何数据");
    res.assert_contains("第 4 行：单位编码“ZB99”不存在");
    res.assert_contains("第 5 行：请填写举措名称");
    res.assert_contains("第 6 行：请选择类别");
    res.assert_contains("第 7 行：完成时限须为有效日期");
    res.assert_contains("第 8 行：进度须为 0 到 100 之间的整数");
    res.assert_contains("第 9 行：对应目标“不存在的目标”不存在");
    res.assert_contains("第 10 行：请选择载体");
    res.assert_contains("请填写责任人");
    res.assert_lacks("第 3 行");
    res.assert_lacks("第 11 行");
    assert_eq!(app.count("measures"), before);
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // The good rows alone import, labels or codes alike.
    let mut coded = row("ZB01", "用代码填写");
    coded[6] = "brand";
    coded[7] = "none";
    coded[8] = "none";
    coded[14] = "not_started";
    coded[15] = "0%";
    let file = sheet(vec![row("ZB01", "好的一行"), coded]);
    import(&b, "2026", &file)
        .await
        .assert_redirect("/measures?year=2026");
    assert_eq!(app.count("measures"), before + 2);
    assert_eq!(
        app.count("measures WHERE title = '用代码填写' AND category = 'brand' AND progress = 0"),
        1
    );
}

async fn import_for_units_outside_the_scope_is_refused_row_by_row(app: TestApp) {
    let b = app.signed_in("zhibu03").await;
    b.get("/measures/import").await;
    let file = sheet(vec![
        row("ZB01", "别人的举措一"),
        row("ZB05", "自己的举措"),
        row("ZB02", "别人的举措二"),
        row("DW", "党委的举措"),
    ]);
    let before = app.count("measures");
    let res = import(&b, "2026", &file).await;
    assert_eq!(res.status, 422);
    res.assert_contains("第 3 行：无权为单位“综合办公室党支部”（ZB01）导入举措");
    res.assert_contains("第 5 行：无权为单位“党群工作部党支部”（ZB02）导入举措");
    res.assert_contains("第 6 行：无权为单位");
    res.assert_lacks("第 4 行");
    assert_eq!(app.count("measures"), before);
    // Its own rows alone go in.
    let file = sheet(vec![row("ZB05", "自己的举措")]);
    import(&b, "2026", &file)
        .await
        .assert_redirect("/measures?year=2026");
    assert_eq!(
        app.count(&format!(
            "measures WHERE title = '自己的举措' AND unit_id = {}",
            app.unit_id("ZB05")
        )),
        1
    );
}

both!(
    export_then_import_into_an_empty_year_gives_the_same_rows,
    a_bad_import_names_every_bad_row_and_writes_nothing,
    import_for_units_outside_the_scope_is_refused_row_by_row,
);
