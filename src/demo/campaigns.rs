//! Demo campaign years: 2022 (the year of the source article) and the current year, each
//! with the 15 goals; the monthly requirements of the article's 年内统筹.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::db::models::campaigns::{self, Campaign};
use crate::db::DbConn;

pub(crate) const MONTHS: [&str; 12] = [
    "制定本单位践行“严、真、细、实、快”工作作风实施方案，明确15个工作目标的落实举措。",
    "围绕各类检查反馈问题，在总部部室、业务一线、领导干部三方面对照检查，形成工作配档表。",
    "结合生产经营指标、突破（攻坚）项目和党建品牌创建，制定可操作、可量化、可提升的践行举措。",
    "一线专班“包产到户”对接各权属单位，督办问题查摆和整改落实情况。",
    "开展党建“强意识”座谈会交流会，以研讨凝聚思想共识。",
    "组织党务工作能力提升专项培训，实现组工干部全覆盖。",
    "开展员工思想状况调查，畅通“信、网、电、微”监督渠道。",
    "推出“党旗在一线高高飘扬”系列报道，宣传整改成效突出的党组织。",
    "对整改不力的党组织和人岗不适的干部，按要求提交党委会研究。",
    "筹备党建品牌体系发布会，督导各级党组织完成子品牌创建。",
    "对照千分制考核指标，开展作风建设年度自查。",
    "总结提炼好做法、好经验，以制度形式固化推广，建立长效机制。",
];

/// Create the 2022 and current-year campaigns if missing; returns both.
pub fn seed(c: &mut DbConn, today: NaiveDate, now: NaiveDateTime) -> anyhow::Result<Vec<Campaign>> {
    let mut out = Vec::new();
    let mut years = vec![2022, today.year()];
    years.dedup();
    for year in years {
        let campaign = match campaigns::by_year(c, year)? {
            Some(existing) => existing,
            None => {
                let name = format!("{year}年“严、真、细、实、快”工作作风建设");
                let created = campaigns::create(c, year, &name, 25, 7, now)?;
                for (i, text) in MONTHS.iter().enumerate() {
                    campaigns::set_month(c, created.id, i as i32 + 1, text)?;
                }
                created
            }
        };
        out.push(campaign);
    }
    Ok(out)
}
