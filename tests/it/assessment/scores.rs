//! /assessment score sheets (issue 12): totals, 一票否决 and shared ranks on a hand-checked
//! case; deductions within a leaf; the three-level flow with values at each level; returns;
//! unit scope; CSRF; stale and concurrent saves; the .xlsx matrix; the A4 print.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::browser::pdf;
use crate::helpers::{Browser, Page, TestApp, DEMO_PASSWORD};
use zuofeng::db::models::assessment;
use zuofeng::db::models::users::{self, UserFields};
use zuofeng::domain::Role;

const YEAR: &str = "2026";

/// No current-year sheets (the demo has a few), so ranks and counts start empty.
fn without_current_sheets(app: &TestApp) {
    app.exec(
        "DELETE FROM assessment_lines WHERE score_id IN (SELECT s.id FROM assessment_scores s \
         JOIN assessment_schemes h ON h.id = s.scheme_id WHERE h.year = 2026); \
         DELETE FROM review_events WHERE entity = 'assessment_score' AND entity_id IN \
         (SELECT s.id FROM assessment_scores s JOIN assessment_schemes h ON h.id = s.scheme_id \
         WHERE h.year = 2026); \
         DELETE FROM assessment_scores WHERE scheme_id IN \
         (SELECT id FROM assessment_schemes WHERE year = 2026);",
    );
}

/// The leaf of the 2026 scheme named `name`.
fn leaf(app: &TestApp, name: &str) -> i32 {
    let mut c = app.db.conn().expect("conn");
    let s = assessment::scheme_for_year(&mut c, 2026)
        .expect("query")
        .expect("2026 scheme");
    assessment::indicators(&mut c, s.id)
        .expect("indicators")
        .into_iter()
        .find(|i| i.name == name && !i.is_area())
        .unwrap_or_else(|| panic!("leaf {name}"))
        .id
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::units::by_code(&mut c, code)
        .expect("query")
        .expect("unit")
        .name
}

fn ver(app: &TestApp, id: i32) -> String {
    app.version("assessment_scores", id)
}

fn state(app: &TestApp, id: i32) -> String {
    let st: Vec<String> = {
        use diesel::prelude::*;
        use zuofeng::db::schema::assessment_scores as s;
        let mut c = app.db.conn().expect("conn");
        s::table
            .find(id)
            .select(s::state)
            .load(&mut *c)
            .expect("state")
    };
    st.into_iter().next().expect("sheet")
}

/// Open the 2026 sheet of `unit` as `b`; its id.
async fn open(app: &TestApp, b: &Browser, unit: &str) -> i32 {
    let p = b
        .post(
            "/assessment/scores",
            &[("unit_id", &app.unit_id(unit).to_string()), ("year", YEAR)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    p.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/assessment/scores/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no sheet id in {:?}", p.location))
}

/// Save `values` (leaf name, value, note) at the user's level with the current version.
async fn save(app: &TestApp, b: &Browser, id: i32, values: &[(&str, &str, &str)]) -> Page {
    let v = ver(app, id);
    save_at(app, b, id, &v, values).await
}

async fn save_at(
    app: &TestApp,
    b: &Browser,
    id: i32,
    version: &str,
    values: &[(&str, &str, &str)],
) -> Page {
    let mut owned: Vec<(String, String)> = vec![("version".into(), version.into())];
    for (name, value, note) in values {
        let l = leaf(app, name);
        owned.push((format!("v_{l}"), value.to_string()));
        owned.push((format!("m{l}"), note.to_string()));
    }
    let f: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(&format!("/assessment/scores/{id}"), &f).await
}

/// The cells of the ranking row of `unit`.
fn rank_row(p: &Page, unit: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(&p.body);
    let tr = scraper::Selector::parse("table.list tbody tr").expect("sel");
    let td = scraper::Selector::parse("td").expect("sel");
    doc.select(&tr)
        .map(|r| {
            r.select(&td)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.get(1).is_some_and(|c| c == unit))
        .unwrap_or_else(|| panic!("no row for {unit}:\n{}", p.body))
}

async fn reviewer_of_zz02(app: &TestApp) -> Browser {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    {
        let mut c = app.db.conn().expect("conn");
        users::insert(
            &mut c,
            &UserFields {
                username: "zongzhi02".into(),
                display_name: "赵监理".into(),
                role: Role::Reviewer,
                unit_id: app.unit_id("ZZ02"),
            },
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    app.signed_in("zongzhi02").await
}

// ---------------------------------------------------------------- the hand-checked case

/// 理论学习 −5, 意识形态工作 −2.5, 经验做法推广 +10: 930 − 7.5 + 10 = 932.5 (the 扣分 leaves
/// are worth 930, the 加分 leaves 70). A veto sets the total to 0 with its reason. Two units
/// on 932.5 share rank 2 behind 950, and the next is 4th.
async fn totals_veto_and_ties_by_hand(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id1 = open(&app, &z1, "ZB01").await;
    let values = [
        ("理论学习", "5", "一季度缺1次专题研讨"),
        ("意识形态工作", "2.5", "研判记录不全"),
        ("经验做法推广", "10", "经验做法被集团推广"),
    ];
    save(&app, &z1, id1, &values)
        .await
        .assert_redirect(&format!("/assessment/scores/{id1}"));
    let p = z1.get(&format!("/assessment/scores/{id1}")).await;
    assert_eq!(p.status, 200);
    p.assert_contains("<td>932.5</td>");
    p.assert_contains("<strong>932.5</strong>");

    // 一票否决 needs its reason, then sets the total to 0.
    let p = save(&app, &z1, id1, &[("严重违纪违法", "1", "")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    p.assert_contains("写明原因");
    save(
        &app,
        &z1,
        id1,
        &[("严重违纪违法", "1", "班子成员受到党纪处分")],
    )
    .await
    .assert_redirect(&format!("/assessment/scores/{id1}"));
    let p = z1.get(&format!("/assessment/scores/{id1}")).await;
    p.assert_contains("<strong>0</strong>");
    p.assert_contains("一票否决：班子成员受到党纪处分");
    let r = z1.get("/assessment?year=2026").await;
    let row = rank_row(&r, &unit_name(&app, "ZB01"));
    assert_eq!(row[7], "0", "{row:?}");
    assert_eq!(row[8], "班子成员受到党纪处分", "{row:?}");
    save(&app, &z1, id1, &[("严重违纪违法", "0", "")])
        .await
        .assert_redirect(&format!("/assessment/scores/{id1}"));

    let z2 = app.signed_in("zhibu02").await;
    let id2 = open(&app, &z2, "ZB02").await;
    save(&app, &z2, id2, &values)
        .await
        .assert_redirect(&format!("/assessment/scores/{id2}"));
    let z3 = app.signed_in("zhibu03").await;
    let id3 = open(&app, &z3, "ZB05").await;
    save(&app, &z3, id3, &[("经验做法推广", "20", "两项经验做法")])
        .await
        .assert_redirect(&format!("/assessment/scores/{id3}"));
    let admin = app.signed_in("admin").await;
    let id4 = open(&app, &admin, "ZB04").await;
    save(&app, &admin, id4, &[("理论学习", "10", "全年无学习计划")])
        .await
        .assert_redirect(&format!("/assessment/scores/{id4}"));

    let r = admin.get("/assessment?year=2026&kind=branch").await;
    assert_eq!(r.status, 200);
    let rank = |code: &str| {
        let row = rank_row(&r, &unit_name(&app, code));
        (row[0].clone(), row[7].clone())
    };
    assert_eq!(rank("ZB05"), ("1".to_string(), "950".to_string()));
    assert_eq!(rank("ZB01"), ("2".to_string(), "932.5".to_string()));
    assert_eq!(rank("ZB02"), ("2".to_string(), "932.5".to_string()));
    assert_eq!(rank("ZB04"), ("4".to_string(), "920".to_string()));
    // A unit without a sheet: 未开始, no rank.
    let row = rank_row(&r, &unit_name(&app, "ZB03"));
    assert_eq!((row[0].as_str(), row[3].as_str()), ("", "未开始"));
    // The reviewer sees the units of the general branch; the secretary her own.
    let zz = app.signed_in("zongzhi01").await;
    let r = zz.get("/assessment?year=2026").await;
    assert!(r.body.contains(&unit_name(&app, "ZB01")));
    assert!(!r.body.contains(&unit_name(&app, "ZB05")));
    let r = z1.get("/assessment?year=2026").await;
    assert!(!r.body.contains(&unit_name(&app, "ZB02")));
    // The print view has the signature lines.
    let r = admin.get("/assessment?year=2026&print=1").await;
    r.assert_contains("制表人");
}
both!(totals_veto_and_ties_by_hand);

/// A deduction over the leaf's points is refused with the leaf named; nothing is written.
async fn deduction_over_the_leaf_is_refused(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let before = ver(&app, id);
    let audits = app.count(&format!(
        "audit_log WHERE entity = 'assessment_score' AND entity_id = {id}"
    ));
    let p = save(
        &app,
        &z1,
        id,
        &[("理论学习", "41", "扣多了"), ("意识形态工作", "abc", "")],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    p.assert_contains("「理论学习」：扣分不能超过该项分值 40 分。");
    p.assert_contains("「意识形态工作」");
    p.assert_contains("扣多了");
    assert_eq!(ver(&app, id), before);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'assessment_score' AND entity_id = {id}"
        )),
        audits
    );
    assert_eq!(
        app.count(&format!(
            "assessment_lines WHERE score_id = {id} AND self_tenths IS NOT NULL"
        )),
        0
    );
}
both!(deduction_over_the_leaf_is_refused);

/// A scheme whose leaves do not sum to 1000 is refused, with the difference named.
async fn no_sheet_while_the_scheme_is_not_1000(app: TestApp) {
    without_current_sheets(&app);
    let l = leaf(&app, "理论学习");
    app.exec(&format!(
        "UPDATE assessment_indicators SET max_tenths = 390 WHERE id = {l}"
    ));
    let z1 = app.signed_in("zhibu01").await;
    let p = z1
        .post(
            "/assessment/scores",
            &[
                ("unit_id", &app.unit_id("ZB01").to_string()),
                ("year", YEAR),
            ],
        )
        .await;
    assert_eq!(p.status, 303);
    let p = z1.get(p.location.as_deref().unwrap_or("/")).await;
    p.assert_contains("少 1 分");
    assert_eq!(
        app.count(&format!(
            "assessment_scores WHERE unit_id = {}",
            app.unit_id("ZB01")
        )),
        1,
        "only the demo's 2022 sheet"
    );
}
both!(no_sheet_while_the_scheme_is_not_1000);

// ---------------------------------------------------------------- the flow

/// Draft → submit → the general branch's values → approve → the office's values → approve
/// closes; the final total is the office's. A return carries its comment back to the draft.
async fn full_flow_with_values_at_each_level(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let path = format!("/assessment/scores/{id}");
    save(&app, &z1, id, &[("理论学习", "2", "自查")])
        .await
        .assert_redirect(&path);
    z1.post(&format!("{path}/submit"), &[("version", &ver(&app, id))])
        .await
        .assert_redirect(&path);
    assert_eq!(state(&app, id), "awaiting_general");
    // The unit can no longer change its values.
    let p = save(&app, &z1, id, &[("理论学习", "0", "")]).await;
    assert_eq!(p.status, 409, "{}", p.body);

    let zz = app.signed_in("zongzhi01").await;
    let p = zz.get(&path).await;
    p.assert_contains("填写总支复查分");
    save(&app, &zz, id, &[("理论学习", "4", "复查核减")])
        .await
        .assert_redirect(&path);
    zz.post(
        &format!("{path}/approve"),
        &[("comment", ""), ("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&path);
    assert_eq!(state(&app, id), "awaiting_committee");

    let admin = app.signed_in("admin").await;
    // A return needs a comment, then goes back to the draft with it.
    let p = admin
        .post(&format!("{path}/return"), &[("comment", "")])
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    admin
        .post(
            &format!("{path}/return"),
            &[("comment", "请补充理论学习佐证材料")],
        )
        .await
        .assert_redirect(&path);
    assert_eq!(state(&app, id), "draft");
    z1.get(&path)
        .await
        .assert_contains("请补充理论学习佐证材料");
    z1.post(&format!("{path}/submit"), &[("version", &ver(&app, id))])
        .await
        .assert_redirect(&path);
    zz.post(
        &format!("{path}/approve"),
        &[("comment", ""), ("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&path);

    let p = admin.get(&path).await;
    p.assert_contains("填写党委复核分");
    save(&app, &admin, id, &[("理论学习", "6", "复核认定")])
        .await
        .assert_redirect(&path);
    admin
        .post(
            &format!("{path}/approve"),
            &[("comment", ""), ("version", &ver(&app, id))],
        )
        .await
        .assert_redirect(&path);
    assert_eq!(state(&app, id), "closed");
    let p = admin.get(&path).await;
    // 自评 998 − … : the levels' totals 1000−2=… on the 扣分 930 base: 928, 926, 924.
    p.assert_contains("<td>928</td><td>926</td><td>924</td><td><strong>924</strong></td>");
    // Closed: nobody edits any more.
    let p = save(&app, &admin, id, &[("理论学习", "1", "")]).await;
    assert_eq!(p.status, 409);
    let r = admin.get("/assessment?year=2026").await;
    let row = rank_row(&r, &unit_name(&app, "ZB01"));
    assert_eq!(row[3], "已办结 ✓", "{row:?}");
    assert_eq!(row[7], "924");
    // The queue pages answer.
    assert_eq!(admin.get("/assessment/scores/queue").await.status, 200);
    assert_eq!(zz.get("/assessment/scores/queue").await.status, 200);
}
both!(full_flow_with_values_at_each_level);

/// 采用建议分 copies the stored suggestion into the reviewer's value only when pressed.
async fn adopting_the_suggestion_is_explicit(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let path = format!("/assessment/scores/{id}");
    let l = leaf(&app, "月度调度按时报送");
    app.exec(&format!(
        "UPDATE assessment_lines SET suggested_tenths = 80 WHERE score_id = {id} AND indicator_id = {l}"
    ));
    z1.post(&format!("{path}/submit"), &[("version", &ver(&app, id))])
        .await
        .assert_redirect(&path);
    let zz = app.signed_in("zongzhi01").await;
    let p = zz.get(&path).await;
    p.assert_contains("采用建议分");
    // A plain save leaves the value empty.
    save(&app, &zz, id, &[]).await.assert_redirect(&path);
    assert_eq!(
        app.count(&format!(
            "assessment_lines WHERE score_id = {id} AND review_tenths IS NOT NULL"
        )),
        0
    );
    let v = ver(&app, id);
    zz.post(&path, &[("version", &v), ("adopt", &l.to_string())])
        .await
        .assert_redirect(&path);
    assert_eq!(
        app.count(&format!(
            "assessment_lines WHERE score_id = {id} AND indicator_id = {l} AND review_tenths = 80"
        )),
        1
    );
    // Refreshing recomputes from the portal's records (the reviewer may).
    zz.post(&format!("{path}/refresh"), &[])
        .await
        .assert_redirect(&path);
}
both!(adopting_the_suggestion_is_explicit);

// ---------------------------------------------------------------- refusals

/// Another unit's secretary: 403 on the page and every POST; a reviewer of another general
/// branch likewise; missing or forged CSRF tokens are refused.
async fn scope_and_csrf(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let path = format!("/assessment/scores/{id}");
    let v = ver(&app, id);
    let l = leaf(&app, "理论学习").to_string();
    let vkey = format!("v_{l}");
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (path.clone(), vec![("version", &v), (vkey.as_str(), "1")]),
        (format!("{path}/refresh"), vec![]),
        (format!("{path}/submit"), vec![("version", &v)]),
        (
            format!("{path}/approve"),
            vec![("comment", ""), ("version", &v)],
        ),
        (
            format!("{path}/return"),
            vec![("comment", "退回"), ("version", &v)],
        ),
    ];
    let z2 = app.signed_in("zhibu02").await;
    assert_eq!(z2.get(&path).await.status, 403);
    assert_eq!(z2.get(&format!("{path}/print")).await.status, 403);
    for (p, f) in &posts {
        assert_eq!(z2.post(p, f).await.status, 403, "zhibu02 {p}");
    }
    let zb01 = app.unit_id("ZB01").to_string();
    assert_eq!(
        z2.post("/assessment/scores", &[("unit_id", &zb01), ("year", YEAR)])
            .await
            .status,
        403
    );
    // Submitted: the other general branch's reviewer may not see or decide it.
    z1.post(&format!("{path}/submit"), &[("version", &v)])
        .await
        .assert_redirect(&path);
    let v2 = ver(&app, id);
    let other = reviewer_of_zz02(&app).await;
    assert_eq!(other.get(&path).await.status, 403);
    for (p, f) in [
        (
            path.clone(),
            vec![("version", v2.as_str()), (vkey.as_str(), "1")],
        ),
        (
            format!("{path}/approve"),
            vec![("comment", ""), ("version", &v2)],
        ),
    ] {
        assert_eq!(other.post(&p, &f).await.status, 403, "zongzhi02 {p}");
    }
    assert_eq!(state(&app, id), "awaiting_general");
    // CSRF: the rightful reviewer without a token, or with a forged one.
    let zz = app.signed_in("zongzhi01").await;
    zz.get(&path).await;
    let f = [("version", v2.as_str()), (vkey.as_str(), "1")];
    assert_eq!(zz.post_raw(&path, &f).await.status, 403);
    let forged = [
        ("csrf_token", "forged"),
        ("version", v2.as_str()),
        (vkey.as_str(), "1"),
    ];
    assert_eq!(zz.post_raw(&path, &forged).await.status, 403);
    assert_eq!(
        zz.post_raw(
            &format!("{path}/approve"),
            &[("csrf_token", "forged"), ("comment", "")]
        )
        .await
        .status,
        403
    );
    assert_eq!(ver(&app, id), v2, "nothing written");
}
both!(scope_and_csrf);

/// A save from a stale form: 409 with the input kept.
async fn stale_version_409_input_kept(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let old = ver(&app, id);
    save(&app, &z1, id, &[("理论学习", "1", "第一次")]).await;
    let p = save_at(&app, &z1, id, &old, &[("理论学习", "3", "陈旧表单的说明")]).await;
    assert_eq!(p.status, 409, "{}", p.body);
    p.assert_contains("陈旧表单的说明");
    p.assert_contains("已被他人修改");
}
both!(stale_version_409_input_kept);

/// Ten saves of one version at once: one wins, one audit row.
async fn ten_concurrent_saves_one_winner(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let v = ver(&app, id);
    let l = leaf(&app, "理论学习");
    let path = format!("/assessment/scores/{id}");
    let vals: Vec<(String, String)> = (0..10)
        .map(|i| (format!("{}", i + 1), format!("并发{i}")))
        .collect();
    let (vk, nk) = (format!("v_{l}"), format!("m{l}"));
    let forms: Vec<[(&str, &str); 3]> = vals
        .iter()
        .map(|(x, n)| {
            [
                ("version", v.as_str()),
                (vk.as_str(), x.as_str()),
                (nk.as_str(), n.as_str()),
            ]
        })
        .collect();
    let res = futures_util::future::join_all(forms.iter().map(|f| z1.post(&path, f))).await;
    let statuses: Vec<u16> = res.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'assessment_score' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );
}
both!(ten_concurrent_saves_one_winner);

// ---------------------------------------------------------------- export and print

/// The matrix reads back: a column per leaf with its points, the totals and the rank.
async fn export_matrix_reads_back(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    save(
        &app,
        &z1,
        id,
        &[("理论学习", "5", ""), ("经验做法推广", "10", "")],
    )
    .await;
    let admin = app.signed_in("admin").await;
    let (status, _, bytes) = admin.download("/assessment/export?year=2026").await;
    assert_eq!(status, 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert!(
        rows[0][0].contains("2026年度千分制考核得分汇总"),
        "{:?}",
        rows[0]
    );
    let head = &rows[2];
    let col = |h: &str| {
        head.iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {head:?}"))
    };
    let name = unit_name(&app, "ZB01");
    let row = rows
        .iter()
        .find(|r| r.get(1) == Some(&name))
        .expect("ZB01 row");
    assert_eq!(row[col("理论学习（40分）")], "35");
    assert_eq!(row[col("经验做法推广（30分）")], "10");
    assert_eq!(row[col("最终得分")], "935");
    assert_eq!(row[col("名次")], "1");
    assert_eq!(row[col("状态")], "草稿");
    // 2022: every unit closed.
    let (status, _, _) = admin.download("/assessment/export?year=2022").await;
    assert_eq!(status, 200);
}
both!(export_matrix_reads_back);

/// The score sheet prints on A4 with its header, every leaf, totals, signatures and page
/// numbers.
async fn sheet_prints_on_a4(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let name = unit_name(&app, "ZB01");
    let id: i32 = {
        use diesel::prelude::*;
        use zuofeng::db::schema::{assessment_schemes as h, assessment_scores as s};
        let mut c = app.db.conn().expect("conn");
        s::table
            .inner_join(h::table)
            .filter(h::year.eq(2022))
            .filter(s::unit_id.eq(app.unit_id("ZB01")))
            .select(s::id)
            .first(&mut *c)
            .expect("demo 2022 sheet")
    };
    let page = admin.get(&format!("/assessment/scores/{id}/print")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("填报人");
    let Some(p) = pdf::print(&app, &admin, &format!("/assessment/scores/{id}/print")).await else {
        return;
    };
    assert!(p.is_a4(), "not A4: {p:?}");
    p.assert_has_all(&[
        "千分制考核评分表",
        &format!("单位：{name}"),
        "打印时间：",
        "理论学习",
        "严重违纪违法",
        "最终得分",
        "填报人：",
        "复查人：",
        "复核人：",
        "日期：",
    ]);
    p.assert_page_numbers();
}
both!(sheet_prints_on_a4);

/// Evidence per leaf: the unit attaches a file to one leaf of its draft sheet and the sheet
/// lists it under that leaf; another unit's secretary cannot attach to it; once submitted the
/// files are frozen.
async fn evidence_is_attached_per_leaf_until_submitted(app: TestApp) {
    without_current_sheets(&app);
    let z1 = app.signed_in("zhibu01").await;
    let id = open(&app, &z1, "ZB01").await;
    let path = format!("/assessment/scores/{id}");
    let leaf_id = leaf(&app, "理论学习");
    let line = crate::rect::ids(
        &app,
        &format!(
            "SELECT id FROM assessment_lines WHERE score_id = {id} AND indicator_id = {leaf_id}"
        ),
    )[0]
    .to_string();
    let files = "attachments WHERE owner = 'assessment_line'";
    let upload = |b: &Browser, name: &'static str| {
        let (ct, body) = crate::helpers::multipart(
            &b.csrf(),
            &[
                ("owner", "assessment_line"),
                ("owner_id", &line),
                ("back", &path),
            ],
            Some((name, crate::helpers::PDF)),
        );
        (ct, body)
    };
    let (ct, body) = upload(&z1, "学习记录.pdf");
    z1.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&path);
    assert_eq!(app.count(files), 1);
    let page = z1.get(&path).await;
    page.assert_contains("学习记录.pdf");
    page.assert_contains("理论学习");
    // Another branch's secretary may not attach to this sheet.
    let z2 = app.signed_in("zhibu02").await;
    let (ct, body) = upload(&z2, "别人的.pdf");
    assert_eq!(z2.post_body("/attachments", &ct, body).await.status, 403);
    assert_eq!(app.count(files), 1);
    // Submitted: nothing more is attached.
    z1.post(&format!("{path}/submit"), &[("version", &ver(&app, id))])
        .await;
    assert_ne!(state(&app, id), "draft");
    let (ct, body) = upload(&z1, "迟到的.pdf");
    let res = z1.post_body("/attachments", &ct, body).await;
    assert!(res.status < 500, "{}", res.body);
    assert_eq!(app.count(files), 1, "frozen after submission");
}
both!(evidence_is_attached_per_leaf_until_submitted);

/// The ranking sheet prints on A4 with every unit of the demo's 2022 ranking, the rank
/// column, the signature lines and page numbers.
async fn ranking_prints_on_a4(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let path = "/assessment?year=2022&print=1";
    let page = admin.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let Some(p) = pdf::print(&app, &admin, path).await else {
        return;
    };
    assert!(p.is_a4(), "not A4: {p:?}");
    let last = unit_name(&app, "ZB18");
    p.assert_has_all(&[
        "千分制考核排名",
        "打印时间：",
        "名次",
        "最终得分",
        &unit_name(&app, "ZB01"),
        &last,
        "制表人",
    ]);
    p.assert_page_numbers();
}
both!(ranking_prints_on_a4);
