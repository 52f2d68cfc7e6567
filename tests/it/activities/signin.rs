//! The sign-in sheet: a template to fill; an import matched by name against the people in
//! scope (单位 tells namesakes apart, 成绩 for exams), every bad row named with its row number
//! and nothing written; a good sheet replaces the attendance list; bounded rows.

use calamine::Reader;
use zuofeng::xlsx::{col, Column, Value};

use super::*;
use crate::helpers::{multipart, template_sheet};

const COLS: [Column; 3] = [col("姓名", 10.0), col("单位", 20.0), col("成绩", 8.0)];

fn sheet(rows: &[(&str, &str, &str)]) -> Vec<u8> {
    let rows: Vec<Vec<Value>> = rows
        .iter()
        .map(|(n, u, s)| vec![Value::from(*n), Value::from(*u), Value::from(*s)])
        .collect();
    template_sheet(&COLS, &rows)
}

async fn import(b: &Browser, id: i32, version: &str, file: &[u8]) -> Page {
    b.get(&format!("/activities/{id}/attendance")).await;
    let (ct, body) = multipart(
        &b.csrf(),
        &[("version", version)],
        Some(("签到表.xlsx", file)),
    );
    b.post_body(&format!("/activities/{id}/attendance/import"), &ct, body)
        .await
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::units::by_code(&mut c, code)
        .expect("query")
        .expect("unit")
        .name
}

async fn bad_rows_are_named_and_nothing_is_written(app: TestApp) {
    clear(&app);
    let a1 = person(&app, "ZB01", "测试甲一", ",candidate,", None, None);
    person(&app, "ZB01", "测试甲二", ",candidate,", None, None);
    person(&app, "ZB01", "测试重名", ",candidate,", None, None);
    let twin = person(&app, "ZB02", "测试重名", ",candidate,", None, None);
    person(&app, "ZB05", "测试外单位", ",candidate,", None, None);
    let zz01 = app.unit_id("ZZ01");
    let rev = app.signed_in("zongzhi01").await;
    let id = create(&rev, zz01, "exam").await;
    let zb02 = unit_name(&app, "ZB02");
    // Rows 3… (title in row 1, headers in row 2).
    let bad = sheet(&[
        ("测试甲一", "", "90"),     // 3: good
        ("测试查无此人", "", "80"), // 4: unknown
        ("测试重名", "", "70"),     // 5: ambiguous
        ("测试外单位", "", "88"),   // 6: out of scope (ZB05)
        ("测试甲二", "", "abc"),    // 7: bad score
        ("测试甲一", "", "91"),     // 8: repeats row 3
        ("测试重名", &zb02, "65"),  // 9: good, told apart by 单位
        ("测试甲二", "", ""),       // 10: no score for an exam
    ]);
    let res = import(&rev, id, "1", &bad).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("本次未导入任何数据");
    for (row, words) in [
        (4, "人员名册中没有“测试查无此人”"),
        (5, "有 2 人同名"),
        (6, "不在本活动的人员范围内"),
        (7, "成绩“abc”无效"),
        (8, "与第 3 行是同一人"),
        (10, "考试须填写成绩"),
    ] {
        res.assert_contains(&format!("第 {row} 行："));
        res.assert_contains(words);
    }
    res.assert_lacks("第 3 行：");
    res.assert_lacks("第 9 行：");
    assert_eq!(attended(&app, id), 0);
    assert_eq!(ver(&app, id), "1");
    assert_eq!(app.count("audit_log WHERE entity = 'attendance'"), 0);
    // The good rows alone go in, scores and all.
    let good_sheet = sheet(&[("测试甲一", "", "90"), ("测试重名", &zb02, "55")]);
    let res = import(&rev, id, "1", &good_sheet).await;
    res.assert_redirect(&format!("/activities/{id}"));
    assert_eq!(attended(&app, id), 2);
    assert_eq!(
        scalar_f64(
            &app,
            &format!(
                "SELECT score AS v FROM activity_attendance WHERE activity_id = {id} AND person_id = {twin}"
            )
        ),
        Some(55.0)
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'attendance' AND entity_id = {id} AND action = 'import'"
        )),
        1
    );
    let show = rev.get(&format!("/activities/{id}")).await;
    assert_eq!(data(&show, "exam-figures", "data-pass-rate"), "50.0%");
    assert_eq!(data(&show, "exam-figures", "data-average"), "72.5");
    // A second sheet replaces the list; a stale version is a conflict.
    let res = import(&rev, id, "1", &sheet(&[("测试甲二", "", "70")])).await;
    assert_eq!(res.status, 409);
    assert_eq!(attended(&app, id), 2);
    let v = ver(&app, id);
    import(&rev, id, &v, &sheet(&[("测试甲二", "", "70")]))
        .await
        .assert_redirect(&format!("/activities/{id}"));
    assert_eq!(attended(&app, id), 1);
    assert_eq!(
        app.count(&format!(
            "activity_attendance WHERE activity_id = {id} AND person_id = {a1}"
        )),
        0
    );
}

async fn the_template_and_the_limits(app: TestApp) {
    clear(&app);
    person(&app, "ZB01", "测试甲一", ",party_member,", None, None);
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "training").await;
    let (status, _, bytes) = sec
        .download(&format!("/activities/{id}/attendance/template"))
        .await;
    assert_eq!(status, 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let headers: Vec<String> = (0..4)
        .map(|c| range.get((1, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(headers, ["序号", "姓名", "单位", "成绩"]);
    // Not a spreadsheet, no file, too many rows: refused with the reason, nothing written.
    let res = import(&sec, id, "1", b"not a spreadsheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains(".xlsx");
    let (ct, body) = multipart(&sec.csrf(), &[("version", "1")], None);
    let res = sec
        .post_body(&format!("/activities/{id}/attendance/import"), &ct, body)
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择要导入的签到表");
    let many: Vec<(&str, &str, &str)> = (0..3001).map(|_| ("测试甲一", "", "")).collect();
    let res = import(&sec, id, "1", &sheet(&many)).await;
    assert_eq!(res.status, 422);
    res.assert_contains("一次最多导入 3000 行");
    assert_eq!(attended(&app, id), 0);
    // A training takes a sheet without scores.
    import(&sec, id, "1", &sheet(&[("测试甲一", "", "")]))
        .await
        .assert_redirect(&format!("/activities/{id}"));
    assert_eq!(attended(&app, id), 1);
    // An activity counted by a typed number takes no sheet, and says why.
    let u = zb01.to_string();
    let mut f = good(&u, "training");
    f.push(("participant_count", "12"));
    let typed = id_of(&sec.post("/activities", &f).await);
    let res = import(&sec, typed, "1", &sheet(&[("测试甲一", "", "")])).await;
    assert_eq!(res.status, 409);
    res.assert_contains("已填写参训人次 12");
    assert_eq!(attended(&app, typed), 0);
}

both!(
    bad_rows_are_named_and_nothing_is_written,
    the_template_and_the_limits,
);
