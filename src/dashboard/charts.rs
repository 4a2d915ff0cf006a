//! Line charts as SVG drawn by the template: the geometry is computed here, in a 600 × 220
//! box, and every chart carries its numbers as a table for readers who cannot see it.

/// One line of a chart.
pub struct Series {
    pub name: String,
    /// CSS class: the colour.
    pub class: &'static str,
    /// `x,y x,y …` for the polyline, gaps (missing values) split into runs.
    pub runs: Vec<String>,
    pub dots: Vec<(f64, f64)>,
}

pub struct Chart {
    pub id: String,
    pub title: String,
    pub x_labels: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
    pub series: Vec<Series>,
    /// Horizontal reference lines (a target): (y, label).
    pub rules: Vec<(f64, String)>,
    /// The numbers, as rows under the column heads, for the text alternative.
    pub heads: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 48.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// Values as shown in tables: up to two decimals, no trailing zeros.
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Chart {
    /// `series`: (name, class, one value per x label). `reference`: a target line.
    pub fn lines(
        id: &str,
        title: &str,
        labels: &[String],
        series: Vec<(String, &'static str, Vec<Option<f64>>)>,
        reference: Option<(f64, String)>,
        percent_axis: bool,
    ) -> Chart {
        let mut values: Vec<f64> = series
            .iter()
            .flat_map(|s| s.2.iter().flatten().copied())
            .collect();
        values.extend(reference.iter().map(|r| r.0));
        let (mut lo, mut hi) = if percent_axis {
            (0.0, 100.0)
        } else {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() {
                (lo.min(0.0), hi)
            } else {
                (0.0, 1.0)
            }
        };
        if hi - lo < 1e-9 {
            hi = lo + 1.0;
        }
        if !percent_axis {
            hi += (hi - lo) * 0.1;
            lo = lo.min(0.0);
        }
        let n = labels.len().max(1);
        let step = if n > 1 {
            (WIDTH - LEFT - RIGHT) / (n - 1) as f64
        } else {
            0.0
        };
        let x = |i: usize| {
            LEFT + step * i as f64
                + if n == 1 {
                    (WIDTH - LEFT - RIGHT) / 2.0
                } else {
                    0.0
                }
        };
        let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
        let y_ticks = (0..=4)
            .map(|k| {
                let v = lo + (hi - lo) * f64::from(k) / 4.0;
                (y(v), number(v))
            })
            .collect();
        // Label every x when few, else every other one, so phone widths stay legible.
        let every = if n > 8 { 2 } else { 1 };
        let x_labels = labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0 || *i == n - 1)
            .map(|(i, l)| (x(i), l.clone()))
            .collect();
        let mut heads = vec!["期次".to_string()];
        heads.extend(series.iter().map(|s| s.0.clone()));
        let rows = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut row = vec![l.clone()];
                row.extend(series.iter().map(|s| {
                    s.2.get(i)
                        .copied()
                        .flatten()
                        .map(number)
                        .unwrap_or_else(|| "—".into())
                }));
                row
            })
            .collect();
        let series = series
            .into_iter()
            .map(|(name, class, vals)| {
                let mut runs = Vec::new();
                let mut run = Vec::new();
                let mut dots = Vec::new();
                for (i, v) in vals.iter().enumerate() {
                    match v {
                        Some(v) => {
                            run.push(format!("{:.1},{:.1}", x(i), y(*v)));
                            dots.push((x(i), y(*v)));
                        }
                        None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
                        None => {}
                    }
                }
                if !run.is_empty() {
                    runs.push(run.join(" "));
                }
                Series {
                    name,
                    class,
                    runs,
                    dots,
                }
            })
            .collect();
        Chart {
            id: id.to_string(),
            title: title.to_string(),
            x_labels,
            y_ticks,
            series,
            rules: reference.map(|(v, l)| (y(v), l)).into_iter().collect(),
            heads,
            rows,
        }
    }

    pub fn left(&self) -> f64 {
        LEFT
    }

    pub fn right(&self) -> f64 {
        WIDTH - RIGHT
    }

    pub fn baseline(&self) -> f64 {
        HEIGHT - BOTTOM
    }

    pub fn label_y(&self) -> f64 {
        HEIGHT - BOTTOM + 18.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_lines_and_numbers_read_plainly() {
        let labels: Vec<String> = ["一", "二", "三"].iter().map(|s| s.to_string()).collect();
        let c = Chart::lines(
            "c",
            "t",
            &labels,
            vec![("a".into(), "s1", vec![Some(10.0), None, Some(30.0)])],
            None,
            true,
        );
        assert_eq!(c.series[0].runs.len(), 2);
        assert_eq!(c.rows[1], vec!["二".to_string(), "—".to_string()]);
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(3.0), "3");
    }
}
