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

/// A code's share of the day's pooled 15-minute timed minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    /// All minutes of the code that day.
    pub minutes: u32,
    /// Tie-break rank among codes with equal remaining minutes: lower wins. The caller
    /// derives it from the codes themselves so the result does not depend on input order.
    pub rank: u32,
}

/// The outcome of [`allocate_total_time`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// Sum of the pooled minutes.
    pub total_minutes: u32,
    /// Units the total allows.
    pub total_units: u32,
    /// Units per entry, in input order.
    pub units: Vec<u32>,
    /// Whether the entry's last unit is one of the leftover units (not a full 15 minutes).
    pub got_leftover: Vec<bool>,
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
/// this way when together they reach 8.
pub fn allocate_total_time(entries: &[PoolEntry]) -> Allocation {
    let total_minutes: u32 = entries.iter().map(|e| e.minutes).sum();
    let total_units = total_time_units(total_minutes);
    let mut units: Vec<u32> = entries.iter().map(|e| e.minutes / 15).collect();
    let full: u32 = units.iter().sum();
    // floor(Σm/15) ≥ Σ floor(m/15), so full never exceeds total_units.
    let leftover = total_units.saturating_sub(full) as usize;
    let mut candidates: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].minutes % 15 > 0)
        .collect();
    candidates.sort_by_key(|&i| (std::cmp::Reverse(entries[i].minutes % 15), entries[i].rank));
    let mut got_leftover = vec![false; entries.len()];
    for &i in candidates.iter().take(leftover) {
        units[i] += 1;
        got_leftover[i] = true;
    }
    let tie = if leftover > 0 && leftover < candidates.len() {
        let last = entries[candidates[leftover - 1]].minutes % 15;
        let next = entries[candidates[leftover]].minutes % 15;
        (last == next).then(|| {
            let tied: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| entries[i].minutes % 15 == last)
                .collect();
            let chosen = tied.iter().copied().filter(|&i| got_leftover[i]).collect();
            Tie {
                remainder: last,
                tied,
                chosen,
            }
        })
    } else {
        None
    };
    Allocation {
        total_minutes,
        total_units,
        units,
        got_leftover,
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

    fn alloc(minutes: &[u32]) -> Allocation {
        let entries: Vec<PoolEntry> = minutes
            .iter()
            .enumerate()
            .map(|(i, &minutes)| PoolEntry {
                minutes,
                rank: i as u32,
            })
            .collect();
        allocate_total_time(&entries)
    }

    #[test]
    fn leftover_units_go_to_largest_remainders() {
        assert_eq!(alloc(&[24, 23]).units, vec![2, 1]);
        assert_eq!(alloc(&[33, 7]).units, vec![2, 1]);
        assert_eq!(alloc(&[18, 13, 10, 8]).units, vec![1, 1, 1, 0]);
        let tie = alloc(&[7, 7, 7]);
        assert_eq!(tie.units, vec![1, 0, 0]);
        assert_eq!(tie.tie.unwrap().tied, vec![0, 1, 2]);
        assert_eq!(alloc(&[5]).units, vec![0]);
    }
}
