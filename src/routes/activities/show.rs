//! The activity page: its fields, 参训人次, exam figures, who attended (with scores), its
//! materials and photos, the field history and the audit trail.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::activities::{
    self as model, hours_in_words, labels, score_in_words, Activity, ENTITY,
};
use crate::db::models::attachments::Owner;
use crate::db::models::audit::{self, AuditFilter};
use crate::db::models::history;
use crate::domain::activity::RosterGroup;
use crate::domain::audit::action_label;
use crate::domain::register::LeadTag;
use crate::error::AppResult;
use crate::routes::attachments::FileList;
use crate::routes::{history_lines, HistoryLine};
use crate::services::activities::ATTENDANCE;
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx};

use super::{average_in_words, load_checked, rate_in_words};

pub struct AttendeeLine {
    pub name: String,
    pub unit_name: String,
    pub post: String,
    pub score: String,
    pub passed: Option<bool>,
}

pub struct AuditLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "activities/show.html")]
struct ShowPage {
    base: BaseContext,
    a: Activity,
    unit_name: String,
    kind: &'static str,
    dates: String,
    groups: String,
    tags: String,
    hours: String,
    participant_times: i64,
    typed: bool,
    exam: bool,
    pass_mark: String,
    scored: i64,
    passed: i64,
    pass_rate: String,
    average: String,
    attendees: Vec<AttendeeLine>,
    files: FileList,
    history: Vec<HistoryLine>,
    trail: Vec<AuditLine>,
    can_edit: bool,
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (a, unit) = load_checked(&state, &user, id, Action::Read).await?;
    let can_edit = user.can(Action::Write, &unit);
    let (rows, figures, changes, files, trail) = state
        .db
        .run(move |c| {
            let rows = model::attendance(c, id)?;
            let figures = model::figures(c, &[id])?
                .get(&id)
                .copied()
                .unwrap_or_default();
            let changes = history::list(c, ENTITY, id)?;
            let files = FileList::load(
                c,
                Owner::Activity,
                id,
                format!("/activities/{id}"),
                can_edit,
            )?;
            let mut trail = Vec::new();
            for entity in [ENTITY, ATTENDANCE] {
                let f = AuditFilter {
                    entity: Some(entity.to_string()),
                    entity_id: Some(id),
                    user_id: None,
                };
                trail.extend(audit::list(c, &f, 0, 50)?.0);
            }
            trail.sort_by_key(|(e, _)| std::cmp::Reverse(e.id));
            Ok((rows, figures, changes, files, trail))
        })
        .await?;
    let exam = a.is_exam();
    let attendees = rows
        .into_iter()
        .map(|(row, p, u)| AttendeeLine {
            name: p.name,
            unit_name: u.name,
            post: p.post,
            score: row.score.map(score_in_words).unwrap_or_default(),
            passed: match (exam, row.score, a.pass_mark) {
                (true, Some(s), Some(m)) => Some(s >= m),
                _ => None,
            },
        })
        .collect();
    let trail = trail
        .into_iter()
        .map(|(e, who)| AuditLine {
            at: format_local(e.at),
            who: who.unwrap_or_else(|| "系统".into()),
            action: action_label(&e.action),
            summary: e.summary,
        })
        .collect();
    render(&ShowPage {
        base: ctx
            .base(format!("培训活动 · {}", a.title))
            .unit(unit.name.clone()),
        unit_name: unit.name,
        kind: a.kind().label(),
        dates: a.dates(),
        groups: labels(&a.groups(), RosterGroup::label),
        tags: labels(&a.lead_tags(), LeadTag::label),
        hours: hours_in_words(a.hours),
        participant_times: figures.participant_times(&a),
        typed: a.participant_count.is_some(),
        exam,
        pass_mark: a.pass_mark.map(score_in_words).unwrap_or_default(),
        scored: figures.scored,
        passed: figures.passed,
        pass_rate: rate_in_words(&figures),
        average: average_in_words(&figures),
        attendees,
        files,
        history: history_lines(changes),
        trail,
        can_edit,
        a,
    })
}
