//! Minutes to units: the arithmetic of the time rules, free of codes and modifiers.
//!
//! - [`total_time_units`] is the Medicare §20.2 unit table in closed form.
//! - [`midpoint_units`] is CPT's time rule for any interval: a unit counts once its
//!   midpoint is passed.
//! - [`allocate_total_time`] hands the day's total units to codes the way the §20.2
//!   worked examples do (rules.md §2.1, "Assignment algorithm").

/// Medicare's unit table (Pub. 100-04 Ch. 5 §20.2): under 8 minutes, no unit; then
/// 8–22 = 1, 23–37 = 2, and so on.
pub fn total_time_units(total_minutes: u32) -> u32 {
    if total_minutes < 8 {
        0
    } else {
        (total_minutes + 7) / 15
    }
}

/// CPT's time rule: the first unit counts from `threshold` minutes and each further unit
/// once `threshold` minutes of the next `interval` have passed. For 15-minute codes
/// (threshold 8) this gives the same table as [`total_time_units`], per code.
pub fn midpoint_units(minutes: u32, interval: u32, threshold: u32) -> u32 {
    if interval == 0 || minutes < threshold {
        0
    } else {
        (minutes - threshold) / interval + 1
    }
}

/// A code's share of the day's pooled 15-minute timed minutes, and what it got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolEntry {
    /// All minutes of the code that day.
    pub minutes: u32,
    /// Tie-break rank among codes with equal remaining minutes: lower wins. The caller
    /// derives it from the codes themselves so the result does not depend on input order.
    pub rank: u32,
    /// Output: units given to the code.
    pub units: u32,
    /// Output: whether its last unit is a leftover unit (not a full 15 minutes).
    pub leftover: bool,
    /// Output: whether that leftover unit was decided by a tie-break.
    pub tie_chosen: bool,
}

impl PoolEntry {
    /// An entry with no units yet.
    pub fn new(minutes: u32, rank: u32) -> Self {
        PoolEntry {
            minutes,
            rank,
            ..PoolEntry::default()
        }
    }
}

/// The day's totals from [`allocate_total_time`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// Sum of the pooled minutes.
    pub total_minutes: u32,
    /// Units the total allows.
    pub total_units: u32,
    /// Set when equal remaining minutes competed for the last leftover unit, so the manual
    /// leaves the choice to the clinician and the rank decided.
    pub tie: Option<Tie>,
}

/// Entries whose equal remaining minutes competed for fewer leftover units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tie {
    /// Remaining minutes they shared.
    pub remainder: u32,
    /// Indexes of every tied entry.
    pub tied: Vec<usize>,
    /// Indexes of the tied entries that got a unit.
    pub chosen: Vec<usize>,
}

/// Medicare's total-time rule: the total of all 15-minute timed minutes sets the units;
/// each code first gets its full 15-minute units, then the leftover units go one each to
/// the codes with the most remaining minutes. Under-8-minute services can earn a unit
/// this way when together they reach 8. Fills each entry's `units` and `leftover`.
pub fn allocate_total_time(entries: &mut [PoolEntry]) -> Allocation {
    let mut total_minutes = 0;
    let mut full = 0;
    for e in entries.iter_mut() {
        e.units = e.minutes / 15;
        e.leftover = false;
        e.tie_chosen = false;
        full += e.units;
        total_minutes += e.minutes;
    }
    let total_units = total_time_units(total_minutes);
    // floor(Σm/15) ≥ Σ floor(m/15), so full never exceeds total_units.
    let mut leftover = total_units.saturating_sub(full);
    let mut tie = None;
    // Hand out leftover units one at a time, largest remainder then lowest rank first.
    let key = |e: &PoolEntry| (std::cmp::Reverse(e.minutes % 15), e.rank);
    while leftover > 0 {
        let Some(best) = (0..entries.len())
            .filter(|&i| !entries[i].leftover && !entries[i].minutes.is_multiple_of(15))
            .min_by_key(|&i| key(&entries[i]))
        else {
            break;
        };
        let remainder = entries[best].minutes % 15;
        entries[best].units += 1;
        entries[best].leftover = true;
        leftover -= 1;
        // The last leftover unit is contested when another entry has the same remainder
        // and goes without. Checked before collecting anything: most days have no tie.
        let same = |e: &PoolEntry| e.minutes % 15 == remainder && remainder > 0;
        if leftover == 0 && entries.iter().any(|e| same(e) && !e.leftover) {
            let tied: Vec<usize> = (0..entries.len()).filter(|&i| same(&entries[i])).collect();
            let chosen: Vec<usize> = tied
                .iter()
                .copied()
                .filter(|&i| entries[i].leftover)
                .collect();
            for &i in &chosen {
                entries[i].tie_chosen = true;
            }
            tie = Some(Tie {
                remainder,
                tied,
                chosen,
            });
        }
    }
    Allocation {
        total_minutes,
        total_units,
        tie,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_table_rows_of_section_20_2() {
        let rows = [
            (1, 8, 22),
            (2, 23, 37),
            (3, 38, 52),
            (4, 53, 67),
            (5, 68, 82),
            (6, 83, 97),
            (7, 98, 112),
            (8, 113, 127),
        ];
        for (u, lo, hi) in rows {
            assert_eq!(total_time_units(lo), u, "{lo}");
            assert_eq!(total_time_units(hi), u, "{hi}");
            assert_eq!(total_time_units(lo - 1), u - 1, "{}", lo - 1);
        }
        assert_eq!(total_time_units(0), 0);
        assert_eq!(total_time_units(7), 0);
    }

    #[test]
    fn midpoint_rule_for_other_intervals() {
        // 96125 per hour: first hour at 31 minutes, second at 91 (rules.md §1).
        assert_eq!(midpoint_units(30, 60, 31), 0);
        assert_eq!(midpoint_units(31, 60, 31), 1);
        assert_eq!(midpoint_units(90, 60, 31), 1);
        assert_eq!(midpoint_units(91, 60, 31), 2);
        for m in 0..300 {
            assert_eq!(midpoint_units(m, 15, 8), total_time_units(m), "{m}");
        }
    }

    fn alloc(minutes: &[u32]) -> (Vec<u32>, Allocation) {
        let mut entries: Vec<PoolEntry> = minutes
            .iter()
            .enumerate()
            .map(|(i, &m)| PoolEntry::new(m, i as u32))
            .collect();
        let a = allocate_total_time(&mut entries);
        (entries.iter().map(|e| e.units).collect(), a)
    }

    #[test]
    fn leftover_units_go_to_largest_remainders() {
        assert_eq!(alloc(&[24, 23]).0, vec![2, 1]);
        assert_eq!(alloc(&[33, 7]).0, vec![2, 1]);
        assert_eq!(alloc(&[18, 13, 10, 8]).0, vec![1, 1, 1, 0]);
        let (units, tie) = alloc(&[7, 7, 7]);
        assert_eq!(units, vec![1, 0, 0]);
        assert_eq!(tie.tie.unwrap().tied, vec![0, 1, 2]);
        assert_eq!(alloc(&[5]).0, vec![0]);
        // Two leftover units among three equal remainders: still a tie.
        let (units, tie) = alloc(&[24, 24, 24]);
        assert_eq!(units.iter().sum::<u32>(), 5);
        assert_eq!(tie.tie.unwrap().chosen, vec![0, 1]);
    }
}
