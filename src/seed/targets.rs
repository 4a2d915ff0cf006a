//! Targets of indicators and sub-targets, compared as domain values.

use super::load::{Change, LoadError, Tx};
use super::{ItemSeed, ItemTarget};
use crate::plan::model::{Aggregation, Comparator, IndicatorTarget, TargetRule};

pub(super) async fn sync(
    tx: &mut Tx<'_>,
    item_id: i64,
    item: &ItemSeed,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let old = current_target(tx, item_id).await?;
    let new = item
        .target
        .clone()
        .map(|t| keep_known_baseline(t, old.as_ref()));
    if old == new {
        return Ok(());
    }
    changes.push(Change::Updated(format!("target of {}", item.key)));
    sqlx::query!("DELETE FROM indicator_targets WHERE item_id = $1", item_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query!("DELETE FROM subtarget_targets WHERE item_id = $1", item_id)
        .execute(&mut **tx)
        .await?;
    match new {
        None => {}
        Some(ItemTarget::Indicator {
            measure_unit,
            target,
            note,
        }) => {
            let (rule, percent, label, year, base, cmp, value, agg) = match target {
                IndicatorTarget::RelativeDecrease {
                    percent,
                    baseline_label,
                    baseline_year,
                    baseline_value,
                } => (
                    TargetRule::RelativeDecrease,
                    Some(percent.value()),
                    Some(baseline_label),
                    baseline_year,
                    baseline_value,
                    None,
                    None,
                    None,
                ),
                IndicatorTarget::AbsoluteBound {
                    comparator,
                    value,
                    aggregation,
                } => (
                    TargetRule::AbsoluteBound,
                    None,
                    None,
                    None,
                    None,
                    Some(comparator),
                    Some(value),
                    Some(aggregation),
                ),
            };
            sqlx::query!(
                r#"INSERT INTO indicator_targets (item_id, measure_unit, rule, percent, baseline_label,
                       baseline_year, baseline_value, comparator, value, aggregation, note)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
                item_id,
                measure_unit,
                rule as TargetRule,
                percent,
                label,
                year,
                base,
                cmp as Option<Comparator>,
                value,
                agg as Option<Aggregation>,
                note
            )
            .execute(&mut **tx)
            .await?;
        }
        Some(ItemTarget::Subtarget {
            metric,
            comparator,
            value,
            measure_unit,
        }) => {
            sqlx::query!(
                r#"INSERT INTO subtarget_targets (item_id, metric, comparator, value, measure_unit)
                   VALUES ($1, $2, $3, $4, $5)"#,
                item_id,
                metric,
                comparator as Comparator,
                value,
                measure_unit
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A baseline value entered in the portal once statistics are out survives a reload of a seed
/// that does not know it.
fn keep_known_baseline(new: ItemTarget, old: Option<&ItemTarget>) -> ItemTarget {
    let known = match old {
        Some(ItemTarget::Indicator {
            target:
                IndicatorTarget::RelativeDecrease {
                    baseline_value: Some(v),
                    ..
                },
            ..
        }) => Some(*v),
        _ => None,
    };
    match new {
        ItemTarget::Indicator {
            measure_unit,
            target:
                IndicatorTarget::RelativeDecrease {
                    percent,
                    baseline_label,
                    baseline_year,
                    baseline_value: None,
                },
            note,
        } => ItemTarget::Indicator {
            measure_unit,
            target: IndicatorTarget::RelativeDecrease {
                percent,
                baseline_label,
                baseline_year,
                baseline_value: known,
            },
            note,
        },
        other => other,
    }
}

async fn current_target(tx: &mut Tx<'_>, item_id: i64) -> Result<Option<ItemTarget>, LoadError> {
    Ok(crate::plan::queries::targets(tx, None, Some(item_id))
        .await?
        .remove(&item_id))
}
