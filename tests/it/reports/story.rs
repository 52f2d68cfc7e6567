//! The story of issue 10 in a real browser: a secretary types three lines (CJK punctuation
//! and an emoji among them), attaches a file to the second, submits — and every character
//! and the file arrive. With `ZUOFENG_SCREENSHOTS=<dir>` the typed form is also saved as
//! full-page PNGs at 1440, 1280 and 800 px.

use std::time::Duration;

use fantoccini::Locator;

use super::*;
use crate::browser::driver::Driver;

const TYPED: [&str; 3] = [
    "组织「三会一课」专题学习、撰写心得 12 篇——全员参加。",
    "整改台账逐项复核，补齐佐证材料；「回头看」发现问题 3 个 ✔️👍",
    "开展“质量月”活动（第二期），走访项目部 5 个、听取意见 17 条…",
];

/// Whether leaving the page now would ask first (the form's `beforeunload` handler cancels
/// the event).
async fn would_warn(d: &Driver) -> bool {
    d.client
        .execute(
            "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .expect("script")
        .as_bool()
        .expect("a boolean")
}

/// Click 提交审核 and accept its confirmation.
async fn click_submit(d: &Driver) {
    d.click_confirmed("button[formaction$=\"/submit\"]").await;
}

async fn type_three_lines_attach_a_file_to_the_second_and_submit(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    assert!(ls.len() >= 3, "the demo branch has at least three lines");
    let Some(d) = Driver::start(1440, 900).await else {
        return;
    };
    d.sign_in(&app, "zhibu01").await;
    d.client
        .goto(&format!("{}/reports/{id}", app.addr))
        .await
        .expect("report page");
    let shots = std::env::var("ZUOFENG_SCREENSHOTS").ok();
    if let Some(shots) = &shots {
        // Only when screenshots are asked for: the refused submission of the empty form.
        click_submit(&d).await;
        d.client
            .wait()
            .for_element(Locator::Css(".error-summary"))
            .await
            .expect("error summary");
        for w in [1440, 800] {
            let png = d.screenshot_full(w).await;
            std::fs::write(format!("{shots}/report-errors-{w}.png"), png).expect("save png");
        }
        d.client.set_window_size(1440, 900).await.expect("resize");
    }
    assert!(
        !would_warn(&d).await,
        "nothing typed yet: leaving asks nothing"
    );
    for (i, l) in ls.iter().enumerate() {
        let work = TYPED.get(i).copied().unwrap_or("按计划推进");
        d.type_into(&format!("#work-{}", l.id), work).await;
        d.type_into(&format!("#progress-{}", l.id), "60").await;
    }
    assert!(would_warn(&d).await, "typed, not saved: leaving asks first");
    d.type_into("#highlights", "党员先锋岗作用明显「亮点」🎉")
        .await;
    d.type_into("#next_plan", "下月继续推进——重点是整改销号。")
        .await;
    let dir = std::env::temp_dir().join(format!("zuofeng-story-{}", random_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("第二项佐证.pdf");
    std::fs::write(&file, crate::helpers::PDF).expect("write file");
    d.client
        .find(Locator::Css(&format!("#file-{}", ls[1].id)))
        .await
        .expect("file input of line 2")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose file");
    if let Some(shots) = &shots {
        for w in [1440, 1280, 800] {
            let png = d.screenshot_full(w).await;
            std::fs::write(format!("{shots}/report-form-{w}.png"), png).expect("save png");
        }
        // One window's worth around line 2, at full size.
        d.client.set_window_size(1440, 900).await.expect("resize");
        d.client
            .execute(
                "document.getElementById(arguments[0]).scrollIntoView();",
                vec![serde_json::json!(format!("line-{}", ls[0].id))],
            )
            .await
            .expect("scroll");
        let png = d.client.screenshot().await.expect("screenshot");
        std::fs::write(format!("{shots}/report-lines-1440x900.png"), png).expect("save png");
    }
    click_submit(&d).await;
    let mut state = String::new();
    for _ in 0..100 {
        state = report(&app, id).state;
        if state != "draft" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The page the browser came back to says so (it may still be loading).
    let mut body = String::new();
    for _ in 0..100 {
        body = d.client.source().await.unwrap_or_default();
        if body.contains("已提交") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(state, "draft", "not submitted; the page says:\n{body}");
    assert!(body.contains("已提交，当前状态"), "{body}");
    if let Some(shots) = &shots {
        let png = d.screenshot_full(1280).await;
        std::fs::write(format!("{shots}/report-submitted-1280.png"), png).expect("save png");
    }

    let saved = lines(&app, id);
    for (i, typed) in TYPED.iter().enumerate() {
        assert_eq!(saved[i].work, *typed, "line {} as saved", i + 1);
        assert_eq!(saved[i].progress, Some(60));
    }
    let r = report(&app, id);
    assert_eq!(r.highlights, "党员先锋岗作用明显「亮点」🎉");
    assert_eq!(r.next_plan, "下月继续推进——重点是整改销号。");
    let on = |line: i32| {
        app.count(&format!(
            "attachments WHERE owner = 'report_line' AND owner_id = {line} AND file_name = '第二项佐证.pdf'"
        ))
    };
    assert_eq!(on(ls[1].id), 1, "the file is on line 2");
    assert_eq!(
        app.count(&format!(
            "attachments WHERE owner = 'report_line' AND owner_id IN ({}, {})",
            ls[0].id, ls[2].id
        )),
        0
    );
    drop(d);
    let _ = std::fs::remove_dir_all(&dir);
}
both!(type_three_lines_attach_a_file_to_the_second_and_submit);

/// Enter in a field saves the draft: the form's first (hidden) button is 保存草稿, not a
/// line's 上传 or a file's 删除.
async fn enter_in_a_field_saves_the_draft_and_deletes_nothing(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "report_line"),
            ("owner_id", &ls[0].id.to_string()),
            ("back", &format!("/reports/{id}")),
        ],
        Some(("第一项佐证.pdf", crate::helpers::PDF)),
    );
    assert_eq!(b.post_body("/attachments", &ct, body).await.status, 303);
    let Some(d) = Driver::start(1280, 900).await else {
        return;
    };
    d.sign_in(&app, "zhibu01").await;
    d.client
        .goto(&format!("{}/reports/{id}", app.addr))
        .await
        .expect("report page");
    d.type_into(&format!("#progress-{}", ls[0].id), "35").await;
    d.client
        .find(Locator::Css(&format!("#progress-{}", ls[0].id)))
        .await
        .expect("progress")
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .expect("Enter");
    let mut saved = None;
    for _ in 0..100 {
        saved = lines(&app, id)[0].progress;
        if saved == Some(35) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(saved, Some(35), "Enter saved the draft");
    assert_eq!(
        app.count(&format!(
            "attachments WHERE owner = 'report_line' AND owner_id = {}",
            ls[0].id
        )),
        1,
        "the file is still there"
    );
    assert_eq!(report(&app, id).state, "draft");
}
both!(enter_in_a_field_saves_the_draft_and_deletes_nothing);
