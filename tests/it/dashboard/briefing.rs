//! The monthly briefing (月度调度通报, `GET /dashboard/briefing.docx`): the Word file read
//! back (its `word/document.xml`, tags stripped) says what the month's compliance page says,
//! names the late branch under 迟报 and a report's 亮点 under 四, gives next month's
//! requirement; a secretary's names her branch only; another unit is 403, a visitor is sent
//! to sign in, a bad month is 400.

use std::io::{Cursor, Read};

use crate::helpers::{Browser, Page, TestApp};
use crate::reports::{fill_and_submit, open};
use zuofeng::db::models::{campaigns, measures, rect, units};
use zuofeng::domain::Scope;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Download the briefing at `query`: its text, one line per paragraph.
async fn briefing(b: &Browser, query: &str) -> String {
    let (status, headers, bytes) = b
        .download(&format!("/dashboard/briefing.docx{query}"))
        .await;
    assert_eq!(
        status,
        200,
        "{:?} {}",
        headers.get("location"),
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(headers["content-type"].to_str().unwrap_or_default(), DOCX);
    let cd = headers["content-disposition"].to_str().unwrap_or_default();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''"), "{cd}");
    text_of(bytes)
}

/// The text of a .docx: `word/document.xml` with each paragraph on a line, tags stripped.
fn text_of(bytes: Vec<u8>) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    let xml = xml.replace("</w:p>", "\n");
    let mut out = String::new();
    let mut in_tag = false;
    for ch in xml.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text between two headings.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in:\n{text}"));
    let rest = &text[start..];
    let end = rest.find(to).unwrap_or(rest.len());
    &rest[..end]
}

/// The four counts and the branches of the compliance page's totals line
/// (`按时 n · 迟报 n · 未报 n · 待报送 n（共 n 个党支部）`).
fn page_counts(p: &Page) -> ([usize; 4], usize) {
    let doc = scraper::Html::parse_document(&p.body);
    let sel = scraper::Selector::parse("p.compliance-totals").expect("selector");
    let line: String = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no totals line:\n{}", p.body))
        .text()
        .collect();
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    assert_eq!(numbers.len(), 5, "{line}");
    ([numbers[0], numbers[1], numbers[2], numbers[3]], numbers[4])
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut c = app.db.conn().expect("conn");
    units::get(&mut c, app.unit_id(code)).expect("unit").name
}

async fn the_office_briefing_says_what_the_month_shows(app: TestApp) {
    let requirement = "十二月重点：开展作风建设年度总结和述职评议";
    {
        let mut c = app.db.conn().expect("conn");
        let k = campaigns::by_year(&mut c, 2026)
            .expect("q")
            .expect("campaign 2026");
        campaigns::set_month(&mut c, k.id, 12, requirement).expect("requirement");
    }
    // A training of ZB01 in November with 30 participant-times typed, and a brand event.
    app.exec(&format!(
        "INSERT INTO activities (unit_id, kind, title, start_date, end_date, participant_count, \
         created_at, updated_at) VALUES ({}, 'training', '作风建设专题培训', '2026-11-10', \
         '2026-11-10', 30, '2026-11-10 08:00:00', '2026-11-10 08:00:00')",
        app.unit_id("ZB01")
    ));
    assert_eq!(
        app.count("activities WHERE start_date BETWEEN '2026-11-01' AND '2026-11-30'"),
        1
    );
    let (brand_name, brand_unit) = {
        use diesel::prelude::*;
        use zuofeng::db::schema::brands as b;
        let mut c = app.db.conn().expect("conn");
        let id: Option<i32> = b::table
            .select(diesel::dsl::min(b::id))
            .first(&mut *c)
            .expect("q");
        let brand =
            zuofeng::db::models::brands::get(&mut c, id.expect("a demo brand")).expect("brand");
        (
            brand.name,
            units::get(&mut c, brand.unit_id).expect("unit").name,
        )
    };
    app.exec(
        "INSERT INTO brand_events (brand_id, kind, held_on, title, created_at) \
         SELECT MIN(id), 'release', '2026-11-12', '品牌发布暨作风建设交流会', \
         '2026-11-12 08:00:00' FROM brands",
    );

    // ZB01 on time on the due day (25 November), ZB02 late on the 26th.
    app.advance(chrono::Duration::days(1));
    let b1 = app.signed_in("zhibu01").await;
    let id1 = open(&b1, "11").await;
    assert_eq!(fill_and_submit(&app, &b1, id1).await.status, 303);
    app.advance(chrono::Duration::days(1));
    // Downloaded before ZB02 reports, the briefing names it nowhere as late; downloaded
    // again after (the same day), it does: what was written is not served again.
    let admin = app.signed_in("admin").await;
    let zb02 = unit_name(&app, "ZB02");
    let before = briefing(&admin, "?year=2026&month=11").await;
    assert!(
        !section(&before, "（一）迟报单位", "（二）未报单位").contains(&zb02),
        "{before}"
    );
    let b2 = app.signed_in("zhibu02").await;
    let id2 = open(&b2, "11").await;
    assert_eq!(fill_and_submit(&app, &b2, id2).await.status, 303);

    let page = admin.get("/reports?year=2026&month=11").await;
    let ([on_time, late, missing, pending], branches) = page_counts(&page);
    assert!(late >= 1 && on_time >= 1, "{on_time} {late}");
    let text = briefing(&admin, "?year=2026&month=11").await;

    assert!(
        text.contains("关于2026年11月作风建设月度调度情况的通报"),
        "{text}"
    );
    assert!(text.contains("作风办〔2026〕11号"), "{text}");
    assert!(text.contains("各党总支、党支部："), "{text}");
    let overall = section(&text, "一、总体情况", "二、");
    assert!(
        overall.contains(&format!(
            "党支部共{branches}个，其中按时报送{on_time}个、迟报{late}个、未报{missing}个、待报送{pending}个"
        )),
        "{overall}"
    );
    // Both submitted reports wait for the general branch.
    assert!(overall.contains("待总支复查"), "{overall}");

    // The red lights, as the registers count them today (26 November).
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let (red_measures, red_items) = {
        let mut c = app.db.conn().expect("conn");
        let k = campaigns::by_year(&mut c, 2026).expect("q").expect("2026");
        (
            measures::counts_by_light(&mut c, &Scope::All, k.id, today, k.yellow_days)
                .expect("q")
                .0,
            rect::counts_by_light(&mut c, &Scope::All, k.id, today, k.yellow_days)
                .expect("q")
                .0,
        )
    };
    assert!(
        overall.contains(&format!(
            "在办践行举措逾期{red_measures}项、整改事项逾期{red_items}项"
        )),
        "{overall}"
    );
    let overdue = section(&text, "三、逾期事项", "四、");
    assert!(
        overdue.contains(&format!("践行举措逾期{red_measures}项")),
        "{overdue}"
    );
    assert!(
        overdue.contains(&format!("整改事项逾期{red_items}项")),
        "{overdue}"
    );

    let zb01 = unit_name(&app, "ZB01");
    let late_part = section(&text, "（一）迟报单位", "（二）未报单位");
    assert!(late_part.contains(&zb02), "{late_part}");
    assert!(!late_part.contains(&zb01), "{late_part}");
    let highlights = section(&text, "四、工作亮点", "五、存在问题");
    assert!(
        highlights.contains(&format!("{zb01}：党员先锋岗在监理项目一线发挥作用")),
        "{highlights}"
    );
    let problems = section(&text, "五、存在问题", "六、");
    assert!(
        problems.contains(&format!("{zb02}：个别项目整改进度偏慢")),
        "{problems}"
    );
    let news = section(&text, "六、培训与品牌动态", "七、");
    assert!(
        news.contains("本月共开展培训与活动1次、参训30人次"),
        "{news}"
    );
    assert!(news.contains("培训1次、参训30人次"), "{news}");
    assert!(
        news.contains(&format!(
            "11月12日，{brand_unit}“{brand_name}”发布会：品牌发布暨作风建设交流会。"
        )),
        "{news}"
    );
    let next = section(&text, "七、下月工作要求", "工作作风建设领导小组办公室");
    assert!(next.contains(requirement), "{next}");
    assert!(text.contains("工作作风建设领导小组办公室"), "{text}");
    assert!(text.contains("2026年11月26日"), "{text}");

    // A secretary: her branch only; another unit is refused (signed in again: a day has
    // passed since, longer than a session stays idle).
    let b1 = app.signed_in("zhibu01").await;
    let text = briefing(&b1, "?year=2026&month=11").await;
    assert!(text.contains(&format!("{zb01}：")), "{text}");
    assert!(!text.contains(&zb02), "{text}");
    assert!(text.contains("党支部共1个"), "{text}");
    let (status, _, _) = b1
        .download(&format!(
            "/dashboard/briefing.docx?year=2026&month=11&unit={}",
            app.unit_id("ZB02")
        ))
        .await;
    assert_eq!(status, 403);
    // Her own unit picked is the same briefing.
    let picked = briefing(
        &b1,
        &format!("?year=2026&month=11&unit={}", app.unit_id("ZB01")),
    )
    .await;
    assert!(!picked.contains(&zb02), "{picked}");
    // The reviewer: her general branch's branches, addressed to it.
    let zz = app.signed_in("zongzhi01").await;
    let text = briefing(&zz, "?year=2026&month=11").await;
    assert!(text.contains("及所属各党支部："), "{text}");
    assert!(!text.contains("设计院党支部"), "{text}");

    // The office narrows to one branch: addressed to it, its figures only.
    let text = briefing(
        &admin,
        &format!("?year=2026&month=11&unit={}", app.unit_id("ZB02")),
    )
    .await;
    assert!(text.contains(&format!("{zb02}：")), "{text}");
    assert!(
        text.contains("党支部共1个，其中按时报送0个、迟报1个"),
        "{text}"
    );
}
both!(the_office_briefing_says_what_the_month_shows);

async fn who_may_download_and_what_is_refused(app: TestApp) {
    let anon = app.browser();
    let p = anon
        .get("/dashboard/briefing.docx?year=2026&month=11")
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(
        p.location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/login"),
        "{:?}",
        p.location
    );
    let admin = app.signed_in("admin").await;
    for bad in ["month=13", "month=0", "month=x", "year=1999&month=1"] {
        let p = admin.get(&format!("/dashboard/briefing.docx?{bad}")).await;
        assert_eq!(p.status, 400, "{bad}");
    }
    let p = admin
        .get("/dashboard/briefing.docx?year=2026&month=11&unit=999999")
        .await;
    assert_eq!(p.status, 403);
    // The file name, RFC 5987.
    let (status, headers, _) = admin
        .download("/dashboard/briefing.docx?year=2026&month=12")
        .await;
    assert_eq!(status, 200);
    let cd = headers["content-disposition"].to_str().unwrap_or_default();
    assert!(
        cd.contains("filename*=UTF-8''2026%E5%B9%B412%E6%9C%88"),
        "{cd}"
    );
    // December: next month is January of a year without a campaign; nothing specific.
    let text = briefing(&admin, "?year=2026&month=12").await;
    assert!(
        section(&text, "七、下月工作要求", "工作作风建设领导小组办公室")
            .contains("继续抓好各项措施落实"),
        "{text}"
    );
    // A year without a campaign still answers, saying so.
    let text = briefing(&admin, "?year=2030&month=3").await;
    assert!(text.contains("2030年未设立"), "{text}");
    // Every role reads its own scope.
    for user in ["viewer", "zongzhi01", "zhibu01"] {
        let b = app.signed_in(user).await;
        briefing(&b, "?year=2026&month=11").await;
    }
}
both!(who_may_download_and_what_is_refused);
