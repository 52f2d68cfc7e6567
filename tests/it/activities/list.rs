//! The list: filters by year, kind, organising unit (with the units below), target group and
//! 四个带头 tag, each with its totals line (活动 N 项，参训人次 M); unit scope; empty states;
//! the print view; the export holds the filtered rows, the filters in words and the exam
//! figures. And the dashboard's queries.

use calamine::{Data, Reader};

use super::*;
use zuofeng::db::models::activities as model;
use zuofeng::domain::activity::ActivityKind;
use zuofeng::domain::register::LeadTag;
use zuofeng::domain::Scope;

fn totals(page: &Page) -> (String, String) {
    (
        data(page, "activity-totals", "data-activities"),
        data(page, "activity-totals", "data-participant-times"),
    )
}

#[allow(clippy::too_many_arguments)]
async fn add(
    b: &Browser,
    unit: i32,
    kind: &str,
    title: &str,
    date: &str,
    groups: &str,
    tag: &str,
    count: &str,
) -> i32 {
    let u = unit.to_string();
    let res = b
        .post(
            "/activities",
            &[
                ("unit_id", &u),
                ("kind", kind),
                ("title", title),
                ("start_date", date),
                ("target_groups", groups),
                ("hours", "2"),
                ("lead_tags", tag),
                ("pass_mark", "60"),
                ("participant_count", count),
            ],
        )
        .await;
    id_of(&res)
}

async fn filters_and_totals(app: TestApp) {
    clear(&app);
    let p1 = person(&app, "ZB01", "测试甲一", ",org_cadre,", None, None).to_string();
    let p2 = person(&app, "ZB01", "测试甲二", ",org_cadre,", None, None).to_string();
    let p5 = person(&app, "ZB05", "测试戊一", ",candidate,", None, None).to_string();
    let admin = app.signed_in("admin").await;
    let (zb01, zb05, zz01) = (
        app.unit_id("ZB01"),
        app.unit_id("ZB05"),
        app.unit_id("ZZ01"),
    );
    let a = add(
        &admin,
        zb01,
        "training",
        "测试培训甲",
        "2026-04-01",
        "org_cadre",
        "members",
        "",
    )
    .await;
    let b = add(
        &admin,
        zb05,
        "exam",
        "测试考试乙",
        "2026-05-01",
        "candidate",
        "middle",
        "",
    )
    .await;
    add(
        &admin,
        zz01,
        "united_front",
        "测试座谈丙",
        "2026-06-01",
        "united_front",
        "leaders",
        "18",
    )
    .await;
    add(
        &admin,
        zb01,
        "training",
        "测试旧培训丁",
        "2025-06-01",
        "org_cadre",
        "members",
        "5",
    )
    .await;
    for (id, people) in [(a, vec![&p1, &p2]), (b, vec![&p5])] {
        let v = ver(&app, id);
        let mut f: Vec<(String, String)> = vec![("version".into(), v)];
        for p in people {
            f.push(("person".into(), p.to_string()));
            f.push((format!("score_{p}"), "80".into()));
        }
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        admin
            .post(&format!("/activities/{id}/attendance"), &f)
            .await
            .assert_redirect(&format!("/activities/{id}"));
    }
    let all = admin.get("/activities?year=2026").await;
    assert_eq!(totals(&all), ("3".into(), "21".into()));
    all.assert_contains("活动 3 项，参训人次 21");
    all.assert_lacks("测试旧培训丁");
    for (query, n, m, shows) in [
        ("year=2026&kind=training", "1", "2", "测试培训甲"),
        (
            &format!("year=2026&unit={zz01}") as &str,
            "2",
            "20",
            "测试座谈丙",
        ),
        (
            &format!("year=2026&unit={zb05}") as &str,
            "1",
            "1",
            "测试考试乙",
        ),
        ("year=2026&group=united_front", "1", "18", "测试座谈丙"),
        ("year=2026&tag=leaders", "1", "18", "测试座谈丙"),
        (
            "year=2026&tag=members&group=org_cadre",
            "1",
            "2",
            "测试培训甲",
        ),
        ("year=2025", "1", "5", "测试旧培训丁"),
    ] {
        let page = admin.get(&format!("/activities?{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert_eq!(totals(&page), (n.into(), m.into()), "{query}");
        page.assert_contains(shows);
    }
    // The unit filter takes the units below: ZZ01 lists ZB01's training, not ZB05's exam.
    let zz = admin
        .get(&format!("/activities?year=2026&unit={zz01}"))
        .await;
    zz.assert_contains("测试培训甲");
    zz.assert_lacks("测试考试乙");
    // A secretary sees her unit's only; the reviewer his subtree.
    let sec = app.signed_in("zhibu01").await;
    let mine = sec.get("/activities?year=2026").await;
    assert_eq!(totals(&mine), ("1".into(), "2".into()));
    mine.assert_lacks("测试考试乙");
    let rev = app.signed_in("zongzhi01").await;
    assert_eq!(
        totals(&rev.get("/activities?year=2026").await),
        ("2".into(), "20".into())
    );
    // Empty states: a year without activities, and a filter that matches nothing.
    admin
        .get("/activities?year=2030")
        .await
        .assert_contains("本年度还没有登记培训活动");
    let none = admin.get("/activities?year=2026&kind=research").await;
    none.assert_contains("没有符合条件的培训活动");
    assert_eq!(totals(&none), ("0".into(), "0".into()));
    // The print view: every row, filters in words, the 打印 button, no paging.
    let print = admin.get("/activities?year=2026&kind=exam&print=1").await;
    print.assert_contains("data-print");
    print.assert_contains("筛选条件：年度：2026年；活动类型：考试");
    print.assert_contains("测试考试乙");
    print.assert_lacks("class=\"paging\"");
    // The dashboard's figures.
    let mut c = app.db.conn().expect("conn");
    let trainings = model::participant_times(
        &mut c,
        &Scope::All,
        2026,
        &[ActivityKind::Training, ActivityKind::Exam],
    )
    .expect("participant times");
    assert_eq!(trainings, 3);
    assert_eq!(
        model::participant_times(&mut c, &Scope::All, 2026, &[]).expect("all"),
        21
    );
    assert_eq!(
        model::participant_times(&mut c, &Scope::Unit(zb05), 2026, &[]).expect("zb05"),
        1
    );
    let by_kind = model::counts_by_kind(&mut c, &Scope::All, 2026).expect("by kind");
    let got: Vec<(ActivityKind, i64, i64)> = by_kind
        .iter()
        .map(|k| (k.kind, k.activities, k.participant_times))
        .collect();
    assert_eq!(
        got,
        [
            (ActivityKind::Training, 1, 2),
            (ActivityKind::Exam, 1, 1),
            (ActivityKind::UnitedFrontSymposium, 1, 18),
        ]
    );
    let by_tag: Vec<(LeadTag, i64, i64)> = model::counts_by_lead_tag(&mut c, &Scope::All, 2026)
        .expect("by tag")
        .iter()
        .map(|t| (t.tag, t.activities, t.participant_times))
        .collect();
    assert_eq!(
        by_tag,
        [
            (LeadTag::Leaders, 1, 18),
            (LeadTag::Middle, 1, 1),
            (LeadTag::Members, 1, 2),
        ]
    );
    drop(c);
    // The totals are kept between writes (issue 14): a new activity and a new attendance
    // show on the very next view.
    let e = add(
        &admin,
        zb05,
        "training",
        "测试培训戊",
        "2026-07-01",
        "candidate",
        "members",
        "",
    )
    .await;
    assert_eq!(
        totals(&admin.get("/activities?year=2026").await),
        ("4".into(), "21".into())
    );
    let f = [
        ("version", ver(&app, e)),
        ("person", p5.clone()),
        (&format!("score_{p5}") as &str, "90".into()),
    ];
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin
        .post(&format!("/activities/{e}/attendance"), &f)
        .await
        .assert_redirect(&format!("/activities/{e}"));
    assert_eq!(
        totals(&admin.get("/activities?year=2026").await),
        ("4".into(), "22".into())
    );
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

async fn the_export_reads_back(app: TestApp) {
    clear(&app);
    let ids: Vec<String> = ["测试考一", "测试考二", "测试考三"]
        .iter()
        .map(|n| person(&app, "ZB05", n, ",candidate,", None, None).to_string())
        .collect();
    let admin = app.signed_in("admin").await;
    let zb05 = app.unit_id("ZB05");
    let exam = add(
        &admin,
        zb05,
        "exam",
        "测试发展对象考试",
        "2026-05-01",
        "candidate",
        "members",
        "",
    )
    .await;
    add(
        &admin,
        zb05,
        "training",
        "测试专项培训",
        "2026-05-02",
        "org_cadre",
        "members",
        "40",
    )
    .await;
    let v = ver(&app, exam);
    let scores = ["90", "58", "70"];
    let mut f: Vec<(String, String)> = vec![("version".into(), v)];
    for (p, s) in ids.iter().zip(scores) {
        f.push(("person".into(), p.clone()));
        f.push((format!("score_{p}"), s.into()));
    }
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin
        .post(&format!("/activities/{exam}/attendance"), &f)
        .await
        .assert_redirect(&format!("/activities/{exam}"));
    let list = admin
        .get(&format!("/activities?year=2026&unit={zb05}"))
        .await;
    list.assert_contains(&format!("/activities/export?year=2026&#38;unit={zb05}"));
    let (status, headers, bytes) = admin
        .download(&format!("/activities/export?year=2026&unit={zb05}"))
        .await;
    assert_eq!(status, 200);
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cd.contains("filename*=UTF-8''") && cd.ends_with(".xlsx"),
        "{cd}"
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let (h, w) = range.get_size();
    let all: Vec<Vec<String>> = (0..h)
        .map(|r| {
            (0..w)
                .map(|c| range.get((r, c)).map(text).unwrap_or_default())
                .collect()
        })
        .collect();
    assert!(all[0][0].contains("2026年培训活动登记表"), "{:?}", all[0]);
    let info = &all[1][0];
    assert!(
        info.starts_with("筛选条件：年度 2026年；活动类型 全部；组织单位 "),
        "{info}"
    );
    assert!(info.contains("培训对象 全部；四个带头 全部"), "{info}");
    let header = &all[2];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows = &all[3..];
    assert_eq!(rows.len(), 2);
    // Newest first: the training (typed 40), then the exam (3 attended, 2 of 3 pass).
    assert_eq!(rows[0][col("活动名称")], "测试专项培训");
    assert_eq!(rows[0][col("参训人次")], "40");
    assert_eq!(rows[0][col("人次来源")], "填报人数");
    assert_eq!(rows[0][col("合格率(%)")], "");
    assert_eq!(rows[1][col("活动名称")], "测试发展对象考试");
    assert_eq!(rows[1][col("活动类型")], "考试");
    assert_eq!(rows[1][col("参训人次")], "3");
    assert_eq!(rows[1][col("及格线")], "60");
    assert_eq!(rows[1][col("合格率(%)")], "66.7");
    assert_eq!(rows[1][col("平均分")], "72.7");
    assert_eq!(rows[1][col("学时")], "2");
    assert_eq!(rows[1][col("四个带头")], "党员干部带头作榜样");
    // Filtered by kind, in words on the sheet.
    let (_, _, bytes) = admin
        .download("/activities/export?year=2026&kind=exam")
        .await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert!(range
        .get((1, 0))
        .map(text)
        .unwrap_or_default()
        .contains("活动类型 考试"));
    assert_eq!(range.get_size().0, 4, "title, filters, header, one exam");
    // Another branch's secretary cannot export ZB05's list.
    let sec = app.signed_in("zhibu01").await;
    assert_eq!(
        sec.download(&format!("/activities/export?unit={zb05}"))
            .await
            .0,
        403
    );
}

both!(filters_and_totals, the_export_reads_back);
