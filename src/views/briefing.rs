//! The monthly briefing (月度调度通报) as a Word file, in the house style of a 通报: A4 with
//! the usual official margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), the title
//! in 方正小标宋简体 二号, the body in 仿宋_GB2312 三号 on a fixed 28 pt line, first-level
//! headings (一、…) in 黑体 and second-level ones (（一）…) in 楷体_GB2312, the issuing office
//! and the date right-aligned at the end, page numbers in the footer. What it says is
//! gathered by the handler (`routes::dashboard::briefing`) into a [`Briefing`].

use std::io::Cursor;

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, Run, RunFonts, SpecialIndentType,
};

/// The office that issues the briefing.
pub const ISSUER: &str = "工作作风建设领导小组办公室";
/// The MIME type of a .docx file.
pub const DOCX_MIME: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Branches of one 党总支 (or 党委直属), as the compliance table groups them.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    pub units: Vec<String>,
}

/// A unit's count (overdue items).
#[derive(Debug, Clone)]
pub struct Counted {
    pub unit: String,
    pub count: i64,
}

/// What a unit wrote (亮点 or 问题).
#[derive(Debug, Clone)]
pub struct Said {
    pub unit: String,
    pub text: String,
}

/// Activities of one kind in the month.
#[derive(Debug, Clone)]
pub struct KindLine {
    pub kind: &'static str,
    pub activities: i64,
    pub participant_times: i64,
}

/// Everything the briefing says.
#[derive(Debug, Clone, Default)]
pub struct Briefing {
    pub year: i32,
    pub month: u32,
    /// `各党总支、党支部` or the unit it is addressed to.
    pub addressee: String,
    /// The year has a campaign (otherwise there is nothing to count reports against).
    pub has_campaign: bool,
    /// Branches in scope.
    pub branches: usize,
    /// 按时, 迟报, 未报, 待报送.
    pub counts: [usize; 4],
    /// Reports of the month by review state, in order (草稿 … 已办结), with their counts.
    pub states: Vec<(&'static str, usize)>,
    pub late: Vec<Group>,
    pub missing: Vec<Group>,
    pub overdue_measures: Vec<Counted>,
    pub overdue_items: Vec<Counted>,
    pub highlights: Vec<Said>,
    /// How many reports had a 亮点 (more than listed: say 等).
    pub highlights_total: usize,
    pub problems: Vec<Said>,
    pub problems_total: usize,
    pub activities: Vec<KindLine>,
    /// Brand news of the month, each a sentence.
    pub brand_news: Vec<String>,
    /// Brand events and promotions in all (more than listed: say 等).
    pub brand_news_total: i64,
    /// Next month (year, month) and its requirement, if written.
    pub next: (i32, u32),
    pub next_requirement: Option<String>,
    /// The date the briefing is issued (Beijing time).
    pub today: NaiveDate,
}

impl Briefing {
    /// `关于2026年11月作风建设月度调度情况的通报`
    pub fn title(&self) -> String {
        format!(
            "关于{}年{}月作风建设月度调度情况的通报",
            self.year, self.month
        )
    }

    /// The title as set, on two lines (an A4 line holds 20 characters of 二号):
    /// `关于2026年11月作风建设` / `月度调度情况的通报`.
    pub fn title_first_line(&self) -> String {
        format!("关于{}年{}月作风建设", self.year, self.month)
    }

    pub fn title_second_line(&self) -> &'static str {
        "月度调度情况的通报"
    }

    /// `作风办〔2026〕11号`: the month is the serial number.
    pub fn number(&self) -> String {
        format!("作风办〔{}〕{}号", self.year, self.month)
    }

    /// `2026年11月作风建设月度调度通报.docx`
    pub fn file_name(&self) -> String {
        format!("{}年{}月作风建设月度调度通报.docx", self.year, self.month)
    }
}

// ---------------------------------------------------------------- style

const FANGSONG: &str = "仿宋_GB2312";
const HEITI: &str = "黑体";
const KAITI: &str = "楷体_GB2312";
const XIAOBIAOSONG: &str = "方正小标宋简体";
const LATIN: &str = "Times New Roman";
/// 三号 (16 pt) in half-points.
const BODY_SIZE: usize = 32;
/// 二号 (22 pt).
const TITLE_SIZE: usize = 44;
/// Two characters of the body (2 × 16 pt) in twips: the first-line indent.
const INDENT: i32 = 640;
/// Millimetres in twips.
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
}

fn run(text: impl Into<String>, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// A body paragraph, its first line indented by two characters.
fn body(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, FANGSONG, BODY_SIZE))
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
}

/// `一、总体情况` in 黑体.
fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEITI, BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
        .outline_lvl(0)
        .keep_next(true)
}

/// `（一）迟报单位` in 楷体.
fn subheading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, KAITI, BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
        .outline_lvl(1)
        .keep_next(true)
}

fn blank() -> Paragraph {
    Paragraph::new().add_run(run("", FANGSONG, BODY_SIZE))
}

fn right(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, FANGSONG, BODY_SIZE))
        .align(AlignmentType::Right)
        .indent(None, None, Some(mm(8.0)), None)
}

/// 2026年11月24日
pub fn date_in_words(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// 一 … 十
fn chinese_number(n: usize) -> &'static str {
    const N: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    N.get(n.saturating_sub(1)).copied().unwrap_or("十")
}

/// Text typed over several lines, as one line of a paragraph (trailing punctuation kept).
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("；")
}

/// `甲（3项）、乙（1项）`
fn counted_list(rows: &[Counted]) -> String {
    rows.iter()
        .map(|r| format!("{}（{}项）", r.unit, r.count))
        .collect::<Vec<_>>()
        .join("、")
}

fn ends_with_stop(s: &str) -> bool {
    s.ends_with(['。', '！', '？', '；', '.', '!', '?', ';'])
}

// ---------------------------------------------------------------- content

/// The paragraphs of the briefing, in order.
pub fn paragraphs(b: &Briefing) -> Vec<Paragraph> {
    let mut out = vec![
        Paragraph::new()
            .add_run(run(b.number(), FANGSONG, BODY_SIZE))
            .align(AlignmentType::Center),
        blank(),
        Paragraph::new()
            .add_run(
                run(b.title_first_line(), XIAOBIAOSONG, TITLE_SIZE)
                    .add_break(BreakType::TextWrapping),
            )
            .add_run(run(b.title_second_line(), XIAOBIAOSONG, TITLE_SIZE))
            .align(AlignmentType::Center)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(700),
            ),
        blank(),
        Paragraph::new().add_run(run(format!("{}：", b.addressee), FANGSONG, BODY_SIZE)),
        body(format!(
            "现将{}年{}月作风建设月度调度情况通报如下。",
            b.year, b.month
        )),
    ];

    // 一、总体情况
    out.push(heading("一、总体情况"));
    let [on_time, late, missing, pending] = b.counts;
    if !b.has_campaign {
        out.push(body(format!(
            "{}年未设立作风建设年度工作，本月无月度调度报送要求。",
            b.year
        )));
    } else {
        out.push(body(format!(
            "本月应报送月度调度表的党支部共{}个，其中按时报送{on_time}个、迟报{late}个、未报{missing}个、待报送{pending}个。",
            b.branches
        )));
    }
    let reported: usize = b.states.iter().map(|(_, n)| n).sum();
    if reported > 0 {
        let states = b
            .states
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(label, n)| format!("{label}{n}份"))
            .collect::<Vec<_>>()
            .join("、");
        out.push(body(format!(
            "本月已建立月度调度表{reported}份，审核情况为：{states}。"
        )));
    }
    let red_measures: i64 = b.overdue_measures.iter().map(|r| r.count).sum();
    let red_items: i64 = b.overdue_items.iter().map(|r| r.count).sum();
    out.push(body(format!(
        "截至{}，在办践行举措逾期{red_measures}项、整改事项逾期{red_items}项（红灯）。",
        date_in_words(b.today)
    )));

    // 二、迟报、未报单位
    out.push(heading("二、迟报、未报单位"));
    for (n, (label, groups)) in [("迟报单位", &b.late), ("未报单位", &b.missing)]
        .into_iter()
        .enumerate()
    {
        out.push(subheading(&format!("（{}）{label}", chinese_number(n + 1))));
        if groups.is_empty() {
            out.push(body("无。"));
        }
        for g in groups {
            out.push(body(format!(
                "{}：{}（{}个）。",
                g.name,
                g.units.join("、"),
                g.units.len()
            )));
        }
    }

    // 三、逾期事项
    out.push(heading("三、逾期事项"));
    for (n, (label, rows, total)) in [
        ("践行举措", &b.overdue_measures, red_measures),
        ("整改事项", &b.overdue_items, red_items),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(subheading(&format!(
            "（{}）{label}逾期{total}项",
            chinese_number(n + 1)
        )));
        if rows.is_empty() {
            out.push(body("无。"));
        } else {
            out.push(body(format!("{}。", counted_list(rows))));
        }
    }
    if red_measures + red_items > 0 {
        out.push(body(
            "请相关单位对照台账逐项核查，抓紧推进，确需延期的按程序申请。",
        ));
    }

    // 四、工作亮点 / 五、存在问题
    for (heading_text, items, total, none) in [
        (
            "四、工作亮点",
            &b.highlights,
            b.highlights_total,
            "本月已报送的月度调度表未填写工作亮点。",
        ),
        (
            "五、存在问题",
            &b.problems,
            b.problems_total,
            "本月已报送的月度调度表未反映存在问题。",
        ),
    ] {
        out.push(heading(heading_text));
        if items.is_empty() {
            out.push(body(none));
        }
        for (i, s) in items.iter().enumerate() {
            let text = one_line(&s.text);
            let stop = if ends_with_stop(&text) { "" } else { "。" };
            out.push(body(format!("{}.{}：{text}{stop}", i + 1, s.unit)));
        }
        if total > items.len() {
            out.push(body(format!(
                "以上列举{}个党支部，另有{}个党支部等报送的内容不再一一列举。",
                items.len(),
                total - items.len()
            )));
        }
    }

    // 六、培训与品牌动态
    out.push(heading("六、培训与品牌动态"));
    out.push(subheading("（一）培训与活动"));
    if b.activities.is_empty() {
        out.push(body("本月未登记培训与活动。"));
    } else {
        let n: i64 = b.activities.iter().map(|k| k.activities).sum();
        let t: i64 = b.activities.iter().map(|k| k.participant_times).sum();
        let kinds = b
            .activities
            .iter()
            .map(|k| {
                format!(
                    "{}{}次、参训{}人次",
                    k.kind, k.activities, k.participant_times
                )
            })
            .collect::<Vec<_>>()
            .join("；");
        out.push(body(format!(
            "本月共开展培训与活动{n}次、参训{t}人次。其中：{kinds}。"
        )));
    }
    out.push(subheading("（二）品牌动态"));
    if b.brand_news.is_empty() {
        out.push(body("本月无党建品牌活动和宣传报道。"));
    }
    for line in &b.brand_news {
        out.push(body(line.clone()));
    }
    if b.brand_news_total > b.brand_news.len() as i64 {
        out.push(body(format!(
            "以上等，本月共有党建品牌活动和宣传报道{}项。",
            b.brand_news_total
        )));
    }

    // 七、下月工作要求
    out.push(heading("七、下月工作要求"));
    let (ny, nm) = b.next;
    match &b.next_requirement {
        Some(text) => {
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let stop = |l: &str| {
                if ends_with_stop(l) {
                    l.to_string()
                } else {
                    format!("{l}。")
                }
            };
            if let Some(first) = lines.next() {
                out.push(body(format!("{ny}年{nm}月工作要求：{}", stop(first))));
            }
            for l in lines {
                out.push(body(stop(l)));
            }
        }
        None => out.push(body(
            "请各单位按照年度作风建设工作安排，继续抓好各项措施落实，按时报送月度调度表。",
        )),
    }

    // Closing: never on a page of its own (the last paragraph goes along with it).
    if let Some(last) = out.pop() {
        out.push(last.keep_next(true));
    }
    out.push(blank().keep_next(true));
    out.push(blank().keep_next(true));
    out.push(right(ISSUER).keep_next(true));
    out.push(right(date_in_words(b.today)));
    out
}

/// The briefing as a .docx file.
pub fn docx(b: &Briefing) -> Result<Vec<u8>, String> {
    let margin = PageMargin {
        top: mm(37.0),
        bottom: mm(35.0),
        left: mm(28.0),
        right: mm(26.0),
        header: mm(15.0),
        footer: mm(28.0) / 2,
        gutter: 0,
    };
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .add_page_num(PageNum::new())
            .align(AlignmentType::Center)
            .fonts(fonts(FANGSONG))
            .size(28),
    );
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(margin)
        .default_fonts(fonts(FANGSONG))
        .default_size(BODY_SIZE)
        .default_line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(560),
        )
        .footer(footer);
    for p in paragraphs(b) {
        doc = doc.add_paragraph(p);
    }
    let mut buf = Cursor::new(Vec::new());
    doc.pack(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        let b = Briefing {
            year: 2026,
            month: 11,
            ..Default::default()
        };
        assert_eq!(b.title(), "关于2026年11月作风建设月度调度情况的通报");
        assert_eq!(
            format!("{}{}", b.title_first_line(), b.title_second_line()),
            b.title()
        );
        assert_eq!(b.number(), "作风办〔2026〕11号");
        assert_eq!(b.file_name(), "2026年11月作风建设月度调度通报.docx");
        assert_eq!(chinese_number(2), "二");
        assert_eq!(mm(25.4), 1440);
    }

    #[test]
    fn writes_a_zip() {
        let b = Briefing {
            year: 2026,
            month: 11,
            addressee: "各党总支、党支部".into(),
            today: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            ..Default::default()
        };
        let bytes = docx(&b).expect("docx");
        assert!(bytes.starts_with(b"PK"));
    }
}
