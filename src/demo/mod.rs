//! Demo data (`serve --demo`), idempotent: the organisation tree and the demo accounts of
//! DESIGN.md section 6, and the campaign years with their registers (one module per area).

pub mod activities;
pub mod assessment;
pub mod assessment_scores;
pub mod brands;
pub mod campaigns;
pub mod feedback;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod rect;
pub mod reports;
pub mod roster;
pub mod surveys;
pub mod topics;

use crate::auth::password;
use crate::config::Settings;
use crate::db::models::throttle;
use crate::db::models::units::{self, UnitFields};
use crate::db::models::users::{self, UserFields};
use crate::db::{write_tx, Db, DbConn};
use crate::domain::{Role, UnitCategory, UnitKind};

/// (code, parent code, name, kind, category)
const UNITS: &[(&str, Option<&str>, &str, UnitKind, UnitCategory)] = &[
    (
        "DW",
        None,
        "工程咨询集团党委",
        UnitKind::Committee,
        UnitCategory::Headquarters,
    ),
    (
        "ZZ01",
        Some("DW"),
        "总部机关党总支",
        UnitKind::GeneralBranch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB01",
        Some("ZZ01"),
        "综合办公室党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB02",
        Some("ZZ01"),
        "党群工作部党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB03",
        Some("ZZ01"),
        "财务管理部党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB04",
        Some("ZZ01"),
        "工程技术部党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZZ02",
        Some("DW"),
        "监理公司党总支",
        UnitKind::GeneralBranch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB05",
        Some("ZZ02"),
        "监理一分公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB06",
        Some("ZZ02"),
        "监理二分公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB07",
        Some("ZZ02"),
        "监理三分公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZZ03",
        Some("DW"),
        "检测公司党总支",
        UnitKind::GeneralBranch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB08",
        Some("ZZ03"),
        "检测中心党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB09",
        Some("ZZ03"),
        "试验室党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB10",
        Some("ZZ03"),
        "桥隧检测党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB11",
        Some("DW"),
        "设计院党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB12",
        Some("DW"),
        "造价咨询公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB13",
        Some("ZZ01"),
        "人力资源部党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB14",
        Some("ZZ01"),
        "离退休职工党支部",
        UnitKind::Branch,
        UnitCategory::Headquarters,
    ),
    (
        "ZB15",
        Some("ZZ02"),
        "监理四分公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB16",
        Some("ZZ02"),
        "项目管理公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB17",
        Some("ZZ03"),
        "环境检测党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
    (
        "ZB18",
        Some("DW"),
        "信息技术公司党支部",
        UnitKind::Branch,
        UnitCategory::Subsidiary,
    ),
];

/// (username, name, role, unit code)
pub const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("admin", "党群工作部管理员", Role::Office, "DW"),
    ("viewer", "集团领导", Role::Viewer, "DW"),
    ("zongzhi01", "王建国", Role::Reviewer, "ZZ01"),
    ("zhibu01", "李明", Role::Secretary, "ZB01"),
    ("zhibu02", "张华", Role::Secretary, "ZB02"),
    ("zhibu03", "刘洋", Role::Secretary, "ZB05"),
];

fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let mut s: String = (0..10)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    s.push_str("9a");
    s
}

/// Create what is missing. With an explicit demo password, existing demo accounts get it
/// again (so the README's command always works); without one, a generated password is
/// printed for new accounts.
pub fn seed(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    let now = settings.clock.now();
    let mut conn = db.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_tx(&mut conn, |c| -> anyhow::Result<()> {
        for (i, (code, parent, name, kind, category)) in UNITS.iter().enumerate() {
            if units::by_code(c, code)?.is_some() {
                continue;
            }
            let parent_id = match parent {
                Some(p) => Some(
                    units::by_code(c, p)?
                        .ok_or_else(|| anyhow::anyhow!("demo parent {p} missing"))?
                        .id,
                ),
                None => None,
            };
            let fields = UnitFields {
                parent_id,
                code: code.to_string(),
                name: name.to_string(),
                kind: *kind,
                category: *category,
                sort_order: i as i32 * 10,
                active: true,
            };
            units::insert(c, &fields, now)?;
        }
        Ok(())
    })?;

    let today = settings.clock.today();
    let years = write_tx(&mut conn, |c| -> anyhow::Result<_> {
        let years = campaigns::seed(c, today, now)?;
        measures::seed(c, &years, today, now)?;
        rect::seed(c, &years, today, now)?;
        Ok(years)
    })?;
    accounts(&mut conn, settings, today, now)?;
    // The review trails name the demo accounts, so these come after them.
    write_tx(&mut conn, |c| -> anyhow::Result<()> {
        let actors = Actors::load(c)?;
        reports::seed(c, &years, &actors, today, now)?;
        topics::seed(c, &actors, today, now)?;
        activities::seed(c, &years, &actors, today, now)?;
        surveys::seed(c, &years, &actors, today, now)?;
        brands::seed(c, &years, &actors, today, now)?;
        assessment::seed(c, &years, now)?;
        assessment_scores::seed(c, &years, &actors, today, now)?;
        feedback::seed(c, &years, &actors, today, now)?;
        incentives::seed(c, &years, &actors, today, now)?;
        library::seed(c, &years, &actors, today, now)?;
        Ok(())
    })?;
    Ok(())
}

/// One step of a demo record's review trail, inserted in batches.
#[derive(diesel::Insertable)]
#[diesel(table_name = crate::db::schema::review_events)]
pub struct NewEvent {
    entity: String,
    entity_id: i32,
    action: String,
    from_state: String,
    to_state: String,
    actor_id: Option<i32>,
    comment: String,
    at: chrono::NaiveDateTime,
}

/// The trail of one demo record (`entity`, `id`) of `unit`: each step is taken by the demo
/// actor of its level (the branch submits, the general branch re-checks, the office re-reviews).
pub struct Trail<'a> {
    pub entity: &'a str,
    pub id: i32,
    pub unit: &'a units::Unit,
    pub actors: &'a Actors,
    pub start: chrono::NaiveDateTime,
}

impl Trail<'_> {
    /// The step `from` → `to`, `hours` after the submission.
    pub fn step(
        &self,
        action: crate::domain::review::ReviewAction,
        from: crate::domain::review::ReviewState,
        to: crate::domain::review::ReviewState,
        comment: &str,
        hours: i64,
    ) -> NewEvent {
        use crate::domain::review::ReviewState;
        NewEvent {
            entity: self.entity.into(),
            entity_id: self.id,
            action: action.code().into(),
            from_state: from.code().into(),
            to_state: to.code().into(),
            actor_id: match from {
                ReviewState::Draft => self.actors.branch(self.unit),
                ReviewState::AwaitingGeneral => self.actors.general(self.unit),
                _ => self.actors.committee(),
            },
            comment: comment.into(),
            at: self.start + chrono::Duration::hours(hours),
        }
    }
}

/// Insert trail steps in batches (multi-row inserts go through `per_backend!`).
pub fn insert_events(c: &mut DbConn, events: &[NewEvent]) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    for chunk in events.chunks(200) {
        crate::per_backend!(&mut *c, |cc| diesel::insert_into(
            crate::db::schema::review_events::table
        )
        .values(chunk)
        .execute(cc))?;
    }
    Ok(())
}

/// Who acts in the demo review trails: the demo account of the branch (its secretary), of
/// the general branch above it (its reviewer), and the office (`admin`). Units without a
/// demo account have no actor; their pages name a stand-in.
pub struct Actors {
    secretaries: Vec<(i32, i32)>,
    reviewers: Vec<(i32, i32)>,
    admin: Option<i32>,
}

impl Actors {
    pub fn load(c: &mut DbConn) -> anyhow::Result<Actors> {
        let mut a = Actors {
            secretaries: Vec::new(),
            reviewers: Vec::new(),
            admin: None,
        };
        for (username, _, role, _) in ACCOUNTS {
            let Some(u) = users::by_username(c, username)? else {
                continue;
            };
            match role {
                Role::Secretary => a.secretaries.push((u.unit_id, u.id)),
                Role::Reviewer => a.reviewers.push((u.unit_id, u.id)),
                Role::Office if *username == "admin" => a.admin = Some(u.id),
                _ => {}
            }
        }
        Ok(a)
    }

    /// The branch's own step (submission).
    pub fn branch(&self, unit: &units::Unit) -> Option<i32> {
        self.secretaries
            .iter()
            .find(|(u, _)| *u == unit.id)
            .map(|(_, id)| *id)
    }

    /// The re-check by the general branch above `unit`.
    pub fn general(&self, unit: &units::Unit) -> Option<i32> {
        let parent = unit.parent_id?;
        self.reviewers
            .iter()
            .find(|(u, _)| *u == parent)
            .map(|(_, id)| *id)
    }

    /// The committee's re-review.
    pub fn committee(&self) -> Option<i32> {
        self.admin
    }
}

fn accounts(
    conn: &mut DbConn,
    settings: &Settings,
    today: chrono::NaiveDate,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    let missing: Vec<_> = ACCOUNTS
        .iter()
        .filter(|(u, ..)| users::by_username(conn, u).ok().flatten().is_none())
        .collect();
    let (password, generated) = match &settings.demo_password {
        Some(p) if !p.is_empty() => (p.clone(), false),
        _ => (random_password(), true),
    };
    let targets: Vec<_> = if generated {
        missing
    } else {
        ACCOUNTS.iter().collect()
    };
    if targets.is_empty() {
        println!("演示账号已存在（密码未变；如需重设，请设置 ZUOFENG_DEMO_PASSWORD 后重新启动）。");
        return Ok(());
    }
    // Hash in parallel: each argon2 hash takes a core for a moment.
    let hashes: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|_| s.spawn(|| password::hash_blocking(&password)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("hash thread panicked"))?
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    write_tx(conn, |c| -> anyhow::Result<()> {
        for ((username, name, role, unit_code), hash) in targets.iter().zip(&hashes) {
            let unit = units::by_code(c, unit_code)?
                .ok_or_else(|| anyhow::anyhow!("demo unit {unit_code} missing"))?;
            match users::by_username(c, username)? {
                Some(existing) => {
                    users::set_password(c, existing.id, users::Expect::Any, hash, false, now)?;
                    users::set_active(c, existing.id, None, true, now)?;
                    throttle::clear(c, username)?;
                }
                None => {
                    let fields = UserFields {
                        username: username.to_string(),
                        display_name: name.to_string(),
                        role: *role,
                        unit_id: unit.id,
                    };
                    users::insert(c, &fields, hash, false, now)?;
                }
            }
        }
        Ok(())
    })?;
    write_tx(conn, |c| rect::seed_people(c, today, now))?;
    if generated {
        println!(
            "演示账号 {} 的密码：{password}（设置 ZUOFENG_DEMO_PASSWORD 可指定）",
            targets.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}
