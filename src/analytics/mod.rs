//! The analytics engine under the dashboard, the evaluations and 督办 supervision: a plan's
//! facts read in one pass (`facts`), the rules that judge them (`rules`: who must report, how
//! far along an item should be, its status), the rollup of a round into items, units and
//! counties (`rollup`), each unit's record and place (`ranking`), and the verdicts on indicators against their targets (`verdict`).
//! It draws no page: the three features render what it computes.

pub mod facts;
pub mod ranking;
pub mod rollup;
pub mod rules;
pub mod verdict;
