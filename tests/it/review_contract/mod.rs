//! The review contract (issue 9). Monthly reports and 第一议题 records share one three-level
//! review (draft → 待总支复查 → 待党委复核 → 已办结; branches directly under the committee skip
//! the general-branch step; any reviewer level returns to draft with a comment) and answer
//! every request the same way. Each story below is written once against a small description
//! of a record type (`Rec`) and runs for both types, through HTTP, on both backends
//! (`contract!` makes `reports_sqlite`, `reports_postgres`, `topics_sqlite`, `topics_postgres`).
//! Each story is named after the decision of issue 9 it pins (D1 … D12).
//! The record types and shared helpers are here; the stories are in the files below, by theme.

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
            use super::{REPORT, SCORE, TOPIC};
            #[actix_web::test]
            async fn scores_sqlite() {
                let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app, SCORE).await;
            }
            #[actix_web::test]
            async fn scores_postgres() {
                if let Some(app) = TestApp::spawn(Kind::Postgres).await {
                    super::$name(app, SCORE).await;
                }
            }
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
            use super::{REPORT, SCORE, TOPIC};
            #[actix_web::test]
            async fn scores_sqlite() {
                let app = TestApp::spawn_with(Kind::Sqlite, $tweak).await.expect("sqlite app");
                super::$name(app, SCORE).await;
            }
            #[actix_web::test]
            async fn scores_postgres() {
                if let Some(app) = TestApp::spawn_with(Kind::Postgres, $tweak).await {
                    super::$name(app, SCORE).await;
                }
            }
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

mod flow;
mod races;
mod refusals;

// ---------------------------------------------------------------- the two record types

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Report,
    Topic,
    /// The 千分制 score sheet (issue 12).
    Score,
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

pub const SCORE: Rec = Rec {
    ty: Type::Score,
    base: "/assessment/scores",
    table: "assessment_scores",
    entity: "assessment_score",
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

pub(super) fn refs(f: &Form) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The id in a redirect to `{base}/{id}`.
pub(super) fn id_in(p: &Page, base: &str) -> i32 {
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

pub(super) fn unit_name(app: &TestApp, code: &str) -> String {
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
            Type::Score => {
                // The unit's own values: one deduction with `text` as its note.
                let leaf = score_leaf(app, "理论学习");
                vec![
                    ("version".into(), version),
                    (format!("v_{leaf}"), "1".into()),
                    (format!("m{leaf}"), text.into()),
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
            Type::Score => id_in(
                &b.post(
                    "/assessment/scores",
                    &[("unit_id", &unit_id), ("year", "2026")],
                )
                .await,
                self.base,
            ),
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
            Type::Topic | Type::Score => {
                vec![("version".into(), self.version(app, id).to_string())]
            }
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

/// The id of the 2026 scheme's leaf named `name` (the score sheet's form fields).
fn score_leaf(app: &TestApp, name: &str) -> i32 {
    let mut c = app.db.conn().expect("conn");
    let s = zuofeng::db::models::assessment::scheme_for_year(&mut c, 2026)
        .expect("query")
        .expect("2026 scheme");
    zuofeng::db::models::assessment::indicators(&mut c, s.id)
        .expect("indicators")
        .into_iter()
        .find(|i| i.name == name && !i.is_area())
        .unwrap_or_else(|| panic!("leaf {name}"))
        .id
}

// ---------------------------------------------------------------- reading pages

pub(super) fn html(p: &Page) -> scraper::Html {
    scraper::Html::parse_document(&p.body)
}

pub(super) fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).expect("selector")
}

/// The page's text as read (no markup, no attributes).
pub(super) fn text(p: &Page) -> String {
    html(p).root_element().text().collect()
}

/// Assert a refusal: the status and the reason in the page's text.
pub(super) fn refused(p: &Page, status: u16, reason: &str, what: &str) {
    assert_eq!(p.status, status, "{what}: {}", p.body);
    assert!(
        text(p).contains(reason),
        "{what}: the page (status {}) does not say {reason:?}:\n{}",
        p.status,
        p.body
    );
}

/// What the page's comment boxes hold (textareas and inputs named `comment`).
pub(super) fn comment_boxes(p: &Page) -> Vec<String> {
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
pub(super) fn form_version(p: &Page, action: &str) -> Option<String> {
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
pub(super) fn flashes(p: &Page) -> String {
    let doc = html(p);
    let all: Vec<String> = doc
        .select(&sel("div.flash"))
        .map(|d| d.text().collect())
        .collect();
    all.join("\n")
}

/// The trail (审核记录) of a record page or print: for each step, who, the action, the
/// resulting state and the comment.
pub(super) fn trail(p: &Page) -> Vec<[String; 4]> {
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

pub(super) fn step(who: &str, action: &str, to: &str, comment: &str) -> [String; 4] {
    [who.into(), action.into(), to.into(), comment.into()]
}

// ---------------------------------------------------------------- people

/// A new demo-password account, signed in.
pub(super) async fn account(
    app: &TestApp,
    username: &str,
    name: &str,
    role: Role,
    unit: &str,
) -> Browser {
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
pub(super) async fn zongzhi02(app: &TestApp) -> Browser {
    account(app, "zongzhi02", "赵监理", Role::Reviewer, "ZZ02").await
}
