//! The demo records of issue 11 (roster, activities, surveys): the article's 2022 figures —
//! 2 trainings and 1 exam with 318 participant-times and every 组工干部 covered, 7 research /
//! exchange / symposium activities, 18 强意识座谈会, 2 surveys with 1,131 participant-times —
//! the current year in progress, and seeding again changes nothing.

use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;

use crate::helpers::*;

fn big(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = BigInt)]
        v: i64,
    }
    let mut conn = app.db.conn().expect("connection");
    let row: V = diesel::sql_query(sql)
        .get_result(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.v
}

const Y2022: &str = "start_date BETWEEN '2022-01-01' AND '2022-12-31'";

/// Participant-times of the activities matching `cond`: attendance rows, or the typed count.
fn participant_times(app: &TestApp, cond: &str) -> i64 {
    big(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN x.participant_count IS NULL \
             THEN (SELECT COUNT(*) FROM activity_attendance a WHERE a.activity_id = x.id) \
             ELSE x.participant_count END), 0) AS BIGINT) AS v FROM activities x WHERE {cond}"
        ),
    )
}

/// 组工干部 active in `year`, and how many of them attended a training or exam that year.
fn cadre_coverage(app: &TestApp, year: i32) -> (i64, i64) {
    let active = format!(
        "p.categories LIKE '%,org_cadre,%' \
         AND (p.active_from IS NULL OR p.active_from <= '{year}-12-31') \
         AND (p.active_to IS NULL OR p.active_to >= '{year}-01-01')"
    );
    let all = app.count(&format!("roster_people p WHERE {active}"));
    let covered = app.count(&format!(
        "roster_people p WHERE {active} AND EXISTS (SELECT 1 FROM activity_attendance a \
         JOIN activities x ON x.id = a.activity_id WHERE a.person_id = p.id \
         AND x.kind IN ('training', 'exam') \
         AND x.start_date BETWEEN '{year}-01-01' AND '{year}-12-31')"
    ));
    (all, covered)
}

async fn the_2022_demo_has_the_articles_figures(app: TestApp) {
    // 2 党务工作能力提升专项培训 and 1 党员发展对象考试, 318 participant-times in all.
    let trainings = format!("{Y2022} AND kind IN ('training', 'exam')");
    assert_eq!(app.count(&format!("activities WHERE {trainings}")), 3);
    assert_eq!(
        app.count(&format!("activities WHERE {Y2022} AND kind = 'training'")),
        2
    );
    assert_eq!(
        app.count(&format!("activities WHERE {Y2022} AND kind = 'exam'")),
        1
    );
    assert_eq!(participant_times(&app, &trainings), 318);
    // They are counted from attendance rows, not typed.
    assert_eq!(
        app.count(&format!(
            "activities WHERE {trainings} AND participant_count IS NOT NULL"
        )),
        0
    );
    // The exam keeps a score for everyone and a pass mark.
    assert_eq!(
        app.count(&format!(
            "activities WHERE {Y2022} AND kind = 'exam' AND pass_mark = 60"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "activity_attendance a JOIN activities x ON x.id = a.activity_id \
             WHERE x.kind = 'exam' AND x.{Y2022} AND a.score IS NULL"
        )),
        0
    );
    // Nobody attended on a day they were not on the roster.
    assert_eq!(
        app.count(
            "activity_attendance a JOIN activities x ON x.id = a.activity_id \
             JOIN roster_people p ON p.id = a.person_id \
             WHERE (p.active_from IS NOT NULL AND p.active_from > x.start_date) \
             OR (p.active_to IS NOT NULL AND p.active_to < x.start_date)"
        ),
        0
    );
    // 100% of the 组工干部 active in 2022, among them one who left in June and the one who
    // took over in July.
    let (all, covered) = cadre_coverage(&app, 2022);
    assert!(all >= 30, "{all} 组工干部");
    assert_eq!(covered, all);
    assert_eq!(
        app.count(
            "roster_people WHERE categories LIKE '%,org_cadre,%' AND active_to = '2022-06-30'"
        ),
        1
    );
    // 7 research / exchange / symposium activities, 统战对象座谈会 and 政工人事 among them.
    assert_eq!(
        app.count(&format!(
            "activities WHERE {Y2022} AND kind IN ('research', 'exchange', 'symposium', 'united_front')"
        )),
        7
    );
    assert_eq!(
        app.count(&format!(
            "activities WHERE {Y2022} AND kind = 'united_front'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "activities WHERE {Y2022} AND title LIKE '%政工人事%'"
        )),
        3
    );
    // 18 强意识座谈会, one in every branch.
    assert_eq!(
        app.count(&format!("activities WHERE {Y2022} AND kind = 'awareness'")),
        18
    );
    assert_eq!(
        app.count(&format!(
            "units u WHERE u.kind = 'branch' AND (SELECT COUNT(*) FROM activities x \
             WHERE x.unit_id = u.id AND x.kind = 'awareness' AND x.{Y2022}) = 1"
        )),
        18
    );
    // 2 员工思想状况调查 with 1,131 participant-times.
    let surveys_2022 = "surveys WHERE period_start BETWEEN '2022-01-01' AND '2022-12-31'";
    assert_eq!(app.count(surveys_2022), 2);
    assert_eq!(
        big(
            &app,
            &format!("SELECT CAST(SUM(participants) AS BIGINT) AS v FROM {surveys_2022}")
        ),
        1131
    );
    // The survey list says the same.
    let page = app.signed_in("admin").await.get("/surveys?year=2022").await;
    assert_eq!(page.status, 200);
    page.assert_contains(
        r#"id="survey-totals" class="survey-totals" data-surveys="2" data-participants="1131""#,
    );
    page.assert_contains("调查 <strong>2</strong> 次，参与 <strong>1131</strong> 人次");

    // The roster: ~20 people per branch, no ID numbers anywhere, people who joined this year.
    let branches = app.count("units WHERE kind = 'branch'");
    assert_eq!(branches, 18);
    let per_branch = app
        .count("roster_people p JOIN units u ON u.id = p.unit_id WHERE u.kind = 'branch'")
        / branches;
    assert!((18..=24).contains(&per_branch), "{per_branch}");
    assert!(app.count("roster_people WHERE active_from >= '2026-01-01'") > 0);
    assert!(app.count("roster_people WHERE categories LIKE '%,united_front,%'") >= 18);

    // Through the pages the office reads: the activity list's totals and the computed
    // coverage of 组工干部 in 2022 (100%, never typed).
    let admin = app.signed_in("admin").await;
    let list = admin.get("/activities?year=2022&kind=training").await;
    list.assert_contains(r#"data-activities="2""#);
    let exams = admin.get("/activities?year=2022&kind=exam").await;
    exams.assert_contains(r#"data-activities="1""#);
    let times = |body: &str| -> i64 {
        let doc = scraper::Html::parse_document(body);
        let sel = scraper::Selector::parse("#activity-totals").expect("selector");
        let el = doc.select(&sel).next().expect("the totals line");
        el.value()
            .attr("data-participant-times")
            .and_then(|v| v.parse().ok())
            .expect("participant-times")
    };
    assert_eq!(
        times(&list.body) + times(&exams.body),
        318,
        "参训人次 of 2022"
    );
    let cov = admin
        .get("/activities/coverage?year=2022&group=org_cadre&kind=training&kind=exam")
        .await;
    assert_eq!(cov.status, 200);
    let doc = scraper::Html::parse_document(&cov.body);
    let sel = scraper::Selector::parse("tr[data-overall]").expect("selector");
    let row = doc.select(&sel).next().expect("the overall row");
    let total = row.value().attr("data-total").expect("data-total");
    assert_eq!(
        row.value().attr("data-covered"),
        Some(total),
        "100% of 组工干部"
    );
    assert!(total.parse::<i64>().expect("a number") > 0);
}

async fn the_current_year_is_in_progress(app: TestApp) {
    let y = "start_date BETWEEN '2026-01-01' AND '2026-12-31'";
    // Never in the future (the test clock is 2026-11-24).
    assert_eq!(app.count("activities WHERE start_date > '2026-11-24'"), 0);
    assert_eq!(app.count("surveys WHERE period_start > '2026-11-24'"), 0);
    assert!(app.count(&format!("activities WHERE {y} AND kind = 'training'")) >= 2);
    assert_eq!(
        app.count(&format!("activities WHERE {y} AND kind = 'party_lecture'")),
        1
    );
    assert!(app.count(&format!("activities WHERE {y} AND kind = 'awareness'")) >= 3);
    // Some with attendance, some with a typed count.
    assert!(
        app.count(&format!(
            "activities WHERE {y} AND participant_count IS NOT NULL"
        )) > 0
    );
    assert!(
        app.count(&format!(
            "activities x WHERE x.{y} AND EXISTS (SELECT 1 FROM activity_attendance a \
             WHERE a.activity_id = x.id)"
        )) > 0
    );
    // Coverage of 组工干部 partial.
    let (all, covered) = cadre_coverage(&app, 2026);
    assert!(covered > 0 && covered < all, "{covered} of {all}");
    assert_eq!(
        app.count("surveys WHERE period_start BETWEEN '2026-01-01' AND '2026-12-31'"),
        1
    );
}

async fn seeding_the_demo_again_changes_no_count(app: TestApp) {
    let tables = [
        "roster_people",
        "activities",
        "activity_attendance",
        "surveys",
    ];
    let before: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
    let times = participant_times(&app, &format!("{Y2022} AND kind IN ('training', 'exam')"));
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(DEMO_PASSWORD.into());
    settings.clock = app.clock.clone();
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    let after: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    assert_eq!(before, after);
    assert_eq!(
        participant_times(&app, &format!("{Y2022} AND kind IN ('training', 'exam')")),
        times
    );
}

both!(
    the_2022_demo_has_the_articles_figures,
    the_current_year_is_in_progress,
    seeding_the_demo_again_changes_no_count,
);
