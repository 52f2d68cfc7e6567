//! Who sees what on the dashboard, the article's figures in the demo, and a write showing on
//! the next view.

use super::figures::figures;
use crate::helpers::{Page, TestApp};
use crate::reports::{fill_and_submit, open};

/// The value of the linked figure labelled `label` (the first one).
fn fig(page: &Page, label: &str) -> i64 {
    figures(page)
        .into_iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("no figure {label:?}"))
        .value
}

/// The number of the figure (linked or not) whose label is `label`.
fn shown(page: &Page, label: &str) -> String {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(".fig").expect("selector");
    let v = scraper::Selector::parse(".fig-value").expect("selector");
    let l = scraper::Selector::parse(".fig-label").expect("selector");
    doc.select(&sel)
        .find(|f| {
            f.select(&l)
                .next()
                .is_some_and(|x| x.text().collect::<String>() == label)
        })
        .and_then(|f| f.select(&v).next())
        .map(|x| x.text().collect())
        .unwrap_or_else(|| panic!("no figure {label:?}"))
}

async fn every_role_reaches_it_and_sees_its_own_units(app: TestApp) {
    // Anonymous: to the sign-in page, nothing shown.
    let anon = app.browser().get("/dashboard").await;
    assert_eq!(anon.status, 303);
    assert!(anon.location.as_deref().unwrap_or("").starts_with("/login"));
    for user in ["admin", "viewer", "zongzhi01", "zhibu01"] {
        let b = app.signed_in(user).await;
        let home = b.get("/home").await;
        home.assert_contains("href=\"/dashboard\"");
        let page = b.get("/dashboard?year=2022").await;
        assert_eq!(page.status, 200, "{user}: {}", page.body);
        for h in [
            "月度调度",
            "践行举措",
            "问题整改",
            "培训与活动",
            "党建品牌",
            "监督渠道",
            "同比",
        ] {
            page.assert_contains(h);
        }
    }
    // A branch secretary: her branch only; another unit is refused, her own is fine.
    let s = app.signed_in("zhibu01").await;
    let mine = s.get("/dashboard?year=2022").await;
    mine.assert_contains("综合办公室党支部 · 2022 年");
    let all = app
        .signed_in("admin")
        .await
        .get("/dashboard?year=2022")
        .await;
    assert!(fig(&mine, "践行举措") < fig(&all, "践行举措"));
    let other = app.unit_id("ZZ02");
    assert_eq!(s.get(&format!("/dashboard?unit={other}")).await.status, 403);
    let own = app.unit_id("ZB01");
    assert_eq!(s.get(&format!("/dashboard?unit={own}")).await.status, 200);
    // A general branch's reviewer: her general branch, not another.
    let r = app.signed_in("zongzhi01").await;
    assert_eq!(r.get(&format!("/dashboard?unit={other}")).await.status, 403);
    // …and so is the month's table the dispatch figures link to.
    assert_eq!(r.get(&format!("/reports?unit={other}")).await.status, 403);
    assert_eq!(
        r.get(&format!("/reports/export?unit={other}")).await.status,
        403
    );
    let zz01 = app.unit_id("ZZ01");
    let narrowed = r.get(&format!("/dashboard?year=2022&unit={zz01}")).await;
    assert_eq!(narrowed.status, 200);
    assert_eq!(
        fig(&narrowed, "践行举措"),
        fig(&r.get("/dashboard?year=2022").await, "践行举措")
    );
    // The month's table narrowed to her general branch says so and keeps it in its selector.
    let table = r
        .get(&format!("/reports?year=2022&month=12&unit={zz01}"))
        .await;
    table.assert_contains("仅统计总部机关党总支及其下级党支部");
    table.assert_contains(&format!("name=\"unit\" value=\"{zz01}\""));
    // Nonsense periods are refused with a page saying so.
    for bad in ["year=abc", "year=1999", "month=13", "month=0", "unit=x"] {
        let p = all_get(&app, &format!("/dashboard?{bad}")).await;
        assert_eq!(p.status, 400, "{bad}");
    }
    assert_eq!(all_get(&app, "/dashboard?unit=999999").await.status, 403);
}
both!(every_role_reaches_it_and_sees_its_own_units);

async fn all_get(app: &TestApp, path: &str) -> Page {
    app.signed_in("admin").await.get(path).await
}

/// The demo's 2022 dashboard shows the article's figures.
async fn the_demo_year_shows_the_articles_figures(app: TestApp) {
    let b = app.signed_in("admin").await;
    let p = b.get("/dashboard?year=2022").await;
    assert_eq!(shown(&p, "年度目标"), "15");
    assert_eq!(fig(&p, "工作配档表"), 15);
    assert!(fig(&p, "践行举措") >= 600, "600+ measures");
    assert_eq!(fig(&p, "思想调查"), 2);
    assert_eq!(shown(&p, "调查参与人次"), "1131");
    assert_eq!(shown(&p, "调研交流座谈"), "7");
    assert_eq!(shown(&p, "培训与考试（318 人次）"), "3");
    assert_eq!(fig(&p, "强意识座谈会"), 18);
    assert_eq!(fig(&p, "培训"), 2);
    assert_eq!(fig(&p, "考试"), 1);
    assert_eq!(fig(&p, "工作模板"), 85);
    assert_eq!(shown(&p, "模板领域"), "7");
    assert_eq!(fig(&p, "主品牌"), 1);
    assert_eq!(fig(&p, "子品牌"), 18);
    let series: i64 = figures(&p)
        .iter()
        .filter(|f| f.href.starts_with("/incentives/series/"))
        .map(|f| f.value)
        .sum();
    assert_eq!(series, 6, "six series reports");
    // 组工干部 fully covered.
    let doc = scraper::Html::parse_document(&p.body);
    let row = scraper::Selector::parse("tr").expect("selector");
    let cadres: String = doc
        .select(&row)
        .map(|r| r.text().collect::<String>())
        .find(|t| t.starts_with("组工干部"))
        .expect("组工干部 row");
    assert!(cadres.contains("100%"), "{cadres}");
}
both!(the_demo_year_shows_the_articles_figures);

/// A report submitted, re-checked and re-reviewed shows on the next view of the office's
/// dashboard: 按时 up by one, 待报送 down by one, 已办结 up by one.
async fn a_write_shows_on_the_next_view(app: TestApp) {
    let office = app.signed_in("admin").await;
    let path = "/dashboard?year=2026&month=11";
    let before = office.get(path).await;
    let (ontime, pending) = (fig(&before, "按时"), fig(&before, "待报送"));
    let s = app.signed_in("zhibu01").await;
    let id = open(&s, "11").await;
    assert_eq!(fill_and_submit(&app, &s, id).await.status, 303);
    let after = office.get(path).await;
    assert_eq!(fig(&after, "按时"), ontime + 1);
    assert_eq!(fig(&after, "待报送"), pending - 1);
    // The secretary's own dashboard too.
    let mine = s.get(path).await;
    assert_eq!(shown(&mine, "按时"), "1");
}
both!(a_write_shows_on_the_next_view);

/// Connection checkouts one view of `path` takes.
async fn checkouts_of(app: &TestApp, user: &crate::helpers::Browser, path: &str) -> u64 {
    let before = app.db.checkouts();
    assert_eq!(user.get(path).await.status, 200);
    app.db.checkouts() - before
}

/// The figures are read once per scope and period and kept until the next write: a second
/// view reads nothing, another month reads its own figures (one checkout more than a view
/// that reads nothing), a write makes the next view read again (the figures and the
/// signed-in user: two more) and show it.
async fn the_figures_are_kept_until_the_next_write(app: TestApp) {
    let office = app.signed_in("admin").await;
    let path = "/dashboard?year=2026&month=11";
    let first = checkouts_of(&app, &office, path).await;
    let second = checkouts_of(&app, &office, path).await;
    assert!(second < first, "first view {first}, second {second}");
    assert_eq!(checkouts_of(&app, &office, path).await, second);
    // Another month is another set of figures.
    assert_eq!(
        checkouts_of(&app, &office, "/dashboard?year=2026&month=10").await,
        second + 1
    );
    // A write (a report submitted) makes the next view read again, and show it.
    let before = fig(&office.get(path).await, "按时");
    let s = app.signed_in("zhibu01").await;
    let id = open(&s, "11").await;
    assert_eq!(fill_and_submit(&app, &s, id).await.status, 303);
    assert_eq!(checkouts_of(&app, &office, path).await, second + 2);
    assert_eq!(fig(&office.get(path).await, "按时"), before + 1);
    assert_eq!(checkouts_of(&app, &office, path).await, second);
}
both!(the_figures_are_kept_until_the_next_write);
