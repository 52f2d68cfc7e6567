//! Issue 13 in a real browser: a secretary fills and submits her monthly report, the 党总支
//! re-checks it and the office re-reviews it, each through the pages in headless Chromium —
//! and the office's dashboard, opened in the same browser, shows the figures move.

use std::time::Duration;

use crate::browser::driver::Driver;
use crate::helpers::TestApp;
use crate::reports::{lines, open, report};

const DASHBOARD: &str = "/dashboard?year=2026&month=11";

/// The dashboard's linked figures as (label, value), and the pipeline line's 已办结 count.
async fn figures(d: &Driver, app: &TestApp) -> (Vec<(String, i64)>, i64) {
    d.client
        .goto(&format!("{}{DASHBOARD}", app.addr))
        .await
        .expect("dashboard");
    let figs = d
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#dispatch a.fig')).map(a => [a.querySelector('.fig-label').textContent, Number(a.dataset.count)]);",
            vec![],
        )
        .await
        .expect("figures");
    let figs: Vec<(String, i64)> = serde_json::from_value(figs).expect("pairs");
    let text = d.client.source().await.expect("source");
    let closed = text
        .split("已办结 <strong>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("the pipeline's 已办结");
    (figs, closed)
}

fn value(figs: &[(String, i64)], label: &str) -> i64 {
    figs.iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {label} in {figs:?}"))
}

/// Wait until the report's state is `want`.
async fn until_state(app: &TestApp, id: i32, want: &str) {
    for _ in 0..100 {
        if report(app, id).state == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("report {id} never became {want}: {}", report(app, id).state);
}

async fn a_report_through_review_moves_the_dashboard(app: TestApp) {
    let Some(office) = Driver::start(1280, 900).await else {
        return;
    };
    office.sign_in(&app, "admin").await;
    let (before, closed_before) = figures(&office, &app).await;

    // The secretary fills in the month's report and submits it.
    let id = open(&app.signed_in("zhibu01").await, "11").await;
    let secretary = Driver::start(1280, 900).await.expect("a second browser");
    secretary.sign_in(&app, "zhibu01").await;
    secretary
        .client
        .goto(&format!("{}/reports/{id}", app.addr))
        .await
        .expect("report page");
    for l in lines(&app, id) {
        secretary
            .type_into(&format!("#work-{}", l.id), "按计划推进，本月完成阶段目标")
            .await;
        secretary
            .type_into(&format!("#progress-{}", l.id), "80")
            .await;
    }
    secretary
        .type_into("#highlights", "党员先锋岗带动项目提速")
        .await;
    secretary.type_into("#next_plan", "下月完成整改销号").await;
    secretary
        .click_confirmed("button[formaction$=\"/submit\"]")
        .await;
    until_state(&app, id, "awaiting_general").await;
    drop(secretary);

    // The 党总支 re-checks it, the office re-reviews it.
    let general = Driver::start(1280, 900).await.expect("a third browser");
    general.sign_in(&app, "zongzhi01").await;
    general
        .client
        .goto(&format!("{}/reports/{id}", app.addr))
        .await
        .expect("report page");
    general.click_confirmed("#review button.primary").await;
    until_state(&app, id, "awaiting_committee").await;
    drop(general);
    office
        .client
        .goto(&format!("{}/reports/{id}", app.addr))
        .await
        .expect("report page");
    office.click_confirmed("#review button.primary").await;
    until_state(&app, id, "closed").await;

    let (after, closed_after) = figures(&office, &app).await;
    assert_eq!(value(&after, "按时"), value(&before, "按时") + 1);
    assert_eq!(value(&after, "待报送"), value(&before, "待报送") - 1);
    assert_eq!(closed_after, closed_before + 1, "已办结 up by one");
}
both!(a_report_through_review_moves_the_dashboard);
