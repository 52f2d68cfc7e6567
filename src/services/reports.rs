//! Monthly reports (月度调度): the report as a reviewed record, and the draft's save and
//! submission in one transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::{OptionalExtension, QueryResult};

use crate::auth::{Action, CurrentUser, Scope};
use crate::db::models::audit;
use crate::db::models::reports::{self, Line, LineInput, Report, Texts};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::error::{AppError, AppResult};
use crate::forms::reports::{line_name, Field, FormErrors};
use crate::services::review::{self, Decision, Env, Reviewed, Step};

impl Reviewed for Report {
    const ENTITY: &'static str = reports::ENTITY;
    const AREA: &'static str = "月度调度";
    const BASE: &'static str = "/reports";
    const COUNTED: &'static str = "份月度调度";
    const DATE_LABEL: &'static str = "报送截止";

    fn lock(c: &mut DbConn, id: i32) -> QueryResult<Option<Self>> {
        reports::lock(c, id)
    }

    fn queue(c: &mut DbConn, scope: &Scope, state: ReviewState) -> QueryResult<Vec<(Self, Unit)>> {
        reports::queue(c, scope, state)
    }

    review::review_columns!();

    fn summary(&self) -> String {
        format!("{}月度调度", self.period())
    }

    fn date(&self) -> String {
        self.due_date.format("%Y-%m-%d").to_string()
    }

    fn late(&self) -> bool {
        self.late
    }

    fn apply(&self, c: &mut DbConn, step: &Step) -> QueryResult<bool> {
        let submitted = (step.action == ReviewAction::Submit)
            .then(|| (step.actor_id, reports::late_on_submit(self, step.today)));
        reports::transition(
            c,
            self.id,
            step.from,
            self.version,
            step.to,
            submitted,
            step.now,
        )
    }

    fn submit_note(&self, today: NaiveDate) -> &'static str {
        if reports::late_on_submit(self, today) {
            "，迟报"
        } else {
            ""
        }
    }

    /// The approved progress flows back into the registers.
    fn on_close(&self, c: &mut DbConn, unit: &Unit, step: &Step) -> AppResult<String> {
        let changes = reports::flow_back(c, self, step.actor_id, step.now)?;
        for ch in &changes {
            audit::Change::new(
                step.actor_id,
                "update",
                ch.entity,
                ch.id,
                format!("月度调度 {} 审核通过，进度回写", self.period()),
            )
            .unit(unit.id)
            .before(&ch.before)
            .after(&ch.after)
            .record(c, step.now)?;
        }
        Ok(if changes.is_empty() {
            String::new()
        } else {
            format!("，回写 {} 项进度", changes.len())
        })
    }
}

/// Open the month's draft of a branch (or find the one there is): its id and whether it
/// was made now.
pub fn open(
    c: &mut DbConn,
    user: &CurrentUser,
    unit_id: i32,
    year: i32,
    month: i32,
    now: NaiveDateTime,
) -> AppResult<(i32, bool)> {
    use crate::db::models::campaigns;
    use crate::domain::UnitKind;
    let unit = units::find(c, unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    if unit.kind() != UnitKind::Branch {
        return Err(AppError::BadRequest("月度调度由党支部填报。".into()));
    }
    let campaign = campaigns::by_year(c, year)?
        .ok_or_else(|| AppError::BadRequest("该年度没有活动方案。".into()))?;
    if let Some(r) = reports::by_period(c, unit_id, year, month)? {
        return Ok((r.id, false));
    }
    let r = reports::create(c, &campaign, unit_id, month, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        reports::ENTITY,
        r.id,
        format!("新建月度调度 {}（{}）", r.period(), unit.name),
    )
    .unit(unit.id)
    .record(c, now)?;
    Ok((r.id, true))
}

/// How a save (and submission) of the draft ended.
pub enum Outcome {
    Saved,
    Submitted(ReviewState),
    /// Someone saved another version first: nothing written.
    Conflict,
    /// Submitted (or further) meanwhile: nothing written.
    NotEditable,
    /// Saved, but not submitted: what is missing, by field.
    Incomplete(FormErrors),
}

/// An evidence file chosen on a line of the form, already checked (`domain::files::check`).
pub struct Evidence {
    pub line_id: i32,
    pub name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// What the form carried, parsed.
pub struct Draft {
    pub lines: Vec<LineInput>,
    pub texts: Texts,
    /// The version the form was made from.
    pub version: Option<i32>,
    /// Files to attach to lines of this report, with the save.
    pub files: Vec<Evidence>,
    /// A file of a line of this report to delete, with the save.
    pub delete_file: Option<i32>,
}

/// Save the draft if it is still a draft at the version the form was made from, then, when
/// `submit`, submit it through the review service if nothing is missing; one transaction.
pub fn save(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    draft: &Draft,
    submit: bool,
    env: &Env,
) -> AppResult<Outcome> {
    let now = env.now;
    let before = reports::lock(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &unit)?;
    if !before.state().editable() {
        return Ok(Outcome::NotEditable);
    }
    let Some(expected) = draft.version.filter(|v| *v == before.version) else {
        return Ok(Outcome::Conflict);
    };
    // The UPDATE itself checks version and state: a concurrent save or submission that got
    // there first leaves nothing written here.
    if !reports::save(c, id, expected, &draft.lines, &draft.texts, user.id, now)? {
        let now_st = reports::find(c, id)?.map(|r| r.state());
        return Ok(if now_st.is_some_and(|s| s.editable()) {
            Outcome::Conflict
        } else {
            Outcome::NotEditable
        });
    }
    attach(c, user, id, draft, now)?;
    let after = reports::find(c, id)?.ok_or(AppError::NotFound)?;
    reports::refresh_lines(c, &after)?;
    let saved = format!("保存月度调度草稿 {}（{}）", before.period(), unit.name);
    if !submit {
        audit::Change::new(user.id, "update", reports::ENTITY, id, saved)
            .unit(unit.id)
            .record(c, now)?;
        return Ok(Outcome::Saved);
    }
    let lines = reports::lines(c, id)?;
    let missing = missing(&lines, &draft.texts);
    if !missing.is_empty() {
        // The draft was saved: that is recorded like any save.
        audit::Change::new(
            user.id,
            "update",
            reports::ENTITY,
            id,
            format!("{saved}，提交未成功：内容不完整"),
        )
        .unit(unit.id)
        .record(c, now)?;
        return Ok(Outcome::Incomplete(missing));
    }
    let d = Decision {
        action: ReviewAction::Submit,
        comment: String::new(),
        version: None,
    };
    let done = review::decide::<Report>(c, user, id, &d, env)??;
    Ok(Outcome::Submitted(done.to))
}

/// The files of the save stored on their lines and the file to delete deleted, through the
/// attachment service (its checks, limits and audit), inside the save's transaction: the
/// report is still a draft here, so its files may change. A line or file not of this report
/// refuses the whole save.
fn attach(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    draft: &Draft,
    now: NaiveDateTime,
) -> AppResult<()> {
    use crate::db::models::attachments::{self as files, Owner};
    use crate::services::attachments as evidence;
    if draft.files.is_empty() && draft.delete_file.is_none() {
        return Ok(());
    }
    let ids: Vec<i32> = reports::lines(c, id)?.iter().map(|l| l.id).collect();
    let gone = || {
        AppError::Conflict(
            "该事项已不在本月度调度中（台账已变化），未保存。请刷新页面后重新填写。".into(),
        )
    };
    for f in &draft.files {
        if !ids.contains(&f.line_id) {
            return Err(gone());
        }
        evidence::upload(
            c,
            user,
            Owner::ReportLine,
            f.line_id,
            &f.name,
            f.content_type,
            &f.data,
            now,
        )?;
    }
    if let Some(file) = draft.delete_file {
        // Already deleted (a second click): nothing to do.
        let Some(meta) = files::meta(c, file).optional()? else {
            return Ok(());
        };
        if meta.owner != Owner::ReportLine.code() || !ids.contains(&meta.owner_id) {
            return Err(gone());
        }
        evidence::delete(c, user, file, now)?;
    }
    Ok(())
}

/// What is missing before a report can be submitted, each under its field ("请填写进度")
/// and named in the summary ("第 2 行「…」未填写进度").
pub fn missing(lines: &[Line], texts: &Texts) -> FormErrors {
    let mut out = FormErrors::default();
    for (i, l) in lines.iter().enumerate() {
        let name = line_name(i + 1, &l.title);
        if l.progress.is_none() {
            out.push(
                Field::Progress(l.id),
                "请填写进度",
                format!("{name}未填写进度"),
            );
        }
        if l.work.trim().is_empty() {
            out.push(
                Field::Work(l.id),
                "请填写本月工作",
                format!("{name}未填写本月工作"),
            );
        }
    }
    if texts.highlights.trim().is_empty() {
        out.push(
            Field::Text("highlights"),
            "请填写本月亮点",
            "未填写本月亮点",
        );
    }
    if texts.next_plan.trim().is_empty() {
        out.push(Field::Text("next_plan"), "请填写下月计划", "未填写下月计划");
    }
    out
}
