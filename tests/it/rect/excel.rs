//! The 配档表 in Excel both ways: the printed layout, round trips, a bad import.

use super::*;

async fn peidang_export_has_the_printed_layout(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let (status, headers, bytes) = b.download(&format!("/rect/tables/{table}/export")).await;
    assert_eq!(status, 200);
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cd.contains("filename*=UTF-8''"), "{cd}");
    let mut wb = workbook(&bytes);
    let merged = wb
        .worksheet_merge_cells_at(0)
        .expect("sheet")
        .expect("merged cells");
    let spans: Vec<((u32, u32), (u32, u32))> = merged.iter().map(|d| (d.start, d.end)).collect();
    for want in [
        ((0, 0), (0, 9)), // title
        ((1, 0), (1, 9)), // 填报单位 line
        ((2, 0), (3, 0)), // 序号 over both header rows
        ((2, 1), (2, 4)), // 问题查摆
        ((2, 5), (2, 9)), // 整改落实
    ] {
        assert!(spans.contains(&want), "missing merge {want:?} in {spans:?}");
    }
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(
        cell(&range, 0, 0),
        "综合办公室党支部作风建设问题整改工作配档表"
    );
    assert!(cell(&range, 1, 0).contains("填报单位：综合办公室党支部"));
    assert!(cell(&range, 1, 0).contains("年度：2026"));
    assert_eq!(cell(&range, 2, 0), "序号");
    assert_eq!(cell(&range, 2, 1), "问题查摆");
    assert_eq!(cell(&range, 2, 5), "整改落实");
    let headers: Vec<String> = (1..10).map(|c| cell(&range, 3, c)).collect();
    assert_eq!(
        headers,
        [
            "问题领域",
            "问题来源",
            "存在问题",
            "原因分析",
            "整改措施",
            "整改要求",
            "责任人",
            "整改时限",
            "状态"
        ]
    );
    let items = items_of(&app, table);
    assert_eq!(cell(&range, 4, 3), items[0].problem);
    assert_eq!(
        cell(&range, 4 + items.len() as u32 - 1, 9),
        items.last().unwrap().status().label()
    );
    // The empty template has the same header.
    let (status, _, bytes) = b
        .download(&format!("/rect/tables/{table}/import/template"))
        .await;
    assert_eq!(status, 200);
    let mut wb = workbook(&bytes);
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(cell(&range, 3, 3), "存在问题");
    assert_eq!(cell(&range, 4, 3), "");
    // The filtered list export reads back.
    let (status, _, bytes) = b.download("/rect/export?year=2026&light=red").await;
    assert_eq!(status, 200);
    let rows = zuofeng::xlsx::read(&bytes, &["存在问题"], &["单位", "存在问题", "提醒"], 10)
        .expect("reads");
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.get("单位") == "综合办公室党支部" && r.get("提醒") == "逾期"));
}

async fn export_then_import_gives_the_same_items(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    // Give the source table some awkward content too.
    add_item(
        &b,
        table,
        &[
            ("problem", "含“引号”、<尖括号> & 换行\n第二行"),
            ("cause", ""),
            ("requirement", ""),
            ("source", ""),
            ("area", "leaders"),
            ("status", "awaiting"),
        ],
    )
    .await;
    let (_, _, bytes) = b.download(&format!("/rect/tables/{table}/export")).await;
    let zb01 = app.unit_id("ZB01").to_string();
    let res = b
        .post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb01), ("title", "导入副本")],
        )
        .await;
    let copy = id_from(&res.location, "/rect/tables/");
    b.get(&format!("/rect/tables/{copy}/import")).await;
    let res = import(&b, copy, &bytes).await;
    res.assert_redirect(&format!("/rect/tables/{copy}"));
    let a = items_of(&app, table);
    let c = items_of(&app, copy);
    assert_eq!(a.len(), c.len());
    for (x, y) in a.iter().zip(&c) {
        assert_eq!(x.area, y.area);
        assert_eq!(x.source, y.source);
        assert_eq!(x.problem, y.problem);
        assert_eq!(x.cause, y.cause);
        assert_eq!(x.measure, y.measure);
        assert_eq!(x.requirement, y.requirement);
        assert_eq!(x.responsible, y.responsible);
        assert_eq!(x.deadline, y.deadline);
        assert_eq!(x.status, y.status);
        assert_eq!(y.unit_id, app.unit_id("ZB01"));
        assert_eq!(y.table_id, copy);
    }
    assert_eq!(
        c.iter().map(|i| i.seq).collect::<Vec<_>>(),
        (1..=c.len() as i32).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'import' AND entity_id = {copy}"
        )),
        1
    );
}

/// A 2022 配档表 holding 已销号 items goes through export and import into an empty table of a
/// year without items: every exported column comes back; the closed items stay closed with the
/// importer (who may accept) as acceptor, and the audit says so. A secretary may not import
/// closed rows.
async fn closed_items_survive_the_round_trip(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02");
    let source = ids(
        &app,
        &format!(
            "SELECT t.id AS id FROM rect_tables t JOIN campaigns c ON c.id = t.campaign_id \
             WHERE c.year = 2022 AND t.unit_id = {zz02} ORDER BY t.id"
        ),
    )[0];
    let original = items_of(&app, source);
    assert!(original.iter().any(|i| i.status == "closed"));
    assert!(original.len() >= 3);
    let (status, _, bytes) = admin
        .download(&format!("/rect/tables/{source}/export"))
        .await;
    assert_eq!(status, 200);
    admin
        .post(
            "/campaigns",
            &[
                ("year", "2027"),
                ("name", "2027年作风建设"),
                ("due_day", "25"),
                ("yellow_days", "7"),
            ],
        )
        .await
        .assert_redirect("/campaigns/2027");
    assert_eq!(
        app.count("rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2027"),
        0
    );
    let res = admin
        .post(
            "/rect/tables",
            &[
                ("year", "2027"),
                ("unit_id", &zz02.to_string()),
                ("title", "2022年配档表（导入）"),
            ],
        )
        .await;
    let copy = id_from(&res.location, "/rect/tables/");
    let res = import(&admin, copy, &bytes).await;
    res.assert_redirect(&format!("/rect/tables/{copy}"));
    let copied = items_of(&app, copy);
    assert_eq!(copied.len(), original.len());
    let admin_id = app.user_id("admin");
    for (x, y) in original.iter().zip(&copied) {
        assert_eq!(x.status, y.status);
        if y.status == "closed" {
            assert_eq!(y.accepted_by, Some(admin_id));
            assert!(y.accepted_at.is_some());
        } else {
            assert_eq!(y.accepted_by, None);
            assert_eq!(y.accepted_at, None);
        }
    }
    // Every exported column, cell by cell, below the info line (which names the year).
    let (_, _, again) = admin.download(&format!("/rect/tables/{copy}/export")).await;
    let a = workbook(&bytes)
        .worksheet_range_at(0)
        .expect("sheet")
        .expect("range");
    let b = workbook(&again)
        .worksheet_range_at(0)
        .expect("sheet")
        .expect("range");
    assert_eq!(a.get_size(), b.get_size());
    let (rows, cols) = a.get_size();
    assert!(rows >= 4 + original.len());
    for r in 2..rows as u32 {
        for c in 0..cols as u32 {
            assert_eq!(cell(&a, r, c), cell(&b, r, c), "row {r} column {c}");
        }
    }
    assert!((4..rows as u32).any(|r| cell(&b, r, 9) == "已销号"));
    let closed = original.iter().filter(|i| i.status == "closed").count();
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'import' AND entity_id = {copy} \
             AND summary LIKE '%已销号 {closed} 条%'"
        )),
        1
    );
    // A secretary importing closed rows is refused row by row; nothing written.
    let sec = app.signed_in("zhibu01").await;
    let zb01 = app.unit_id("ZB01").to_string();
    let res = sec
        .post(
            "/rect/tables",
            &[("year", "2027"), ("unit_id", &zb01), ("title", "副本")],
        )
        .await;
    let own = id_from(&res.location, "/rect/tables/");
    let before = snapshot(&app);
    let res = import(&sec, own, &bytes).await;
    assert_eq!(res.status, 422);
    res.assert_contains("“已销号”的事项须经验收，只能由上级党总支或党群工作部导入");
    assert_eq!(snapshot(&app), before);
}

async fn a_bad_import_writes_nothing_and_names_every_bad_row(app: TestApp) {
    use rust_xlsxwriter::Workbook;
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "问题领域",
        "问题来源",
        "存在问题",
        "原因分析",
        "整改措施",
        "整改要求",
        "责任人",
        "整改时限",
        "状态",
    ];
    ws.write_string(0, 0, "综合办公室党支部作风建设问题整改工作配档表")
        .unwrap();
    for (i, h) in header.iter().enumerate() {
        ws.write_string(1, i as u16, *h).unwrap();
    }
    let rows: [[&str; 9]; 7] = [
        [
            "业务一线",
            "检查",
            "好的一行",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "整改中",
        ],
        [
            "业务一线",
            "检查",
            "",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "",
        ],
        [
            "机关",
            "检查",
            "领域不对",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "",
        ],
        [
            "总部部室",
            "检查",
            "已销号的",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "已销号",
        ],
        [
            "领导干部",
            "检查",
            "日期不对",
            "",
            "措施",
            "",
            "张三",
            "下月底",
            "未开始",
        ],
        [
            "领导干部",
            "检查",
            "缺措施和责任人",
            "",
            "",
            "",
            "",
            "2026/12/31",
            "完成了",
        ],
        [
            "总部部室",
            "检查",
            "另一行好的",
            "",
            "措施",
            "",
            "李四",
            "2026年12月31日",
            "部分整改",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    b.get(&format!("/rect/tables/{table}/import")).await;
    let before = snapshot(&app);
    let res = import(&b, table, &bytes).await;
    assert_eq!(res.status, 422);
    res.assert_contains("共 5 行有误");
    res.assert_contains("第 4 行：存在问题为空");
    res.assert_contains("第 5 行：问题领域“机关”无法识别");
    res.assert_contains("第 6 行：“已销号”的事项须经验收，只能由上级党总支或党群工作部导入");
    res.assert_contains("第 7 行：整改时限“下月底”不是日期");
    res.assert_contains("第 8 行：整改措施为空；责任人为空；状态“完成了”无法识别");
    res.assert_lacks("第 3 行");
    res.assert_lacks("第 9 行");
    assert_eq!(snapshot(&app), before);
    // Not a spreadsheet, or no data rows: clear messages, nothing written.
    let res = import(&b, table, b"%PDF-1.4 not a sheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("无法读取该文件");
    let (_, _, template) = b
        .download(&format!("/rect/tables/{table}/import/template"))
        .await;
    let res = import(&b, table, &template).await;
    assert_eq!(res.status, 422);
    res.assert_contains("没有数据行");
    assert_eq!(snapshot(&app), before);
    // The same file without its bad rows goes in whole.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in header.iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for (r, row) in [rows[0], rows[6]].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let n = items_of(&app, table).len();
    import(&b, table, &wb.save_to_buffer().unwrap())
        .await
        .assert_redirect(&format!("/rect/tables/{table}"));
    let after = items_of(&app, table);
    assert_eq!(after.len(), n + 2);
    assert_eq!(after[n + 1].problem, "另一行好的");
    assert_eq!(after[n + 1].status, "partial");
    assert_eq!(
        after[n + 1].deadline,
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
    );
}

both!(
    peidang_export_has_the_printed_layout,
    export_then_import_gives_the_same_items,
    closed_items_survive_the_round_trip,
    a_bad_import_writes_nothing_and_names_every_bad_row,
);
