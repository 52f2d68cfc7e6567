//! The list (scope, filters, counts by status, export with the filters in words, print view)
//! and the brand wall (every card for every signed-in user, filters, A4 print with no card
//! split across pages).

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::browser::pdf;

use super::*;

/// Every cell of the first sheet of an export, row by row.
async fn sheet(b: &Browser, path: &str) -> Vec<Vec<String>> {
    let (status, _, bytes) = b.download(path).await;
    assert_eq!(status, 200, "{path}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn the_list_is_scoped_filtered_and_exported(app: TestApp) {
    // A secretary sees her own branch's brand only.
    let sec = app.signed_in("zhibu01").await;
    let list = sec.get("/brands").await;
    assert_eq!(list.status, 200);
    list.assert_contains("中枢先锋");
    list.assert_lacks("红色引擎");
    list.assert_lacks("工程医匠·护航先锋</a>");
    // The reviewer: his general branch's branches.
    let rev = app.signed_in("zongzhi01").await;
    let list = rev.get("/brands").await;
    for name in [
        "中枢先锋",
        "红色引擎",
        "红色账本",
        "技术先锋",
        "人才港湾",
        "银发先锋",
    ] {
        list.assert_contains(name);
    }
    list.assert_lacks("监理医生");
    // Another unit's filter: refused.
    let zz02 = app.unit_id("ZZ02");
    assert_eq!(sec.get(&format!("/brands?unit={zz02}")).await.status, 403);

    // The office: all 19, counted by status; filters by unit subtree, kind and status.
    let office = app.signed_in("admin").await;
    let list = office.get("/brands").await;
    list.assert_contains(
        "<span class=\"stat-value\">19</span><span class=\"stat-label\">品牌合计</span>",
    );
    list.assert_contains(
        "<span class=\"stat-value\">16</span><span class=\"stat-label\">已发布</span>",
    );
    list.assert_contains(
        "<span class=\"stat-value\">3</span><span class=\"stat-label\">已获评</span>",
    );
    list.assert_contains("共 19 条");
    // In the order of the tree: the main brand, then each general branch's branches together
    // (人力资源部党支部, added later under 总部机关党总支, before 监理一分公司党支部).
    let at = |name: &str| list.body.find(name).unwrap_or_else(|| panic!("{name}"));
    assert!(at("工程医匠·护航先锋") < at("中枢先锋"));
    assert!(at("人才港湾") < at("监理医生"));
    assert!(at("项目管家") < at("精准检测先锋"));
    let list = office.get(&format!("/brands?unit={zz02}")).await;
    list.assert_contains("共 5 条");
    list.assert_contains("监理医生");
    list.assert_lacks("中枢先锋");
    let list = office.get("/brands?kind=main").await;
    list.assert_contains("共 1 条");
    list.assert_contains("工程医匠·护航先锋");
    let list = office
        .get(&format!("/brands?unit={zz02}&status=awarded"))
        .await;
    list.assert_contains("共 1 条");
    list.assert_contains("集团公司优秀党建品牌");
    // Nothing matches: a clear empty state.
    let list = office
        .get(&format!("/brands?unit={zz02}&status=cultivating"))
        .await;
    list.assert_contains("没有符合条件的党建品牌");
    // The print view: every row, the filters in words.
    let print = office.get(&format!("/brands?unit={zz02}&print=1")).await;
    assert_eq!(print.status, 200);
    print.assert_contains("print-view");
    print.assert_contains("筛选条件：单位：监理公司党总支（含下级）");

    // The export: the same rows, the filters in words.
    let rows = sheet(
        &office,
        &format!("/brands/export?unit={zz02}&status=published"),
    )
    .await;
    let all: Vec<String> = rows.iter().flatten().cloned().collect();
    let joined = all.join("|");
    assert!(joined.contains("监理公司党总支"), "{joined}");
    assert!(joined.contains("已发布"), "{joined}");
    assert!(
        joined.contains("红色旁站") && joined.contains("路桥卫士"),
        "{joined}"
    );
    assert!(
        !joined.contains("监理医生"),
        "awarded brand left out: {joined}"
    );
    assert!(!joined.contains("中枢先锋"), "{joined}");
    let header = rows
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("单位"))
        .expect("header row");
    assert!(header.contains(&"品牌口号".to_string()));
    let data = rows
        .iter()
        .filter(|r| r.iter().any(|c| c == "已发布"))
        .count();
    assert_eq!(data, 4, "ZB06, ZB07, ZB15, ZB16");
    // The secretary's export holds her own only.
    let rows = sheet(&sec, "/brands/export").await;
    let joined = rows.iter().flatten().cloned().collect::<Vec<_>>().join("|");
    assert!(
        joined.contains("中枢先锋") && !joined.contains("红色引擎"),
        "{joined}"
    );
}

/// The wall is a showcase: every signed-in user sees the main brand and all 18 cards; a
/// card links to its page only when the user may read that unit. Filters by status and
/// general branch.
async fn the_wall_shows_every_card_and_filters(app: TestApp) {
    let sec = app.signed_in("zhibu01").await;
    let wall = sec.get("/brands/wall").await;
    assert_eq!(wall.status, 200);
    wall.assert_contains("工程医匠·护航先锋");
    wall.assert_contains("党建主品牌");
    assert_eq!(wall.body.matches("<li class=\"brand-card\">").count(), 18);
    for name in [
        "中枢先锋",
        "监理医生",
        "精准检测先锋",
        "数智先锋",
        "银发先锋",
    ] {
        wall.assert_contains(name);
    }
    let own = brand_of(&app, "ZB01");
    let other = brand_of(&app, "ZB05");
    wall.assert_contains(&format!("<a href=\"/brands/{own}\">中枢先锋</a>"));
    wall.assert_lacks(&format!("href=\"/brands/{other}\""));
    // Her detail page of another branch's brand stays closed.
    assert_eq!(sec.get(&format!("/brands/{other}")).await.status, 403);

    let wall = sec.get("/brands/wall?status=awarded").await;
    assert_eq!(wall.body.matches("<li class=\"brand-card\">").count(), 3);
    wall.assert_contains("监理医生");
    wall.assert_contains("精准检测先锋");
    wall.assert_contains("红色设计");
    wall.assert_lacks("中枢先锋");
    let zz02 = app.unit_id("ZZ02");
    let wall = sec.get(&format!("/brands/wall?group={zz02}")).await;
    assert_eq!(wall.body.matches("<li class=\"brand-card\">").count(), 5);
    for name in ["监理医生", "红色旁站", "路桥卫士", "先锋监理", "项目管家"] {
        wall.assert_contains(name);
    }
    let wall = sec.get("/brands/wall?group=direct").await;
    assert_eq!(wall.body.matches("<li class=\"brand-card\">").count(), 3);
    for name in ["红色设计", "清廉造价", "数智先锋"] {
        wall.assert_contains(name);
    }
    let wall = sec
        .get(&format!("/brands/wall?group={zz02}&status=cultivating"))
        .await;
    wall.assert_contains("没有符合条件的子品牌");
    // The viewer sees it too, with links.
    let viewer = app.signed_in("viewer").await;
    let wall = viewer.get("/brands/wall").await;
    wall.assert_contains(&format!("<a href=\"/brands/{other}\">监理医生</a>"));
    // Signed out: the sign-in page.
    assert_eq!(app.browser().get("/brands/wall").await.status, 303);
}

/// The wall on A4 portrait: the print header, the main brand and all 18 cards, each card
/// whole on one page (its name and its slogan on the same page), page numbers.
async fn the_wall_prints_on_a4(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let Some(p) = pdf::print(&app, &b, "/brands/wall").await else {
        return;
    };
    assert!(p.is_a4() && !p.landscape(), "A4 portrait: {p:?}");
    assert!((1..=3).contains(&p.pages), "{} pages", p.pages);
    p.assert_has_all(&[
        "作风建设管理平台·党建品牌墙",
        crate::prints::PRINTED_AT,
        "工程医匠·护航先锋",
        "党建主品牌",
        "子品牌18个",
    ]);
    p.assert_page_numbers();
    p.assert_no_empty_page(3);
    let squeezed_pages: Vec<String> = (1..=p.pages)
        .map(|n| p.page(n).chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    for (name, slogan) in [
        ("中枢先锋", "枢纽畅通服务先行"),
        ("监理医生", "旁站有我质量无忧"),
        ("桥隧体检师", "给桥隧做体检为安全把好关"),
        ("人才港湾", "聚天下英才育咨询栋梁"),
        ("环境检测党支部", "检测绿色守护生态"),
        ("数智先锋", "让数据多跑路让一线少跑腿"),
    ] {
        let page = squeezed_pages
            .iter()
            .position(|t| t.contains(name))
            .unwrap_or_else(|| panic!("{name} not printed:\n{}", p.text));
        assert!(
            squeezed_pages[page].contains(slogan),
            "card of {name} split across pages:\n{}",
            p.text
        );
    }
    // The filtered wall prints its filters in the header.
    let zz02 = app.unit_id("ZZ02");
    let Some(p) = pdf::print(
        &app,
        &b,
        &format!("/brands/wall?group={zz02}&status=published"),
    )
    .await
    else {
        return;
    };
    p.assert_has_all(&["筛选条件：总支：监理公司党总支；状态：已发布", "红色旁站"]);
    assert_eq!(p.pages, 1);
}

crate::both!(
    the_list_is_scoped_filtered_and_exported,
    the_wall_shows_every_card_and_filters,
    the_wall_prints_on_a4,
);
