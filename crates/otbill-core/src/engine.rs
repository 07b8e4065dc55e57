//! The coding engine: a resolved visit in, billable lines with their reasons out.
//!
//! Steps, in order: merge entries of one code (and add-on minutes into their base code);
//! set each code's units by the payer's time rule; split units between plain and
//! assistant-modifier lines; add the discipline modifier; check the payer's code status.
//! Codes are processed in code order, so the result never depends on input order.

use std::sync::Arc;

use chrono::NaiveDate;
use otbill_types::{CptCode, Modifier};
use smallvec::SmallVec;

use crate::assistant::{exceeds_de_minimis, split_timed, Rest};
use crate::catalog::{join_codes, CodeDef, MedicareStatus, TherapyDesignation, Timing};
use crate::finding::{Finding, Severity};
use crate::payer::{PayerProfile, UnitMethod};
use crate::units::{allocate_total_time, midpoint_units, Allocation, PoolEntry};
use crate::visit::{Discipline, Visit};
use crate::why::Why;

/// The coded visit: the public JSON contract of `otbill code`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CodedVisit {
    /// Caller's id, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Arc<str>>,
    /// Date of service.
    pub date: NaiveDate,
    /// Payer profile id.
    pub payer: Arc<str>,
    /// Discipline.
    pub discipline: Discipline,
    /// Time rule used.
    pub unit_method: UnitMethod,
    /// Billable lines: a code with at least one unit, one line per modifier set.
    pub lines: Vec<Line>,
    /// Services that earned no unit, each with the reason.
    pub dropped: Vec<Dropped>,
    /// Minutes of the 15-minute timed codes (the §20.2 total).
    pub total_timed_minutes: u32,
    /// Units billed for those codes.
    pub total_timed_units: u32,
    /// What the checks found.
    pub findings: Vec<Finding>,
}

/// One billable claim line.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Line {
    /// Procedure code.
    pub code: CptCode,
    /// Units.
    pub units: u32,
    /// Modifiers in claim order (an 837P line holds at most four).
    pub modifiers: Modifiers,
    /// Minutes behind this line (for split lines, the person's own minutes).
    pub minutes: u32,
    /// Why these units and modifiers.
    pub why: Reasons,
}

/// A line's modifiers, stored inline.
pub type Modifiers = SmallVec<[Modifier; 4]>;
/// The reasons behind a line or a dropped service, stored inline.
pub type Reasons = SmallVec<[Why; 4]>;

/// A documented service that is not billed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dropped {
    /// Procedure code.
    pub code: CptCode,
    /// Its minutes.
    pub minutes: u32,
    /// Why it earned no unit.
    pub why: Reasons,
}

/// A visit's code groups; a visit rarely has more than eight codes.
type Groups<'c> = SmallVec<[Group<'c>; 8]>;

/// All entries of one code in the visit, added together.
struct Group<'c> {
    def: &'c CodeDef,
    minutes: u32,
    assistant: u32,
    entries: u32,
}

impl Group<'_> {
    fn therapist(&self) -> u32 {
        self.minutes - self.assistant
    }
}

/// Codes one resolved visit. Never fails: everything doubtful becomes a finding.
pub fn code_visit(visit: &Visit<'_>) -> CodedVisit {
    let profile = visit.payer;
    let mut out = CodedVisit {
        id: visit.id.map(Arc::from),
        date: visit.date,
        payer: Arc::clone(visit.payer_id),
        discipline: visit.discipline,
        unit_method: profile.unit_method,
        lines: Vec::with_capacity(visit.services.len() + 1),
        dropped: Vec::new(),
        total_timed_minutes: 0,
        total_timed_units: 0,
        findings: Vec::new(),
    };
    let groups = group_services(visit, &mut out.findings);
    let ctx = Ctx {
        profile,
        discipline: visit.discipline,
        unused_assistant: Default::default(),
    };
    let medicare = profile.unit_method == UnitMethod::MedicareTotalTime;

    // Medicare pools the 15-minute codes: allocate their units first.
    let mut pooled: SmallVec<[usize; 8]> = SmallVec::new();
    let mut pool: SmallVec<[PoolEntry; 8]> = SmallVec::new();
    if medicare {
        for (i, g) in groups.iter().enumerate() {
            if g.def.timing.is_pooled_15() {
                pooled.push(i);
                pool.push(PoolEntry::new(g.minutes, 0));
            }
        }
    }
    // Ranks only break ties between equal remainders; most days have none to break.
    if remainders_collide(&pool) {
        for (entry, rank) in pool.iter_mut().zip(tie_ranks(&groups, &pooled)) {
            entry.rank = rank;
        }
    }
    let alloc = allocate_total_time(&mut pool);
    if let Some(tie) = &alloc.tie {
        out.findings.push(tie_finding(&groups, &pooled, tie));
    }

    // One pass over the groups (pooled entries taken in order, totals summed on the way):
    // loops with data-dependent trip counts mispredict on exit, and in cachegrind's branch
    // simulation those mispredictions were a large share of the engine's time.
    let mut pool_entries = pool.iter();
    let mut to_check = false;
    for g in &groups {
        to_check |= needs_check(&ctx, g);
        let first_line = out.lines.len();
        let pooled_15 = g.def.timing.is_pooled_15();
        if pooled_15 {
            out.total_timed_minutes += g.minutes;
        }
        code_group(&ctx, &mut out, g, medicare, &alloc, &mut pool_entries);
        if pooled_15 {
            let lines = out.lines.get(first_line..).unwrap_or_default();
            out.total_timed_units += lines.iter().map(|l| l.units).sum::<u32>();
        }
    }
    out.findings.extend(ctx.unused_assistant_finding());
    if to_check {
        check_codes(&ctx, &groups, &mut out.findings);
    }
    out
}

/// Codes one group: its lines (or its dropped service) with their reasons.
fn code_group(
    ctx: &Ctx<'_>,
    out: &mut CodedVisit,
    g: &Group<'_>,
    medicare: bool,
    alloc: &Allocation,
    pool_entries: &mut std::slice::Iter<'_, PoolEntry>,
) {
    let mut why = Reasons::new();
    if g.entries > 1 {
        why.push(Why::Merged { entries: g.entries });
    }
    match g.def.timing {
        Timing::Untimed => {
            why.push(Why::Untimed { minutes: g.minutes });
            ctx.emit_whole(out, g.def.code, 1, g, why);
        }
        Timing::Timed { .. } if medicare && g.def.timing.is_pooled_15() => {
            let entry = pool_entries.next().copied().unwrap_or_default();
            let units = entry.units;
            if units == 0 {
                let reason = if alloc.total_units == 0 {
                    Why::UnderEight { minutes: g.minutes }
                } else {
                    Why::LostLeftover {
                        remainder: g.minutes % 15,
                        total: alloc.total_minutes,
                    }
                };
                drop_service(out, g, why, reason);
                return;
            }
            why.push(Why::Pooled {
                minutes: g.minutes,
                leftover: entry.leftover,
                tie: entry.tie_chosen,
                total: alloc.total_minutes,
                total_units: alloc.total_units,
            });
            ctx.emit_timed(out, g.def, units, g.therapist(), g.assistant, why);
        }
        Timing::Timed {
            interval,
            threshold,
        } => {
            let (interval, threshold) = (u32::from(interval), u32::from(threshold));
            let units = midpoint_units(g.minutes, interval, threshold);
            if medicare {
                why.push(Why::NotPooled);
            }
            if units == 0 {
                let reason = Why::UnderMidpoint {
                    minutes: g.minutes,
                    threshold,
                };
                drop_service(out, g, why, reason);
                return;
            }
            why.push(Why::CptMidpoint {
                minutes: g.minutes,
                units,
                interval,
                threshold,
            });
            if interval == 15 {
                ctx.emit_timed(out, g.def, units, g.therapist(), g.assistant, why);
            } else {
                ctx.emit_whole(out, g.def.code, units, g, why);
            }
        }
        Timing::Initial {
            interval,
            threshold,
            addon,
            addon_interval,
            addon_threshold,
        } => ctx.emit_family(
            out,
            g,
            why,
            [interval, threshold, addon_interval, addon_threshold].map(u32::from),
            addon,
        ),
        // Resolution folds add-on codes into their base; an add-on reaching here is
        // billed on its own minutes by the CPT rule rather than lost.
        Timing::Addon { .. } => {
            let units = midpoint_units(g.minutes, 15, 8);
            why.push(Why::CptMidpoint {
                minutes: g.minutes,
                units,
                interval: 15,
                threshold: 8,
            });
            ctx.emit_whole(out, g.def.code, units, g, why);
        }
    }
}

/// Records a service that earned no unit, with the reason why.
fn drop_service(out: &mut CodedVisit, g: &Group<'_>, mut why: Reasons, reason: Why) {
    why.push(reason);
    out.dropped.push(Dropped {
        code: g.def.code,
        minutes: g.minutes,
        why,
    });
}

/// Merges entries of one code (add-on minutes are already under their base code).
fn group_services<'c>(visit: &Visit<'c>, findings: &mut Vec<Finding>) -> Groups<'c> {
    let mut groups = Groups::new();
    for s in &visit.services {
        if s.entered != s.def.code {
            findings.push(Finding::new(
                "ADDON_MINUTES_MERGED",
                Severity::Info,
                format!(
                    "{} is an add-on code: its {} minutes were counted with {}, whose first unit comes first",
                    s.entered, s.minutes, s.def.code
                ),
                "code catalog time structure (rules.md §1)",
            ));
        }
        // Kept sorted by code as built: one search finds the code's group or its place.
        let at = groups.partition_point(|g| g.def.code < s.def.code);
        match groups.get_mut(at) {
            Some(g) if g.def.code == s.def.code => {
                g.minutes += s.minutes;
                g.assistant += s.assistant_minutes;
                g.entries += 1;
            }
            _ => groups.insert(
                at,
                Group {
                    def: s.def,
                    minutes: s.minutes,
                    assistant: s.assistant_minutes,
                    entries: 1,
                },
            ),
        }
    }
    groups
}

/// Order among codes tied for a leftover unit: the therapist's code first (it is paid in
/// full and CMS expressly permits it, 86 FR 65173 Example #E), then more minutes, then
/// code order. Derived from the codes only, so input order never matters. Returns each
/// pooled code's rank, in `pooled` order.
fn tie_ranks(groups: &[Group<'_>], pooled: &[usize]) -> SmallVec<[u32; 8]> {
    let keys: SmallVec<[(u32, std::cmp::Reverse<u32>, CptCode); 8]> = pooled
        .iter()
        .map(|&i| {
            let g = &groups[i];
            // Assistant share of the code's minutes, in thousandths.
            (
                g.assistant * 1000 / g.minutes.max(1),
                std::cmp::Reverse(g.minutes),
                g.def.code,
            )
        })
        .collect();
    keys.iter()
        .map(|k| keys.iter().filter(|other| *other < k).count() as u32)
        .collect()
}

/// Whether two pooled codes have the same minutes past their whole units (one pass
/// over a bit set of remainders 1-14, with no inner loop to mispredict).
fn remainders_collide(pool: &[PoolEntry]) -> bool {
    let mut seen = 0u16;
    let mut collide = false;
    for e in pool {
        let bit = (1u16 << (e.minutes % 15)) & !1;
        collide |= seen & bit != 0;
        seen |= bit;
    }
    collide
}

fn tie_finding(groups: &[Group<'_>], pooled: &[usize], tie: &crate::units::Tie) -> Finding {
    let names = |ix: &[usize], msg: &mut String| {
        for (n, &k) in ix.iter().enumerate() {
            if let Some(&i) = pooled.get(k) {
                if n > 0 {
                    msg.push_str(", ");
                }
                msg.push_str(groups[i].def.code.as_str());
            }
        }
    };
    let assistant_involved = tie
        .tied
        .iter()
        .filter_map(|&k| pooled.get(k))
        .any(|&i| groups[i].assistant > 0);
    let mut msg = String::with_capacity(260);
    names(&tie.tied, &mut msg);
    msg.push_str(" each had ");
    msg.push_str(itoa::Buffer::new().format(tie.remainder));
    msg.push_str(" minutes left for the last unit");
    if tie.chosen.len() > 1 {
        msg.push('s');
    }
    msg.push_str("; the manual leaves the choice to the clinician. otbill billed ");
    names(&tie.chosen, &mut msg);
    msg.push_str(" (therapist's code first, then more minutes, then code order); change it only if the documentation supports another");
    Finding::new(
        "UNITS_TIE_BROKEN",
        Severity::Info,
        msg,
        if assistant_involved {
            "Pub. 100-04 Ch. 5 §20.2; 86 FR 65171 Step 4 and Example #E"
        } else {
            "Pub. 100-04 Ch. 5 §20.2 (Examples 2 and 5)"
        },
    )
}

/// The payer and discipline, for line building.
struct Ctx<'c> {
    profile: &'c PayerProfile,
    discipline: Discipline,
    /// Codes with assistant minutes but no assistant modifier to give them.
    unused_assistant: std::cell::RefCell<SmallVec<[(CptCode, u32); 4]>>,
}

impl Ctx<'_> {
    /// The assistant modifier, when the payer uses one for this discipline.
    fn assistant_modifier(&self) -> Option<Modifier> {
        self.discipline
            .assistant_modifier()
            .filter(|_| self.profile.assistant_modifiers)
    }

    /// Adds a line for `code` (with the catalog's therapy designation) and its modifiers.
    fn push_line(
        &self,
        out: &mut CodedVisit,
        (code, therapy): (CptCode, TherapyDesignation),
        units: u32,
        minutes: u32,
        assisted: Option<Modifier>,
        mut why: Reasons,
    ) {
        let mut modifiers = Modifiers::new();
        if self.profile.discipline_modifier && therapy != TherapyDesignation::Never {
            let m = self.discipline.plan_modifier();
            modifiers.push(m);
            why.push(Why::Discipline { modifier: m });
        }
        modifiers.extend(assisted);
        out.lines.push(Line {
            code,
            units,
            modifiers,
            minutes,
            why,
        });
    }

    /// A 15-minute timed code's units, split between plain and assistant lines.
    fn emit_timed(
        &self,
        out: &mut CodedVisit,
        def: &CodeDef,
        units: u32,
        therapist: u32,
        assistant: u32,
        mut why: Reasons,
    ) {
        let (code, therapy) = (def.code, def.therapy);
        let Some(modifier) = self.assistant_modifier().filter(|_| assistant > 0) else {
            self.note_unused_assistant(code, assistant);
            self.push_line(
                out,
                (code, therapy),
                units,
                therapist + assistant,
                None,
                why,
            );
            return;
        };
        let split = split_timed(units, therapist, assistant, self.profile.de_minimis);
        if split.methods_disagree {
            out.findings.push(method_disagree(code, self.profile));
        }
        if let Rest::TwoRemaining {
            assistant: ra,
            therapist: rt,
            cms_split: false,
        } = split.rest
        {
            out.findings.push(Finding::new(
                "CQCO_TWO_UNIT_OUTSIDE_CMS_SPLITS",
                Severity::Warning,
                format!("{code}: two units were left with assistant {ra} and therapist {rt} minutes, a split CMS does not describe (each 9-14, total 23-28); otbill billed one unit with {modifier} and one without"),
                "42 CFR 410.59(a)(4)(v); cqco.md Open question 4",
            ));
        }
        let rest = Why::Rest {
            rest: split.rest,
            modifier,
            method: self.profile.de_minimis,
        };
        let rest_is_plain = split.plain > split.therapist_full;
        let rest_is_assisted = split.assisted > split.assistant_full;
        if split.plain > 0 {
            let mut w = why.clone();
            if split.therapist_full > 0 {
                w.push(Why::TherapistFull {
                    units: split.therapist_full,
                });
            }
            if rest_is_plain {
                w.push(rest.clone());
            }
            self.push_line(out, (code, therapy), split.plain, therapist, None, w);
        }
        if split.assisted > 0 {
            if split.assistant_full > 0 {
                why.push(Why::AssistantFull {
                    units: split.assistant_full,
                    modifier,
                });
            }
            if rest_is_assisted {
                why.push(rest);
            }
            self.push_line(
                out,
                (code, therapy),
                split.assisted,
                assistant,
                Some(modifier),
                why,
            );
        }
    }

    /// An untimed or non-15-minute code: one de minimis test on the whole service.
    fn emit_whole(
        &self,
        out: &mut CodedVisit,
        code: CptCode,
        units: u32,
        g: &Group<'_>,
        mut why: Reasons,
    ) {
        let therapy = g.def.therapy;
        let mut assisted = None;
        if let Some(modifier) = self.assistant_modifier().filter(|_| g.assistant > 0) {
            let (exceeded, disagree) =
                exceeds_de_minimis(g.assistant, g.therapist(), self.profile.de_minimis);
            if disagree {
                out.findings.push(method_disagree(code, self.profile));
            }
            why.push(Why::WholeService {
                assistant: g.assistant,
                therapist: g.therapist(),
                exceeded,
                modifier,
                method: self.profile.de_minimis,
            });
            assisted = exceeded.then_some(modifier);
        } else {
            self.note_unused_assistant(code, g.assistant);
        }
        self.push_line(out, (code, therapy), units, g.minutes, assisted, why);
    }

    /// A code family: the base code's first unit, then add-on units.
    fn emit_family(
        &self,
        out: &mut CodedVisit,
        g: &Group<'_>,
        mut why: Reasons,
        t: [u32; 4],
        addon: CptCode,
    ) {
        let [interval, threshold, addon_interval, addon_threshold] = t;
        if self.profile.unit_method == UnitMethod::MedicareTotalTime {
            why.push(Why::NotPooled);
        }
        if g.minutes < threshold {
            let reason = Why::UnderMidpoint {
                minutes: g.minutes,
                threshold,
            };
            drop_service(out, g, why, reason);
            return;
        }
        let rest = g.minutes.saturating_sub(interval);
        let addon_units = midpoint_units(rest, addon_interval, addon_threshold);
        let mut base_why = why.clone();
        base_why.push(Why::FamilyFirst {
            minutes: g.minutes,
            interval,
            threshold,
        });
        let base = Group {
            def: g.def,
            minutes: g.minutes.min(interval),
            assistant: g.assistant.min(g.minutes.min(interval)),
            entries: 1,
        };
        self.emit_whole(out, g.def.code, 1, &base, base_why);
        if addon_units > 0 {
            why.push(Why::FamilyAddon {
                base: g.def.code,
                minutes: rest,
                interval: addon_interval,
                threshold: addon_threshold,
            });
            let add = Group {
                def: g.def,
                minutes: rest,
                assistant: g.assistant.saturating_sub(base.assistant).min(rest),
                entries: 1,
            };
            self.emit_whole(out, addon, addon_units, &add, why);
        }
    }

    /// Remembers assistant minutes the payer or discipline has no modifier for; one
    /// finding per visit names them all (see `unused_assistant_finding`).
    fn note_unused_assistant(&self, code: CptCode, assistant: u32) {
        if assistant > 0 {
            self.unused_assistant.borrow_mut().push((code, assistant));
        }
    }

    fn unused_assistant_finding(&self) -> Option<Finding> {
        let unused = self.unused_assistant.borrow();
        if unused.is_empty() {
            return None;
        }
        let mut msg = String::with_capacity(160);
        for (i, (code, minutes)) in unused.iter().enumerate() {
            if i > 0 {
                msg.push_str(", ");
            }
            msg.push_str(code.as_str());
            msg.push_str(" (");
            msg.push_str(itoa::Buffer::new().format(*minutes));
            msg.push_str(" min)");
        }
        Some(match self.discipline.assistant_modifier() {
            None => {
                msg.push_str(": assistant minutes on a speech-language pathology visit; Medicare does not recognize SLP assistants, so these minutes may not be billable");
                Finding::new(
                    "ASSISTANT_NOT_RECOGNIZED",
                    Severity::Warning,
                    msg,
                    "42 CFR 410.59-410.62",
                )
            }
            Some(_) => {
                msg.push_str(": assistant minutes; payer profile \"");
                msg.push_str(&self.profile.id);
                msg.push_str("\" does not use assistant modifiers");
                Finding::new(
                    "ASSISTANT_MODIFIERS_NOT_USED",
                    Severity::Info,
                    msg,
                    "payer profile: assistant_modifiers = false",
                )
            }
        })
    }
}

fn method_disagree(code: CptCode, profile: &PayerProfile) -> Finding {
    Finding::new(
        "CQCO_METHOD_DISAGREE",
        Severity::Info,
        format!(
            "{code}: the Simple and Percentage de minimis methods disagree here; payer profile {:?} uses the {:?} method",
            profile.id, profile.de_minimis
        ),
        "86 FR 65170-65171; cqco.md Open question 3",
    )
}

/// Whether [`check_codes`] has anything to say about `g` (most codes pass silently).
fn needs_check(ctx: &Ctx<'_>, g: &Group<'_>) -> bool {
    let status = !matches!(g.def.medicare_status, MedicareStatus::A | MedicareStatus::D);
    (g.def.evaluation & (g.assistant > 0)) | (ctx.profile.medicare_status & status)
}

/// Code-level checks that do not change units: payer status and assistant evaluations.
fn check_codes(ctx: &Ctx<'_>, groups: &[Group<'_>], findings: &mut Vec<Finding>) {
    for g in groups {
        let code = g.def.code;
        if g.def.evaluation && g.assistant > 0 {
            findings.push(Finding::new(
                "CQCO_ASSISTANT_ON_EVAL",
                Severity::Warning,
                format!("{code} is an evaluation: {} assistant minutes were recorded, but evaluations are the therapist's to perform", g.assistant),
                "Pub. 100-02 Ch. 15 §230.2; cqco.md §3.2",
            ));
        }
        if !ctx.profile.medicare_status {
            continue;
        }
        match g.def.medicare_status {
            MedicareStatus::I => findings.push(
                Finding::new(
                    "CODE_NOT_VALID_FOR_PAYER",
                    Severity::Error,
                    format!(
                        "{code} is not valid for {}; bill {} instead",
                        ctx.profile.name,
                        join_codes(&g.def.replaced_by)
                    ),
                    "PPRRVU status I (rules.md §1)",
                )
                .with_carc("96"),
            ),
            MedicareStatus::B => findings.push(
                Finding::new(
                    "CODE_BUNDLED",
                    Severity::Warning,
                    format!(
                        "{code} is bundled: {} never pays it separately",
                        ctx.profile.name
                    ),
                    "PPRRVU status B (rules.md §1)",
                )
                .with_carc("97"),
            ),
            MedicareStatus::N | MedicareStatus::R => findings.push(Finding::new(
                "CODE_COVERAGE_LIMITED",
                Severity::Warning,
                format!(
                    "{code} is {} for {}",
                    if g.def.medicare_status == MedicareStatus::N {
                        "non-covered"
                    } else {
                        "restricted"
                    },
                    ctx.profile.name
                ),
                "PPRRVU status column (rules.md §1)",
            )),
            MedicareStatus::A | MedicareStatus::D => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(minutes: &[u32]) -> Vec<PoolEntry> {
        minutes.iter().map(|&m| PoolEntry::new(m, 0)).collect()
    }

    /// Ranks are skipped when no two remainders match; a whole number of units
    /// (remainder 0) never ties.
    #[test]
    fn remainder_collisions() {
        assert!(!remainders_collide(&pool(&[])));
        assert!(!remainders_collide(&pool(&[23, 24, 10])));
        assert!(!remainders_collide(&pool(&[15, 30, 45])));
        assert!(remainders_collide(&pool(&[23, 8])));
        assert!(remainders_collide(&pool(&[5, 12, 44, 29])));
        assert!(remainders_collide(&pool(&[
            14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 29
        ])));
    }
}
