//! Every figure of the dashboard links to a list that shows exactly that many rows: walk
//! every link for each role's scope and compare.

use std::collections::HashMap;

use crate::helpers::{Browser, Page, TestApp};

/// A figure on the dashboard: its number, its label and the list it links to.
#[derive(Debug)]
pub struct Figure {
    pub value: i64,
    pub label: String,
    pub href: String,
    /// A coverage link (`data-covered`): compared with the coverage page's 已覆盖.
    pub coverage: bool,
}

/// The linked figures of a dashboard page.
pub fn figures(page: &Page) -> Vec<Figure> {
    let doc = scraper::Html::parse_document(&page.body);
    let mut out = Vec::new();
    let figs = scraper::Selector::parse("a.fig[data-count]").expect("selector");
    let label = scraper::Selector::parse(".fig-label").expect("selector");
    for a in doc.select(&figs) {
        out.push(Figure {
            value: a
                .value()
                .attr("data-count")
                .and_then(|v| v.parse().ok())
                .expect("data-count is a number"),
            label: a
                .select(&label)
                .next()
                .map(|l| l.text().collect())
                .unwrap_or_default(),
            href: a.value().attr("href").expect("href").replace("&amp;", "&"),
            coverage: false,
        });
    }
    let cov = scraper::Selector::parse("a[data-covered]").expect("selector");
    for a in doc.select(&cov) {
        out.push(Figure {
            value: a
                .value()
                .attr("data-covered")
                .and_then(|v| v.parse().ok())
                .expect("data-covered is a number"),
            label: "已覆盖".into(),
            href: a.value().attr("href").expect("href").replace("&amp;", "&"),
            coverage: true,
        });
    }
    out
}

fn first_number(body: &str, before: &str, after: &str) -> Option<i64> {
    let i = body.find(before)? + before.len();
    let rest = &body[i..];
    let j = rest.find(after)?;
    rest[..j].trim().parse().ok()
}

/// The count the list at `f.href` shows, as its reader finds it.
fn list_count(f: &Figure, body: &str) -> i64 {
    let found = if f.coverage {
        let i = body.find("data-overall").expect("the coverage page's 合计");
        first_number(&body[i..], "data-covered=\"", "\"")
    } else if f.href.starts_with("/reports?") {
        // The month's compliance table: "按时 3 · 迟报 1 · 未报 0 · 待报送 14（共 18 个党支部）".
        let i = body
            .find("class=\"compliance-totals\"")
            .expect("the compliance totals");
        first_number(&body[i..], &format!("{} ", f.label), " ")
            .or_else(|| first_number(&body[i..], &format!("{} ", f.label), "（"))
    } else if f.href.starts_with("/incentives/series/") {
        first_number(body, "共 ", " 期")
    } else {
        first_number(body, "共 ", " 条")
    };
    found.unwrap_or_else(|| panic!("no count on {} for {f:?}", f.href))
}

/// Open every figure's list as `b` and compare; returns how many figures were checked.
pub async fn walk(b: &Browser, dashboard: &str) -> usize {
    let page = b.get(dashboard).await;
    assert_eq!(page.status, 200, "{dashboard}: {}", page.body);
    let figs = figures(&page);
    assert!(!figs.is_empty(), "{dashboard} has no linked figures");
    let mut seen: HashMap<String, String> = HashMap::new();
    for f in &figs {
        let body = match seen.get(&f.href) {
            Some(b) => b.clone(),
            None => {
                let list = b.get(&f.href).await;
                assert_eq!(
                    list.status, 200,
                    "{} from {dashboard}: {}",
                    f.href, list.body
                );
                seen.insert(f.href.clone(), list.body.clone());
                list.body
            }
        };
        assert_eq!(
            list_count(f, &body),
            f.value,
            "{dashboard}: the figure {:?} ({}) links to {} which shows another count",
            f.label,
            f.value,
            f.href
        );
    }
    figs.len()
}

/// The office's dashboard of the article's year, of this year, and narrowed to a general
/// branch; the viewer's too.
async fn every_office_figure_equals_its_list(app: TestApp) {
    let b = app.signed_in("admin").await;
    let n = walk(&b, "/dashboard?year=2022").await;
    assert!(n >= 40, "the committee's dashboard links {n} figures");
    walk(&b, "/dashboard?year=2026&month=11").await;
    let zz02 = app.unit_id("ZZ02");
    walk(&b, &format!("/dashboard?year=2022&unit={zz02}")).await;
    let v = app.signed_in("viewer").await;
    walk(&v, "/dashboard?year=2022&month=6").await;
}
both!(every_office_figure_equals_its_list);

/// A general branch's secretary and a branch secretary: their figures count their own lists.
async fn every_unit_figure_equals_its_list(app: TestApp) {
    let r = app.signed_in("zongzhi01").await;
    walk(&r, "/dashboard?year=2022").await;
    walk(&r, "/dashboard?year=2026").await;
    let s = app.signed_in("zhibu01").await;
    walk(&s, "/dashboard?year=2026").await;
    walk(&s, "/dashboard?year=2022").await;
}
both!(every_unit_figure_equals_its_list);
