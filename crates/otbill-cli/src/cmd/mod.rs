//! One module per subcommand; each exposes `Args` and `run`.

pub(crate) mod appeal;
pub(crate) mod claim;
pub(crate) mod code;
pub(crate) mod data;
pub(crate) mod denials;
pub(crate) mod eligibility;
pub(crate) mod ledger;
pub(crate) mod remit;
pub(crate) mod scrub;
pub(crate) mod serve;
pub(crate) mod x12;
