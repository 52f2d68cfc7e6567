//! The home pages: a branch sees its activities this month and its members not yet covered;
//! the office and the viewer see this year's coverage by unit.

use super::*;

async fn a_secretary_sees_her_branch(app: TestApp) {
    roster(&app);
    let sec = app.signed_in("zhibu01").await;
    let home = sec.get("/home").await;
    assert_eq!(home.status, 200);
    // This month (November 2026): organised by ZB01, or attended by one of its people.
    home.assert_contains("本月培训与活动（11 月）");
    home.assert_contains("十一月主题党日");
    home.assert_contains("集团交流会");
    home.assert_contains("（工程咨询集团党委组织）");
    home.assert_lacks("监理一分公司主题党日");
    home.assert_lacks("十月主题党日");
    // Her members not yet covered this year (党员, 培训 and 考试), and where to see more.
    assert_eq!(overall(&home.body), Some((5, 3, 1)));
    let mut names = people(&home.body);
    names.sort();
    assert_eq!(names, ["李三", "赵四"]);
    home.assert_lacks("陈丙");
    home.assert_contains("尚未参加本年度培训的党员（2 人）");
    let link = "/activities/coverage?year=2026&group=party_member&kind=training&kind=exam";
    assert!(
        crate::helpers::links_in(&home.body).contains(&link.to_string()),
        "no link to {link}"
    );
    // Per-unit lines are for those with several units.
    assert!(units(&home.body).is_empty());

    // Everyone covered: said so, no list.
    app.exec(
        "INSERT INTO activity_attendance (activity_id, person_id, created_at) \
         SELECT a.id, p.id, '2026-01-01 00:00:00' FROM activities a, roster_people p \
         WHERE a.title = 'E2' AND p.name IN ('李三', '赵四');",
    );
    let home = sec.get("/home").await;
    assert_eq!(overall(&home.body), Some((5, 5, 1)));
    assert!(people(&home.body).is_empty());
    home.assert_contains("本支部党员均已参加本年度培训");
}

async fn a_branch_without_roster_or_activities(app: TestApp) {
    roster(&app);
    let other = app.signed_in("zhibu03").await;
    let home = other.get("/home").await;
    assert_eq!(home.status, 200);
    // ZB05's own activity this month is there; nobody of the roster.
    home.assert_contains("监理一分公司主题党日");
    home.assert_lacks("集团交流会");
    home.assert_contains("人员名册中还没有 2026 年在册的党员");
    assert_eq!(overall(&home.body), None);
    // A branch with nothing this month says so.
    app.exec("DELETE FROM activities WHERE title = '监理一分公司主题党日'");
    let home = other.get("/home").await;
    home.assert_contains("本月还没有本支部组织或本支部人员参加的活动");
}

async fn the_office_sees_coverage_by_unit(app: TestApp) {
    roster(&app);
    for who in ["admin", "viewer"] {
        let b = app.signed_in(who).await;
        let home = b.get("/home").await;
        assert_eq!(home.status, 200);
        home.assert_contains("2026 年党员培训覆盖率");
        assert_eq!(overall(&home.body), Some((8, 5, 1)), "{who}");
        // In short: the units directly under the committee, not the branches below them.
        let lines = units(&home.body);
        assert_eq!(lines["ZZ01"], (8, 5, 1), "{who}");
        assert_eq!(lines["ZZ02"], (0, 0, 0), "{who}");
        assert!(
            !lines.contains_key("ZB01") && !lines.contains_key("DW"),
            "{who}"
        );
        // No branch lists on the office's page, nor a branch's activities.
        assert!(people(&home.body).is_empty());
        home.assert_lacks("本月培训与活动");
        home.assert_contains("查看覆盖率明细和尚未覆盖人员");
    }
    // A general branch: its branches.
    let reviewer = app.signed_in("zongzhi01").await;
    let home = reviewer.get("/home").await;
    let lines = units(&home.body);
    assert_eq!(lines["ZB01"], (5, 3, 1));
    assert_eq!(lines["ZB02"], (3, 2, 0));
    assert!(!lines.contains_key("ZB05"));
}

both!(
    a_secretary_sees_her_branch,
    a_branch_without_roster_or_activities,
    the_office_sees_coverage_by_unit
);
