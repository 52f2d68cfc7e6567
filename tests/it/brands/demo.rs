//! The demo's brands are the article's: the main brand 工程医匠·护航先锋 and 18 sub-brands,
//! one per branch ZB01–ZB18, launched at the 党建品牌体系发布会 on 2022-10-14 and promoted on
//! 中企党建研究院 and 山东国资报道; this year some are recognised. Checked through the pages.

use super::*;

async fn the_demo_has_the_articles_brands(app: TestApp) {
    let office = app.signed_in("admin").await;
    let list = office.get("/brands?kind=main").await;
    list.assert_contains("共 1 条");
    list.assert_contains("工程医匠·护航先锋");
    let list = office.get("/brands?kind=sub&status=").await;
    list.assert_contains("共 18 条");
    // One per branch ZB01–ZB18, every one launched on 2022-10-14.
    for n in 1..=18 {
        let id = brand_of(&app, &format!("ZB{n:02}"));
        let b = brand(&app, id);
        assert_eq!(b.kind, "sub");
        assert_eq!(
            b.published_on,
            chrono::NaiveDate::from_ymd_opt(2022, 10, 14)
        );
    }
    let main = brand_of(&app, "DW");
    let page = office.get(&format!("/brands/{main}")).await;
    assert_eq!(page.status, 200);
    for text in [
        "工程医匠·护航先锋",
        "红医精神",
        "工匠精神",
        "监理",
        "检测",
        "工作法",
        "党建品牌体系发布会",
        "2022-10-14",
        "发布会",
        "中企党建研究院",
        "山东国资报道",
    ] {
        page.assert_contains(text);
    }
    // Promotions on both platforms in 2022.
    for platform in ["中企党建研究院", "山东国资报道"] {
        assert!(
            app.count(&format!(
                "brand_promotions WHERE platform = '{platform}' AND published_on BETWEEN '2022-01-01' AND '2022-12-31'"
            )) >= 1,
            "{platform}"
        );
    }
    // This year: recognised brands, an exchange event, new promotions; nothing in the future.
    let list = office.get("/brands?status=awarded").await;
    list.assert_contains("共 3 条");
    list.assert_contains("2026-");
    assert!(
        app.count(
            "brand_events WHERE kind = 'exchange' AND held_on BETWEEN '2026-01-01' AND '2026-11-24'"
        ) >= 1
    );
    assert!(
        app.count("brand_promotions WHERE published_on BETWEEN '2026-01-01' AND '2026-11-24'") >= 2
    );
    assert_eq!(app.count("brand_events WHERE held_on > '2026-11-24'"), 0);
    assert_eq!(
        app.count("brand_promotions WHERE published_on > '2026-11-24'"),
        0
    );
    assert_eq!(app.count("brands WHERE awarded_on > '2026-11-24'"), 0);
    // The wall shows all of it to a secretary too.
    let sec = app.signed_in("zhibu02").await;
    let wall = sec.get("/brands/wall").await;
    wall.assert_contains("工程医匠·护航先锋");
    assert_eq!(wall.body.matches("<li class=\"brand-card\">").count(), 18);
}

/// Seeding again adds nothing.
async fn the_demo_seed_is_idempotent(app: TestApp) {
    let before = snapshot(&app);
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(crate::helpers::DEMO_PASSWORD.into());
    settings.clock = app.clock.clone();
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    assert_eq!(snapshot(&app), before);
}

crate::both!(
    the_demo_has_the_articles_brands,
    the_demo_seed_is_idempotent
);
