//! The 千分制 assessment (DESIGN.md F9): a scheme per year as a tree of areas and items
//! (leaves), each leaf with its points, scoring rule and kind; a unit's score sheet at three
//! levels (自评, 总支复查, 党委复核). Points are whole tenths ([`Points`]) so that sums are exact.
//! Rules only, no I/O: parsing points, the 1000-point check, a leaf's points, a sheet's total
//! (一票否决 sets it to 0), and ranking with shared ranks.

use std::fmt;

/// The total every scheme's leaves sum to: 1000 points.
pub const FULL_MARKS: Points = Points(10_000);

/// Points in tenths: `Points(125)` is 12.5 points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i32);

impl Points {
    pub const ZERO: Points = Points(0);

    /// "12", "12.5", " 3.0 " → tenths; at most one decimal, not negative, at most 1000.
    pub fn parse(text: &str) -> Result<Points, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("请填写分值。".into());
        }
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !(frac.is_empty() || (frac.len() == 1 && digits(frac))) {
            return Err(format!(
                "「{t}」不是有效的分值（最多一位小数，如 12 或 12.5）。"
            ));
        }
        let w: i32 = whole
            .parse()
            .map_err(|_| format!("「{t}」不是有效的分值。"))?;
        let f: i32 = if frac.is_empty() {
            0
        } else {
            frac.parse().unwrap_or(0)
        };
        let p = Points(w * 10 + f);
        if p > FULL_MARKS {
            return Err(format!("分值 {p} 超过 1000 分。"));
        }
        Ok(p)
    }

    pub fn tenths(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Points {
    /// "12.5", "12" (no ".0"), "-3.5".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        if a.is_multiple_of(10) {
            write!(f, "{sign}{}", a / 10)
        } else {
            write!(f, "{sign}{}.{}", a / 10, a % 10)
        }
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, o: Points) -> Points {
        Points(self.0 + o.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, o: Points) -> Points {
        Points(self.0 - o.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

labelled_enum!(
    /// How a leaf is scored. An area's kind is stored as [`AREA_KIND`].
    IndicatorKind {
        Deduct = "deduct" / "扣分",
        Bonus = "bonus" / "加分",
        Veto = "veto" / "一票否决",
    }
);

/// The `kind` stored for an area (a node with items under it).
pub const AREA_KIND: &str = "area";

labelled_enum!(
    /// Where the portal can suggest a leaf's score from its own records (系统建议分).
    ScoreSource {
        Compliance = "compliance" / "月度调度按时报送",
        Coverage = "coverage" / "培训覆盖率",
        Measures = "measures" / "践行举措完成率",
        Rectification = "rectification" / "整改销号率",
        Topics = "topics" / "第一议题学习",
    }
);

labelled_enum!(
    /// Who scores a leaf: the unit itself, the general branch above it, the office.
    Level {
        SelfScore = "self" / "自评分",
        Review = "review" / "总支复查分",
        Office = "office" / "党委复核分",
    }
);

/// Do the leaves' points sum to 1000? Otherwise the message names the difference.
pub fn check_full_marks(leaves: impl IntoIterator<Item = Points>) -> Result<(), String> {
    let sum: Points = leaves.into_iter().sum();
    if sum == FULL_MARKS {
        return Ok(());
    }
    let diff = if sum > FULL_MARKS {
        format!("多 {} 分", sum - FULL_MARKS)
    } else {
        format!("少 {} 分", FULL_MARKS - sum)
    };
    Err(format!(
        "各考核细项分值合计 {sum} 分，应为 1000 分（{diff}）。"
    ))
}

/// Is `value` allowed for a leaf of `kind` worth `max`? A deduction or bonus lies in
/// 0..=max; a veto is 0 (not triggered) or 1 (triggered).
pub fn check_value(kind: IndicatorKind, max: Points, value: Points) -> Result<(), String> {
    match kind {
        IndicatorKind::Veto if value == Points::ZERO || value == Points(1) => Ok(()),
        IndicatorKind::Veto => Err("一票否决项只能选择“否决”或“不否决”。".into()),
        IndicatorKind::Deduct if value < Points::ZERO || value > max => {
            Err(format!("扣分不能超过该项分值 {max} 分。"))
        }
        IndicatorKind::Bonus if value < Points::ZERO || value > max => {
            Err(format!("加分不能超过该项分值 {max} 分。"))
        }
        _ => Ok(()),
    }
}

/// The points a leaf contributes to the total for the value entered (None: nothing entered):
/// 扣分 leaves give `max - deduction` (full marks when nothing is entered), 加分 leaves the
/// points earned, 一票否决 leaves nothing (see [`total`]).
pub fn leaf_points(kind: IndicatorKind, max: Points, value: Option<Points>) -> Points {
    match kind {
        IndicatorKind::Deduct => max - value.unwrap_or(Points::ZERO).min(max),
        IndicatorKind::Bonus => value.unwrap_or(Points::ZERO).min(max),
        IndicatorKind::Veto => Points::ZERO,
    }
}

/// The value that counts for a leaf: the office's if entered, else the general branch's,
/// else the unit's own.
pub fn counting(
    self_value: Option<Points>,
    review: Option<Points>,
    office: Option<Points>,
) -> Option<Points> {
    office.or(review).or(self_value)
}

/// One leaf of a sheet, as [`total`] needs it.
pub struct LeafValue<'a> {
    pub kind: IndicatorKind,
    pub max: Points,
    pub value: Option<Points>,
    /// The note at the counting level (a veto's reason).
    pub note: &'a str,
}

/// A sheet's total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Total {
    pub points: Points,
    /// Set when a 一票否决 leaf is triggered: the total is 0 and this says why.
    pub veto: Option<String>,
}

/// The total of a sheet: the sum of its leaves' points, or 0 with the reason when any veto
/// leaf is triggered.
pub fn total<'a>(leaves: impl IntoIterator<Item = LeafValue<'a>>) -> Total {
    let mut sum = Points::ZERO;
    for l in leaves {
        if l.kind == IndicatorKind::Veto && l.value == Some(Points(1)) {
            let reason = if l.note.trim().is_empty() {
                "一票否决".to_string()
            } else {
                l.note.trim().to_string()
            };
            return Total {
                points: Points::ZERO,
                veto: Some(reason),
            };
        }
        sum = sum + leaf_points(l.kind, l.max, l.value);
    }
    Total {
        points: sum,
        veto: None,
    }
}

/// Ranks for totals given in any order: the highest is 1, equal totals share a rank and the
/// next rank skips (100, 95, 95, 90 → 1, 2, 2, 4). Returned in the order given.
pub fn ranks(totals: &[Points]) -> Vec<usize> {
    totals
        .iter()
        .map(|t| 1 + totals.iter().filter(|o| *o > t).count())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_and_show() {
        assert_eq!(Points::parse("12.5"), Ok(Points(125)));
        assert_eq!(Points::parse(" 40 "), Ok(Points(400)));
        assert_eq!(Points(125).to_string(), "12.5");
        assert_eq!(Points(400).to_string(), "40");
        assert_eq!(Points(-35).to_string(), "-3.5");
        for bad in ["", "-1", "1.25", "abc", "1e3", "1000.1", "99999"] {
            assert!(Points::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn full_marks_names_the_difference() {
        assert!(check_full_marks([Points(6000), Points(4000)]).is_ok());
        let e = check_full_marks([Points(6000), Points(3900)]).unwrap_err();
        assert!(e.contains("990") && e.contains("少 10 分"), "{e}");
        let e = check_full_marks([Points(6000), Points(4005)]).unwrap_err();
        assert!(e.contains("多 0.5 分"), "{e}");
    }

    #[test]
    fn deductions_stay_within_the_leaf() {
        assert!(check_value(IndicatorKind::Deduct, Points(50), Points(50)).is_ok());
        assert!(check_value(IndicatorKind::Deduct, Points(50), Points(51)).is_err());
        assert!(check_value(IndicatorKind::Veto, Points::ZERO, Points(1)).is_ok());
        assert!(check_value(IndicatorKind::Veto, Points::ZERO, Points(2)).is_err());
    }

    #[test]
    fn totals_and_veto() {
        let leaf = |kind, max, value: Option<i32>| LeafValue {
            kind,
            max: Points(max),
            value: value.map(Points),
            note: "",
        };
        let t = total([
            leaf(IndicatorKind::Deduct, 600, Some(25)),
            leaf(IndicatorKind::Deduct, 400, None),
            leaf(IndicatorKind::Bonus, 50, Some(30)),
            leaf(IndicatorKind::Veto, 0, Some(0)),
        ]);
        assert_eq!(
            t,
            Total {
                points: Points(1005),
                veto: None
            }
        );
        let t = total([
            leaf(IndicatorKind::Deduct, 600, Some(25)),
            LeafValue {
                kind: IndicatorKind::Veto,
                max: Points::ZERO,
                value: Some(Points(1)),
                note: "发生重大违纪",
            },
        ]);
        assert_eq!(t.points, Points::ZERO);
        assert_eq!(t.veto.as_deref(), Some("发生重大违纪"));
    }

    #[test]
    fn ties_share_a_rank() {
        let t = [Points(900), Points(950), Points(950), Points(800)];
        assert_eq!(ranks(&t), vec![3, 1, 1, 4]);
    }

    #[test]
    fn the_counting_value_is_the_latest_level() {
        assert_eq!(counting(Some(Points(1)), None, None), Some(Points(1)));
        assert_eq!(
            counting(Some(Points(1)), Some(Points(2)), None),
            Some(Points(2))
        );
        assert_eq!(
            counting(None, Some(Points(2)), Some(Points(0))),
            Some(Points(0))
        );
    }
}
