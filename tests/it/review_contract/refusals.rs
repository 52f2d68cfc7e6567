//! What is refused and how: no capacity over the unit (D1), not holding the stage (D2), not
//! now (D3), a comment too long (D4) or missing (D5), own material (D10), a missing or forged
//! token (D12).

use super::*;

/// D1: another branch's secretary, another general branch's reviewer and the viewer have
/// no capacity over the record's unit: 403 on submit, approve and return at every stage,
/// and nothing changes.
async fn d1_no_capacity_over_the_unit_is_refused(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let outsiders = [
        ("zhibu02", app.signed_in("zhibu02").await),
        ("zhibu03", app.signed_in("zhibu03").await),
        ("zongzhi02", zongzhi02(&app).await),
        ("viewer", app.signed_in("viewer").await),
    ];
    let id = rec.draft(&app, &sec, "ZB01").await;
    let before = rec.snap(&app, id);
    for (who, b) in &outsiders {
        let p = rec.submit(&app, b, id).await;
        assert_eq!(p.status, 403, "{rec:?}: submit by {who}: {}", p.body);
    }
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    for stage in ["awaiting_general", "awaiting_committee"] {
        assert_eq!(rec.state(&app, id), stage);
        let before = rec.snap(&app, id);
        for (who, b) in &outsiders {
            let p = rec.approve(b, id, &[("comment", "同意")]).await;
            assert_eq!(
                p.status, 403,
                "{rec:?} {stage}: approve by {who}: {}",
                p.body
            );
            let p = rec.ret(b, id, "越权退回").await;
            assert_eq!(
                p.status, 403,
                "{rec:?} {stage}: return by {who}: {}",
                p.body
            );
            let p = rec.submit(&app, b, id).await;
            assert_eq!(
                p.status, 403,
                "{rec:?} {stage}: submit by {who}: {}",
                p.body
            );
        }
        assert_eq!(rec.snap(&app, id), before, "nothing changes at {stage}");
        if stage == "awaiting_general" {
            rec.approve(&zz, id, &[])
                .await
                .assert_redirect(&rec.path(id));
        }
    }
}

/// D2: a reviewer who does not hold the current stage (the office while the record waits
/// for the general branch, the general branch once it waits for the committee): 409 with
/// "此环节不由您审核" — the record's state is what stands in the way. A secretary holds no
/// review capacity at all: 403 (as D1). Nothing changes.
async fn d2_not_holding_the_stage_is_refused(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let admin = app.signed_in("admin").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    // 待总支复查: not the office; never the branch (its own secretary, who submitted it).
    let mut before = rec.snap(&app, id);
    let p = rec.approve(&admin, id, &[]).await;
    refused(&p, 409, NOT_YOURS, &format!("{rec:?}: approve by admin"));
    let p = rec.ret(&admin, id, "请补充").await;
    refused(&p, 409, NOT_YOURS, &format!("{rec:?}: return by admin"));
    for stage in ["待总支复查", "待党委复核"] {
        let p = rec.approve(&sec, id, &[]).await;
        assert_eq!(p.status, 403, "{rec:?}: the branch approves at {stage}");
        let p = rec.ret(&sec, id, "请补充").await;
        assert_eq!(p.status, 403, "{rec:?}: the branch returns at {stage}");
        assert_eq!(rec.snap(&app, id), before, "nothing changes at {stage}");
        if stage == "待总支复查" {
            rec.approve(&zz, id, &[])
                .await
                .assert_redirect(&rec.path(id));
            before = rec.snap(&app, id);
        }
    }
    // 待党委复核: not the general branch any more.
    let before = rec.snap(&app, id);
    let p = rec.approve(&zz, id, &[]).await;
    refused(
        &p,
        409,
        NOT_YOURS,
        &format!("{rec:?}: approve by zongzhi01"),
    );
    let p = rec.ret(&zz, id, "请补充").await;
    refused(&p, 409, NOT_YOURS, &format!("{rec:?}: return by zongzhi01"));
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
}

/// D3: an action that does not apply in the current state: 409 with "当前状态下不能进行此操作",
/// nothing changes.
async fn d3_an_action_that_does_not_apply_now_is_a_conflict(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let admin = app.signed_in("admin").await;
    let id = rec.draft(&app, &sec, "ZB01").await;
    // A draft is neither approved nor returned.
    let before = rec.snap(&app, id);
    for (who, b) in [("zongzhi01", &zz), ("admin", &admin)] {
        let p = rec.approve(b, id, &[]).await;
        refused(
            &p,
            409,
            NOT_NOW,
            &format!("{rec:?}: approve a draft by {who}"),
        );
        let p = rec.ret(b, id, "请补充").await;
        refused(
            &p,
            409,
            NOT_NOW,
            &format!("{rec:?}: return a draft by {who}"),
        );
    }
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // A submitted record is not submitted again.
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    let before = rec.snap(&app, id);
    let p = rec.submit(&app, &sec, id).await;
    refused(&p, 409, NOT_NOW, &format!("{rec:?}: submit again"));
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // An 已办结 record is final.
    rec.approve(&zz, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "closed");
    let before = rec.snap(&app, id);
    for (who, b) in [("zongzhi01", &zz), ("admin", &admin)] {
        let p = rec.ret(b, id, "请补充").await;
        refused(
            &p,
            409,
            NOT_NOW,
            &format!("{rec:?}: return a closed one by {who}"),
        );
        let p = rec.approve(b, id, &[]).await;
        refused(
            &p,
            409,
            NOT_NOW,
            &format!("{rec:?}: approve a closed one by {who}"),
        );
    }
    let p = rec.submit(&app, &sec, id).await;
    refused(&p, 409, NOT_NOW, &format!("{rec:?}: submit a closed one"));
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
}

/// D4: a comment over 500 characters on approve or return: 422, the record's page again
/// with the message and the typed comment in the comment box; nothing written. 500 is fine.
async fn d4_a_comment_over_500_characters_is_refused_and_kept(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    let long = format!("请补充{}", "细".repeat(498));
    assert_eq!(long.chars().count(), 501);
    let before = rec.snap(&app, id);
    for action in ["approve", "return"] {
        let p = zz
            .post(
                &format!("{}/{action}", rec.path(id)),
                &[("comment", long.as_str())],
            )
            .await;
        let what = format!("{rec:?}: {action} with 501 characters");
        refused(&p, 422, "500", &what);
        assert!(
            comment_boxes(&p).contains(&long),
            "{what}: the typed comment is not in a comment box: {:?}\n{}",
            comment_boxes(&p),
            p.body
        );
        assert_eq!(rec.snap(&app, id), before, "{what}: nothing written");
    }
    let fits = format!("请补充{}", "细".repeat(497));
    assert_eq!(fits.chars().count(), 500);
    rec.approve(&zz, id, &[("comment", fits.as_str())])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = '{}' AND entity_id = {id} AND comment = '{fits}'",
            rec.entity
        )),
        1,
        "500 characters are kept whole"
    );
}

/// D5: a return with an empty comment: 422, the record's page with "请填写退回意见", nothing
/// written, at either level.
async fn d5_a_return_without_a_comment_is_refused_on_the_page(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let admin = app.signed_in("admin").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    for (who, b) in [("zongzhi01", &zz), ("admin", &admin)] {
        let before = rec.snap(&app, id);
        for comment in ["", "  \n "] {
            let p = rec.ret(b, id, comment).await;
            refused(
                &p,
                422,
                NEED_COMMENT,
                &format!("{rec:?}: return by {who} with {comment:?}"),
            );
        }
        // A form without the field at all (another client) is the same.
        let p = b.post(&format!("{}/return", rec.path(id)), &[]).await;
        refused(
            &p,
            422,
            NEED_COMMENT,
            &format!("{rec:?}: return without field"),
        );
        assert_eq!(rec.snap(&app, id), before, "nothing written");
        if who == "zongzhi01" {
            rec.approve(&zz, id, &[])
                .await
                .assert_redirect(&rec.path(id));
        }
    }
}

/// D10: own material is never reviewed: a record the acting user submitted, or one of the
/// acting user's own unit, is refused with 403 and "不能审核本人或本单位提交的材料".
async fn d10_own_material_is_never_reviewed(app: TestApp, rec: Rec) {
    // The office writes and submits for ZB11 (directly under the committee) itself.
    let admin = app.signed_in("admin").await;
    let id = rec.submitted(&app, &admin, "ZB11").await;
    assert_eq!(rec.state(&app, id), "awaiting_committee");
    let before = rec.snap(&app, id);
    let p = rec.approve(&admin, id, &[]).await;
    refused(&p, 403, OWN, &format!("{rec:?}: approve own submission"));
    let p = rec.ret(&admin, id, "自己退回").await;
    refused(&p, 403, OWN, &format!("{rec:?}: return own submission"));
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // An office user placed on ZB01 reviews nothing of ZB01.
    let placed = account(&app, "office01", "支部挂职干部", Role::Office, "ZB01").await;
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    rec.approve(&zz, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    let before = rec.snap(&app, id);
    let p = rec.approve(&placed, id, &[]).await;
    refused(&p, 403, OWN, &format!("{rec:?}: approve own unit's record"));
    let p = rec.ret(&placed, id, "本单位退回").await;
    refused(&p, 403, OWN, &format!("{rec:?}: return own unit's record"));
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // Another office user may.
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "closed");
}

/// D12: a missing or forged CSRF token on submit, approve or return: 403, nothing changes.
async fn d12_a_missing_or_forged_token_changes_nothing(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let zz = app.signed_in("zongzhi01").await;
    let id = rec.draft(&app, &sec, "ZB01").await;
    let submit = format!("{}/submit", rec.path(id));
    let approve = format!("{}/approve", rec.path(id));
    let back = format!("{}/return", rec.path(id));
    async fn both_ways(b: &Browser, path: &str, fields: &Form) -> [u16; 2] {
        let plain = refs(fields);
        let mut forged = vec![("csrf_token", "forged-token")];
        forged.extend_from_slice(&plain);
        [
            b.post_raw(path, &plain).await.status,
            b.post_raw(path, &forged).await.status,
        ]
    }
    let before = rec.snap(&app, id);
    let f = rec.submit_form(&app, id);
    assert_eq!(
        both_ways(&sec, &submit, &f).await,
        [403, 403],
        "{rec:?} submit"
    );
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    let before = rec.snap(&app, id);
    let v = before.version.to_string();
    let f: Form = vec![("version".into(), v), ("comment".into(), "请补充".into())];
    assert_eq!(
        both_ways(&zz, &approve, &f).await,
        [403, 403],
        "{rec:?} approve"
    );
    assert_eq!(
        both_ways(&zz, &back, &f).await,
        [403, 403],
        "{rec:?} return"
    );
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
}

contract!(
    d1_no_capacity_over_the_unit_is_refused,
    d2_not_holding_the_stage_is_refused,
    d3_an_action_that_does_not_apply_now_is_a_conflict,
    d4_a_comment_over_500_characters_is_refused_and_kept,
    d5_a_return_without_a_comment_is_refused_on_the_page,
    d10_own_material_is_never_reviewed,
    d12_a_missing_or_forged_token_changes_nothing,
);
