//! The way through: every transition guarded and counted, the committee's branches skipping
//! a step, the trail (D8), queues and batch approval (D9), a return on the hook (D11).

use super::*;

/// The way through with both returns, and every transition guarded and counted: each moves
/// the state as the review says, bumps the version, writes one trail row and one audit row.
async fn every_transition_steps_bumps_the_version_and_is_recorded(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let admin = app.signed_in("admin").await;
    let id = rec.draft(&app, &sec, "ZB01").await;
    #[derive(Clone, Copy)]
    enum Do<'a> {
        Submit,
        Save,
        Approve(&'a Browser),
        Return(&'a Browser, &'a str),
    }
    let steps = [
        (Do::Submit, "submit", "awaiting_general"),
        (Do::Return(&zz, "请补充佐证"), "return", "draft"),
        (Do::Save, "", "draft"),
        (Do::Submit, "submit", "awaiting_general"),
        (Do::Approve(&zz), "approve", "awaiting_committee"),
        (Do::Return(&admin, "请完善"), "return", "draft"),
        (Do::Submit, "submit", "awaiting_general"),
        (Do::Approve(&zz), "approve", "awaiting_committee"),
        (Do::Approve(&admin), "approve", "closed"),
    ];
    for (i, (what, action, to)) in steps.into_iter().enumerate() {
        let before = rec.snap(&app, id);
        let before_action = rec.audits(&app, id, Some(action));
        let p = match what {
            Do::Submit => rec.submit(&app, &sec, id).await,
            Do::Save => rec.save(&app, &sec, id, "按意见修改").await,
            Do::Approve(b) => rec.approve(b, id, &[]).await,
            Do::Return(b, c) => rec.ret(b, id, c).await,
        };
        p.assert_redirect(&rec.path(id));
        let after = rec.snap(&app, id);
        assert_eq!(after.state, to, "step {i}");
        assert!(after.version > before.version, "step {i} bumps the version");
        if action.is_empty() {
            continue;
        }
        assert_eq!(after.events, before.events + 1, "step {i}: one trail row");
        assert_eq!(after.audit, before.audit + 1, "step {i}: one audit row");
        assert_eq!(
            rec.audits(&app, id, Some(action)),
            before_action + 1,
            "step {i}: audited as {action}"
        );
    }
    assert_eq!(rec.events(&app, id, Some("return")), 2);
}

/// Branches directly under the committee skip 总支复查: their submission waits for the
/// office, no general branch sees it.
async fn branches_under_the_committee_skip_the_general_step(app: TestApp, rec: Rec) {
    let sec = account(&app, "zhibu11", "周红", Role::Secretary, "ZB11").await;
    let id = rec.submitted(&app, &sec, "ZB11").await;
    assert_eq!(rec.state(&app, id), "awaiting_committee");
    let zz = app.signed_in("zongzhi01").await;
    assert!(!rec.listed(&zz.get(&rec.queue()).await, id));
    let admin = app.signed_in("admin").await;
    assert!(rec.listed(&admin.get(&rec.queue()).await, id));
    rec.ret(&admin, id, "请补充")
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "draft");
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "awaiting_committee");
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "closed");
}

/// D8: the trail lists every step with who, the action, the resulting state and the
/// comment, on the page and its print; a step whose account is gone names a stand-in.
async fn d8_the_trail_names_every_step(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let admin = app.signed_in("admin").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    rec.ret(&zz, id, "请补充佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.save(&app, &sec, id, "按意见补充了佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    rec.approve(&zz, id, &[("comment", "同意")])
        .await
        .assert_redirect(&rec.path(id));
    rec.ret(&admin, id, "请完善")
        .await
        .assert_redirect(&rec.path(id));
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    rec.approve(&zz, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    let named = |branch: &str, general: &str, committee: &str| {
        vec![
            step(branch, "提交", "待总支复查", ""),
            step(general, "退回", "草稿", "请补充佐证"),
            step(branch, "提交", "待总支复查", ""),
            step(general, "审核通过", "待党委复核", "同意"),
            step(committee, "退回", "草稿", "请完善"),
            step(branch, "提交", "待总支复查", ""),
            step(general, "审核通过", "待党委复核", ""),
            step(committee, "审核通过", "已办结", ""),
        ]
    };
    let mut pages = vec![rec.path(id)];
    if rec.print {
        pages.push(format!("{}/print", rec.path(id)));
    }
    for path in &pages {
        for b in [&sec, &admin] {
            let p = b.get(path).await;
            assert_eq!(p.status, 200, "{path}");
            assert_eq!(
                trail(&p),
                named("李明", "王建国", "党群工作部管理员"),
                "{path}"
            );
        }
    }
    // The accounts are gone from the trail: each step names who stands for it.
    app.exec(&format!(
        "UPDATE review_events SET actor_id = NULL WHERE entity = '{}' AND entity_id = {id}",
        rec.entity
    ));
    for path in &pages {
        let p = admin.get(path).await;
        assert_eq!(
            trail(&p),
            named(
                "综合办公室党支部书记",
                "总部机关党总支书记",
                "党委（党群工作部）"
            ),
            "{path}"
        );
        assert!(!text(&p).contains("系统"), "{path}: never 系统");
    }
}

/// D9: the queues (office: 待党委复核 of all units; a reviewer: 待总支复查 of her branches;
/// secretaries and the viewer: 403) and the office's batch approval (each ticked record as
/// a single approval would, the refused ones named, an empty selection changes nothing).
async fn d9_queues_and_batch_approval(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let sec2 = app.signed_in("zhibu02").await;
    let sec3 = app.signed_in("zhibu03").await;
    let zz = app.signed_in("zongzhi01").await;
    let zz2 = zongzhi02(&app).await;
    let admin = app.signed_in("admin").await;
    let viewer = app.signed_in("viewer").await;
    // a: ZB01 待总支复查; b: ZB05 待总支复查 (another general branch); c: ZB02 待党委复核;
    // d: ZB11 待党委复核, made and submitted by the office itself.
    let a = rec.submitted(&app, &sec, "ZB01").await;
    let b = rec.submitted(&app, &sec3, "ZB05").await;
    let c = rec.submitted(&app, &sec2, "ZB02").await;
    rec.approve(&zz, c, &[]).await.assert_redirect(&rec.path(c));
    let d = rec.submitted(&app, &admin, "ZB11").await;
    assert_eq!(rec.state(&app, d), "awaiting_committee");

    let q = zz.get(&rec.queue()).await;
    assert_eq!(q.status, 200);
    assert!(rec.listed(&q, a), "{rec:?}: zongzhi01 sees a");
    for id in [b, c, d] {
        assert!(!rec.listed(&q, id), "{rec:?}: zongzhi01 does not see {id}");
    }
    let q = zz2.get(&rec.queue()).await;
    assert_eq!(q.status, 200);
    assert!(rec.listed(&q, b), "{rec:?}: zongzhi02 sees b");
    for id in [a, c, d] {
        assert!(!rec.listed(&q, id), "{rec:?}: zongzhi02 does not see {id}");
    }
    let q = admin.get(&rec.queue()).await;
    assert_eq!(q.status, 200);
    for id in [c, d] {
        assert!(rec.listed(&q, id), "{rec:?}: the office sees {id}");
    }
    for id in [a, b] {
        assert!(!rec.listed(&q, id), "{rec:?}: the office does not see {id}");
    }
    for (who, br) in [("zhibu01", &sec), ("viewer", &viewer)] {
        assert_eq!(br.get(&rec.queue()).await.status, 403, "{who}");
    }

    let all = [a, b, c, d];
    let snaps = |app: &TestApp| all.map(|id| rec.snap(app, id));
    let before = snaps(&app);
    let (sa, sc, sd) = (a.to_string(), c.to_string(), d.to_string());
    let ticked = [
        ("ids", sc.as_str()),
        ("ids", sa.as_str()),
        ("ids", sd.as_str()),
    ];
    // Only the office, only with the form's token.
    for (who, br) in [("zongzhi01", &zz), ("zhibu01", &sec), ("viewer", &viewer)] {
        assert_eq!(br.post(&rec.batch(), &ticked).await.status, 403, "{who}");
    }
    assert_eq!(
        admin.post_raw(&rec.batch(), &ticked).await.status,
        403,
        "no token"
    );
    let mut forged = vec![("csrf_token", "forged-token")];
    forged.extend_from_slice(&ticked);
    assert_eq!(
        admin.post_raw(&rec.batch(), &forged).await.status,
        403,
        "forged token"
    );
    assert_eq!(snaps(&app), before, "nothing changes");
    // An empty selection changes nothing and says so.
    admin
        .post(&rec.batch(), &[])
        .await
        .assert_redirect(&rec.queue());
    let q = admin.get(&rec.queue()).await;
    assert!(
        flashes(&q).contains("请先勾选"),
        "{rec:?}: an empty selection is explained: {}",
        flashes(&q)
    );
    assert_eq!(snaps(&app), before, "nothing changes");
    // c passes as a single approval would; a (not at this stage) and d (own) are named.
    admin
        .post(&rec.batch(), &ticked)
        .await
        .assert_redirect(&rec.queue());
    let q = admin.get(&rec.queue()).await;
    let said = flashes(&q);
    assert!(said.contains("已审核通过 1"), "{rec:?}: {said}");
    for code in ["ZB01", "ZB11"] {
        let name = unit_name(&app, code);
        assert!(
            said.contains(&name),
            "{rec:?}: {name} named as refused: {said}"
        );
    }
    let after = snaps(&app);
    assert_eq!(after[0], before[0], "a unchanged");
    assert_eq!(after[1], before[1], "b unchanged");
    assert_eq!(after[3], before[3], "d unchanged");
    assert_eq!(after[2].state, "closed");
    assert_eq!(after[2].version, before[2].version + 1);
    assert_eq!(after[2].events, before[2].events + 1);
    assert_eq!(rec.audits(&app, c, Some("approve")), 2);
    assert_eq!(rec.events(&app, c, Some("approve")), 2);
}

/// D11: a return reaches the configured hook with its comment.
async fn d11_a_return_reaches_the_hook(app: TestApp, rec: Rec) {
    let (web, _mail, _) = crate::notify::receivers();
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    let comment = format!("请补充佐证材料（{:?}）", rec.ty);
    rec.ret(&zz, id, &comment)
        .await
        .assert_redirect(&rec.path(id));
    let mut got = Vec::new();
    for _ in 0..100 {
        got = web.wait_for(0).await;
        if got.iter().any(|m| m.contains(&comment)) {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        got.iter().any(|m| m.contains(&comment)),
        "{rec:?}: the return reached the hook: {got:?}"
    );
}

contract!(
    every_transition_steps_bumps_the_version_and_is_recorded,
    branches_under_the_committee_skip_the_general_step,
    d8_the_trail_names_every_step,
    d9_queues_and_batch_approval,
);
contract!(d11_a_return_reaches_the_hook, with crate::notify::with_receivers);
