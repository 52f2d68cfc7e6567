//! The review contract (issue 9). Monthly reports and 第一议题 records share one three-level
//! review (draft → 待总支复查 → 待党委复核 → 已办结; branches directly under the committee skip
//! the general-branch step; any reviewer level returns to draft with a comment) and answer
//! every request the same way. Each story below is written once against a small description
//! of a record type (`Rec`) and runs for both types, through HTTP, on both backends
//! (`contract!` makes `reports_sqlite`, `reports_postgres`, `topics_sqlite`, `topics_postgres`).
//! Each story is named after the decision of issue 9 it pins (D1 … D12).

use diesel::RunQueryDsl;
use futures_util::future::join_all;

use crate::helpers::{Browser, Page, TestApp, DEMO_PASSWORD};
use zuofeng::db::models::users::{self, UserFields};
use zuofeng::domain::Role;

/// D3: the action does not apply in the record's current state.
const NOT_NOW: &str = "当前状态下不能进行此操作";
/// D2: a reviewer acts on a record that waits at the other level.
const NOT_YOURS: &str = "此环节不由您审核";
/// D10: own material.
const OWN: &str = "不能审核本人或本单位提交的材料";
/// D5: a return without a comment.
const NEED_COMMENT: &str = "请填写退回意见";

/// Run `async fn name(app: TestApp, rec: Rec)` for both record types on both backends.
macro_rules! contract {
    ($($name:ident),+ $(,)?) => {
        $(
        mod $name {
            use $crate::helpers::{Kind, TestApp};
            use super::{REPORT, TOPIC};
            #[actix_web::test]
            async fn reports_sqlite() {
                let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app, REPORT).await;
            }
            #[actix_web::test]
            async fn reports_postgres() {
                if let Some(app) = TestApp::spawn(Kind::Postgres).await {
                    super::$name(app, REPORT).await;
                }
            }
            #[actix_web::test]
            async fn topics_sqlite() {
                let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app, TOPIC).await;
            }
            #[actix_web::test]
            async fn topics_postgres() {
                if let Some(app) = TestApp::spawn(Kind::Postgres).await {
                    super::$name(app, TOPIC).await;
                }
            }
        }
        )+
    };
    ($name:ident, with $tweak:expr) => {
        mod $name {
            use $crate::helpers::{Kind, TestApp};
            use super::{REPORT, TOPIC};
            #[actix_web::test]
            async fn reports_sqlite() {
                let app = TestApp::spawn_with(Kind::Sqlite, $tweak).await.expect("sqlite app");
                super::$name(app, REPORT).await;
            }
            #[actix_web::test]
            async fn reports_postgres() {
                if let Some(app) = TestApp::spawn_with(Kind::Postgres, $tweak).await {
                    super::$name(app, REPORT).await;
                }
            }
            #[actix_web::test]
            async fn topics_sqlite() {
                let app = TestApp::spawn_with(Kind::Sqlite, $tweak).await.expect("sqlite app");
                super::$name(app, TOPIC).await;
            }
            #[actix_web::test]
            async fn topics_postgres() {
                if let Some(app) = TestApp::spawn_with(Kind::Postgres, $tweak).await {
                    super::$name(app, TOPIC).await;
                }
            }
        }
    };
}

// ---------------------------------------------------------------- the two record types

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Report,
    Topic,
}

/// What the stories need to know about a record type.
#[derive(Clone, Copy, Debug)]
pub struct Rec {
    ty: Type,
    /// Where its pages live.
    base: &'static str,
    /// Its table and its `entity` in review_events and audit_log.
    table: &'static str,
    entity: &'static str,
    /// It has a print page with the trail.
    print: bool,
}

pub const REPORT: Rec = Rec {
    ty: Type::Report,
    base: "/reports",
    table: "monthly_reports",
    entity: "monthly_report",
    print: true,
};

pub const TOPIC: Rec = Rec {
    ty: Type::Topic,
    base: "/topics",
    table: "first_topics",
    entity: "first_topic",
    print: false,
};

/// What "nothing changes" compares: the record's state and version, its trail rows and its
/// audit rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snap {
    state: String,
    version: i32,
    events: i64,
    audit: i64,
}

/// A form as owned pairs, posted as a browser would.
type Form = Vec<(String, String)>;

fn refs(f: &Form) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The id in a redirect to `{base}/{id}`.
fn id_in(p: &Page, base: &str) -> i32 {
    assert_eq!(
        p.status, 303,
        "expected a redirect to the record: {}",
        p.body
    );
    p.location
        .as_deref()
        .and_then(|l| l.strip_prefix(base))
        .and_then(|l| l.strip_prefix('/'))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no record id in {:?}", p.location))
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::units::by_code(&mut c, code)
        .expect("query")
        .unwrap_or_else(|| panic!("unit {code}"))
        .name
}

impl Rec {
    fn path(&self, id: i32) -> String {
        format!("{}/{id}", self.base)
    }

    fn snap(&self, app: &TestApp, id: i32) -> Snap {
        use diesel::sql_types::{Integer, Text};
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            state: String,
            #[diesel(sql_type = Integer)]
            version: i32,
        }
        let row: Row = {
            let mut c = app.db.conn().expect("conn");
            diesel::sql_query(format!(
                "SELECT state, version FROM {} WHERE id = {id}",
                self.table
            ))
            .get_result(&mut *c)
            .expect("record row")
        };
        Snap {
            state: row.state,
            version: row.version,
            events: self.events(app, id, None),
            audit: self.audits(app, id, None),
        }
    }

    fn state(&self, app: &TestApp, id: i32) -> String {
        self.snap(app, id).state
    }

    fn version(&self, app: &TestApp, id: i32) -> i32 {
        self.snap(app, id).version
    }

    /// Trail rows of the record (of one action, or all).
    fn events(&self, app: &TestApp, id: i32, action: Option<&str>) -> i64 {
        let and = action.map_or(String::new(), |a| format!(" AND action = '{a}'"));
        app.count(&format!(
            "review_events WHERE entity = '{}' AND entity_id = {id}{and}",
            self.entity
        ))
    }

    /// Audit rows of the record (of one action, or all).
    fn audits(&self, app: &TestApp, id: i32, action: Option<&str>) -> i64 {
        let and = action.map_or(String::new(), |a| format!(" AND action = '{a}'"));
        app.count(&format!(
            "audit_log WHERE entity = '{}' AND entity_id = {id}{and}",
            self.entity
        ))
    }

    /// The complete content of the record, with `text` as the free text (a report's work
    /// lines, a record's discussion notes), and its current version.
    fn content(&self, app: &TestApp, id: i32, text: &str) -> Form {
        let version = self.version(app, id).to_string();
        match self.ty {
            Type::Report => {
                let lines = {
                    let mut c = app.db.conn().expect("conn");
                    zuofeng::db::models::reports::lines(&mut c, id).expect("lines")
                };
                let mut f: Form = vec![
                    ("version".into(), version),
                    ("highlights".into(), "党员先锋岗在项目一线发挥作用".into()),
                    ("problems".into(), "个别项目整改进度偏慢".into()),
                    ("next_plan".into(), "开展质量月专项检查".into()),
                ];
                for l in lines {
                    let status = if l.kind == "measure" {
                        "in_progress"
                    } else {
                        "partial"
                    };
                    f.push((format!("progress_{}", l.id), "60".into()));
                    f.push((format!("work_{}", l.id), text.into()));
                    f.push((format!("status_{}", l.id), status.into()));
                }
                f
            }
            Type::Topic => {
                let t = {
                    let mut c = app.db.conn().expect("conn");
                    zuofeng::db::models::topics::get(&mut c, id).expect("topic")
                };
                vec![
                    ("unit_id".into(), t.unit_id.to_string()),
                    ("meeting_date".into(), "2026-11-20".into()),
                    ("meeting_kind".into(), "committee".into()),
                    ("topic".into(), t.topic),
                    (
                        "materials".into(),
                        "《习近平关于加强党的作风建设论述摘编》".into(),
                    ),
                    ("attendance".into(), "9".into()),
                    ("absent".into(), "1".into()),
                    ("notes".into(), text.into()),
                    ("version".into(), version),
                ]
            }
        }
    }

    /// A complete draft for the branch `unit` (by code), made by `b`: its secretary, or the
    /// office writing for it.
    async fn draft(&self, app: &TestApp, b: &Browser, unit: &str) -> i32 {
        let unit_id = app.unit_id(unit).to_string();
        let id = match self.ty {
            Type::Report => id_in(
                &b.post(
                    "/reports",
                    &[("year", "2026"), ("month", "11"), ("unit_id", &unit_id)],
                )
                .await,
                self.base,
            ),
            Type::Topic => {
                // The unit's name is in the title, so a message naming the record names it.
                let topic = format!(
                    "{}：学习习近平总书记关于加强作风建设的重要论述",
                    unit_name(app, unit)
                );
                id_in(
                    &b.post(
                        "/topics",
                        &[
                            ("unit_id", &unit_id),
                            ("meeting_date", "2026-11-20"),
                            ("meeting_kind", "committee"),
                            ("topic", &topic),
                            ("attendance", "9"),
                            ("absent", "1"),
                        ],
                    )
                    .await,
                    self.base,
                )
            }
        };
        let p = self.save(app, b, id, "完成本月工作").await;
        assert_eq!(p.status, 303, "{self:?}: saving the draft: {}", p.body);
        assert_eq!(self.state(app, id), "draft");
        id
    }

    /// Save the draft's content (an edit, e.g. of a returned draft).
    async fn save(&self, app: &TestApp, b: &Browser, id: i32, text: &str) -> Page {
        let f = self.content(app, id, text);
        b.post(&self.path(id), &refs(&f)).await
    }

    /// What a submission posts: the whole report form, or a record's version.
    fn submit_form(&self, app: &TestApp, id: i32) -> Form {
        match self.ty {
            Type::Report => self.content(app, id, "完成本月工作"),
            Type::Topic => vec![("version".into(), self.version(app, id).to_string())],
        }
    }

    async fn submit(&self, app: &TestApp, b: &Browser, id: i32) -> Page {
        let f = self.submit_form(app, id);
        b.post(&format!("{}/submit", self.path(id)), &refs(&f))
            .await
    }

    /// A complete record of `unit` made and submitted by `b`.
    async fn submitted(&self, app: &TestApp, b: &Browser, unit: &str) -> i32 {
        let id = self.draft(app, b, unit).await;
        let p = self.submit(app, b, id).await;
        p.assert_redirect(&self.path(id));
        id
    }

    async fn approve(&self, b: &Browser, id: i32, fields: &[(&str, &str)]) -> Page {
        b.post(&format!("{}/approve", self.path(id)), fields).await
    }

    async fn ret(&self, b: &Browser, id: i32, comment: &str) -> Page {
        b.post(
            &format!("{}/return", self.path(id)),
            &[("comment", comment)],
        )
        .await
    }

    fn queue(&self) -> String {
        format!("{}/queue", self.base)
    }

    fn batch(&self) -> String {
        format!("{}/queue/approve", self.base)
    }

    /// Is the record linked from this page (a queue)?
    fn listed(&self, p: &Page, id: i32) -> bool {
        p.body.contains(&format!("href=\"{}\"", self.path(id)))
    }
}

// ---------------------------------------------------------------- reading pages

fn html(p: &Page) -> scraper::Html {
    scraper::Html::parse_document(&p.body)
}

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).expect("selector")
}

/// The page's text as read (no markup, no attributes).
fn text(p: &Page) -> String {
    html(p).root_element().text().collect()
}

/// Assert a refusal: the status and the reason in the page's text.
fn refused(p: &Page, status: u16, reason: &str, what: &str) {
    assert_eq!(p.status, status, "{what}: {}", p.body);
    assert!(
        text(p).contains(reason),
        "{what}: the page (status {}) does not say {reason:?}:\n{}",
        p.status,
        p.body
    );
}

/// What the page's comment boxes hold (textareas and inputs named `comment`).
fn comment_boxes(p: &Page) -> Vec<String> {
    let doc = html(p);
    let mut out: Vec<String> = doc
        .select(&sel("textarea[name=\"comment\"]"))
        .map(|t| t.text().collect())
        .collect();
    out.extend(
        doc.select(&sel("input[name=\"comment\"]"))
            .filter_map(|i| i.value().attr("value").map(str::to_string)),
    );
    out
}

/// The hidden `version` of the form posting to `action`, if that form is on the page.
fn form_version(p: &Page, action: &str) -> Option<String> {
    // The form posting to `action`: by its own action, or by a button's formaction (the
    // review panel is one form whose 退回 button posts to …/return).
    let doc = html(p);
    let version = sel("input[name=\"version\"]");
    let button = sel(&format!("button[formaction=\"{action}\"]"));
    doc.select(&sel("form"))
        .find(|f| f.value().attr("action") == Some(action) || f.select(&button).next().is_some())
        .and_then(|f| f.select(&version).next())
        .and_then(|i| i.value().attr("value").map(str::to_string))
}

/// The text of the page's flash messages.
fn flashes(p: &Page) -> String {
    let doc = html(p);
    let all: Vec<String> = doc
        .select(&sel("div.flash"))
        .map(|d| d.text().collect())
        .collect();
    all.join("\n")
}

/// The trail (审核记录) of a record page or print: for each step, who, the action, the
/// resulting state and the comment.
fn trail(p: &Page) -> Vec<[String; 4]> {
    let doc = html(p);
    let h2 = sel("h2");
    // The innermost section headed 审核记录.
    let section = doc
        .select(&sel("section"))
        .rfind(|s| {
            s.select(&h2)
                .any(|h| h.text().collect::<String>().contains("审核记录"))
        })
        .unwrap_or_else(|| panic!("no 审核记录 on the page:\n{}", p.body));
    let td = sel("td");
    section
        .select(&sel("tbody tr"))
        .map(|tr| {
            let cells: Vec<String> = tr
                .select(&td)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect();
            assert_eq!(cells.len(), 5, "a trail row has 5 cells: {cells:?}");
            [
                cells[1].clone(),
                cells[2].clone(),
                cells[3].clone(),
                cells[4].clone(),
            ]
        })
        .collect()
}

fn step(who: &str, action: &str, to: &str, comment: &str) -> [String; 4] {
    [who.into(), action.into(), to.into(), comment.into()]
}

// ---------------------------------------------------------------- people

/// A new demo-password account, signed in.
async fn account(app: &TestApp, username: &str, name: &str, role: Role, unit: &str) -> Browser {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let unit_id = app.unit_id(unit);
    {
        let mut c = app.db.conn().expect("conn");
        users::insert(
            &mut c,
            &UserFields {
                username: username.into(),
                display_name: name.into(),
                role,
                unit_id,
            },
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    app.signed_in(username).await
}

/// The reviewer of 监理公司党总支 (ZZ02), which the demo has no account for.
async fn zongzhi02(app: &TestApp) -> Browser {
    account(app, "zongzhi02", "赵监理", Role::Reviewer, "ZZ02").await
}

// ---------------------------------------------------------------- the stories

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

/// D6 (and D3's loser): ten simultaneous approvals of one record by the same reviewer, from
/// ten sessions carrying the version the page showed, then ten from one session without
/// it: each time exactly one wins, one trail row, one audit row; the others get 409.
async fn d6_ten_simultaneous_approvals_have_one_winner(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    let path = format!("{}/approve", rec.path(id));
    let crowd = join_all((0..10).map(|_| app.signed_in("zongzhi01"))).await;
    let before = rec.snap(&app, id);
    let v = before.version.to_string();
    let fields = [("version", v.as_str()), ("comment", "同意")];
    let pages = join_all(crowd.iter().map(|b| b.post(&path, &fields))).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{rec:?}: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{rec:?}: the losers are told of the conflict: {statuses:?}"
    );
    let after = rec.snap(&app, id);
    assert_eq!(after.state, "awaiting_committee");
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.events, before.events + 1);
    assert_eq!(rec.events(&app, id, Some("approve")), 1);
    assert_eq!(rec.audits(&app, id, Some("approve")), 1);

    let admin = app.signed_in("admin").await;
    let pages = join_all((0..10).map(|_| admin.post(&path, &[]))).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{rec:?}: {statuses:?}"
    );
    for p in pages.iter().filter(|p| p.status != 303) {
        refused(p, 409, NOT_NOW, &format!("{rec:?}: a losing approval"));
    }
    let closed = rec.snap(&app, id);
    assert_eq!(closed.state, "closed");
    assert_eq!(closed.version, after.version + 1);
    assert_eq!(rec.events(&app, id, Some("approve")), 2);
    assert_eq!(rec.audits(&app, id, Some("approve")), 2);
}

/// D7: the approve and return forms carry the record's version; a decision made on a page
/// older than the record (returned, edited and resubmitted meanwhile) is refused with 409
/// and changes nothing; one posted without a version is accepted when the state fits.
async fn d7_a_decision_on_an_older_version_is_refused(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    // The reviewer opens the record in one window…
    let window = app.signed_in("zongzhi01").await;
    let page = window.get(&rec.path(id)).await;
    assert_eq!(page.status, 200);
    let seen = rec.version(&app, id);
    let forms = [
        form_version(&page, &format!("{}/approve", rec.path(id))),
        form_version(&page, &format!("{}/return", rec.path(id))),
    ];
    // …returns it in another; the branch edits and resubmits.
    let other = app.signed_in("zongzhi01").await;
    rec.ret(&other, id, "请补充佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.save(&app, &sec, id, "按意见补充了佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "awaiting_general");
    let before = rec.snap(&app, id);
    assert_ne!(before.version, seen);
    // The first window's decisions are refused.
    let old = seen.to_string();
    let p = rec
        .approve(
            &window,
            id,
            &[("version", old.as_str()), ("comment", "同意")],
        )
        .await;
    assert_eq!(p.status, 409, "{rec:?}: approve on an old page: {}", p.body);
    let p = window
        .post(
            &format!("{}/return", rec.path(id)),
            &[("version", old.as_str()), ("comment", "旧页面的退回")],
        )
        .await;
    assert_eq!(p.status, 409, "{rec:?}: return on an old page: {}", p.body);
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // With the current version it passes; without one (another client) too.
    let now = before.version.to_string();
    rec.approve(&window, id, &[("version", now.as_str())])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "awaiting_committee");
    let admin = app.signed_in("admin").await;
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "closed");
    // The page's forms carried the version the reviewer read.
    let seen = Some(seen.to_string());
    assert_eq!(
        forms,
        [seen.clone(), seen],
        "{rec:?}: the approve and return forms carry a hidden version"
    );
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
    {
        let mut c = app.db.conn().expect("conn");
        diesel::sql_query(format!(
            "UPDATE review_events SET actor_id = NULL WHERE entity = '{}' AND entity_id = {id}",
            rec.entity
        ))
        .execute(&mut *c)
        .expect("forget the actors");
    }
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
    every_transition_steps_bumps_the_version_and_is_recorded,
    branches_under_the_committee_skip_the_general_step,
    d1_no_capacity_over_the_unit_is_refused,
    d2_not_holding_the_stage_is_refused,
    d3_an_action_that_does_not_apply_now_is_a_conflict,
    d4_a_comment_over_500_characters_is_refused_and_kept,
    d5_a_return_without_a_comment_is_refused_on_the_page,
    d6_ten_simultaneous_approvals_have_one_winner,
    d7_a_decision_on_an_older_version_is_refused,
    d8_the_trail_names_every_step,
    d9_queues_and_batch_approval,
    d10_own_material_is_never_reviewed,
    d12_a_missing_or_forged_token_changes_nothing,
);
contract!(d11_a_return_reaches_the_hook, with crate::notify::with_receivers);
