//! `db::models::roster::active_people`, what the activities and coverage pages count on: the
//! people of the units in scope who were on the roster on some day of a period, optionally
//! of one group, by unit in tree order, then by name.

use chrono::NaiveDate;
use zuofeng::db::models::roster::active_people;
use zuofeng::domain::activity::RosterGroup;
use zuofeng::domain::Scope;

use super::*;

async fn add(b: &Browser, unit: i32, name: &str, cats: &[&str], from: &str, to: &str) {
    let u = unit.to_string();
    let mut f: Vec<(&str, &str)> = vec![
        ("unit_id", u.as_str()),
        ("name", name),
        ("active_from", from),
        ("active_to", to),
    ];
    for c in cats {
        f.push(("categories", c));
    }
    let res = b.post("/roster", &f).await;
    assert_eq!(res.status, 303, "{}", res.body);
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn active_people_of_a_scope_period_and_group(app: TestApp) {
    let (zb01, zb02, zb05) = (
        app.unit_id("ZB01"),
        app.unit_id("ZB02"),
        app.unit_id("ZB05"),
    );
    let office = app.signed_in("admin").await;
    let cadre = "org_cadre";
    add(&office, zb02, "丁一", &[cadre], "2020-01-01", "").await;
    add(
        &office,
        zb01,
        "乙二",
        &["party_member", cadre],
        "2022-01-01",
        "",
    )
    .await;
    add(&office, zb01, "甲三", &[cadre], "2023-06-01", "2026-03-31").await;
    add(&office, zb01, "丙四", &[cadre], "2027-01-01", "").await;
    add(&office, zb05, "戊五", &[cadre], "", "").await;
    add(&office, zb01, "己六", &["activist"], "", "").await;
    let scope = {
        let mut c = app.db.conn().expect("conn");
        let zz01 = zuofeng::db::models::units::by_code(&mut c, "ZZ01")
            .expect("query")
            .expect("ZZ01");
        Scope::Subtree(zz01.path)
    };
    let names = |from: &str, to: &str, scope: &Scope, group: Option<RosterGroup>| {
        let mut c = app.db.conn().expect("conn");
        active_people(&mut c, scope, d(from), d(to), group)
            .expect("active people")
            .into_iter()
            .map(|(p, unit)| format!("{}/{unit}", p.name))
            .filter(|s| {
                ["丁一", "乙二", "甲三", "丙四", "戊五", "己六"]
                    .iter()
                    .any(|n| s.starts_with(n))
            })
            .collect::<Vec<_>>()
    };
    let zb01_name = "综合办公室党支部";
    let zb02_name = "党群工作部党支部";
    // 2026, 组工干部, the general branch's subtree: the one who left in March counts, the one
    // who starts in 2027 and the other general branch's do not; ZB01 before ZB02, by name.
    let cadres = Some(RosterGroup::OrgCadre);
    let mut expected = vec![format!("乙二/{zb01_name}"), format!("甲三/{zb01_name}")];
    expected.sort();
    expected.push(format!("丁一/{zb02_name}"));
    assert_eq!(names("2026-01-01", "2026-12-31", &scope, cadres), expected);
    // After the leaving date: gone from the period.
    assert_eq!(
        names("2026-04-01", "2026-12-31", &scope, cadres),
        [format!("乙二/{zb01_name}"), format!("丁一/{zb02_name}")]
    );
    // One group only.
    assert_eq!(
        names(
            "2026-01-01",
            "2026-12-31",
            &scope,
            Some(RosterGroup::PartyMember)
        ),
        [format!("乙二/{zb01_name}")]
    );
    // One unit; every group.
    let all_zb01 = names("2027-01-01", "2027-12-31", &Scope::Unit(zb01), None);
    assert_eq!(all_zb01.len(), 3, "{all_zb01:?}");
    assert!(
        !all_zb01.iter().any(|n| n.starts_with("甲三")),
        "{all_zb01:?}"
    );
    // Every unit.
    assert_eq!(
        names("2026-01-01", "2026-12-31", &Scope::All, cadres).len(),
        4
    );
}

/// The counts beside the list's filters (全部 / 在册 / 已离开, and per group) count every
/// person the unit and name filters leave, grouped in the database (issue 14).
async fn the_counts_beside_the_filters_add_up(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let office = app.signed_in("admin").await;
    let cadre = "org_cadre";
    add(&office, zb01, "计数甲", &[cadre], "2020-01-01", "").await;
    add(
        &office,
        zb01,
        "计数乙",
        &[cadre, "party_member"],
        "2020-01-01",
        "",
    )
    .await;
    add(
        &office,
        zb01,
        "计数丙",
        &[cadre],
        "2020-01-01",
        "2026-03-31",
    )
    .await;
    add(
        &office,
        zb01,
        "计数丁",
        &["activist"],
        "2020-01-01",
        "2026-03-31",
    )
    .await;
    // The name filter leaves the four (today is 2026-11-24).
    let q = "/roster?q=%E8%AE%A1%E6%95%B0";
    let all = office.get(q).await;
    all.assert_contains("全部 <strong>4</strong> 人");
    all.assert_contains("在册 <strong>2</strong> 人");
    all.assert_contains("已离开 <strong>2</strong> 人");
    all.assert_contains("组工干部 <strong>3</strong>");
    all.assert_contains("党员 <strong>1</strong>");
    all.assert_contains("入党积极分子 <strong>1</strong>");
    // A group chosen: the statuses count that group; a status chosen: the groups count it.
    let cadres = office.get(&format!("{q}&category=org_cadre")).await;
    cadres.assert_contains("全部 <strong>3</strong> 人");
    cadres.assert_contains("已离开 <strong>1</strong> 人");
    let left = office.get(&format!("{q}&status=left")).await;
    left.assert_contains("组工干部 <strong>1</strong>");
    left.assert_contains("入党积极分子 <strong>1</strong>");
    left.assert_contains("党员 <strong>0</strong>");
    // The whole roster of the unit, checked against the database.
    let n = app.count(&format!("roster_people WHERE unit_id = {zb01}"));
    office
        .get(&format!("/roster?unit={zb01}"))
        .await
        .assert_contains(&format!("全部 <strong>{n}</strong> 人"));
}

both!(
    active_people_of_a_scope_period_and_group,
    the_counts_beside_the_filters_add_up
);
