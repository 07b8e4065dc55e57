//! `otbill patient`, `otbill visit` and `otbill ledger` (practice, providers, payers, plans
//! of care, authorizations, claim steps): records in as JSON files, validated by the store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use otbill_scrub::scrub::Engine;
use otbill_store::patient_accounts::{NewPayment, PaymentMethod};
use otbill_store::records::{PayerKey, ProviderKey};

use super::{print_json, rules, DbArgs};

fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    otbill_core::parse_json(&text).with_context(|| format!("{}: invalid record", path.display()))
}

/// Patients with their insurance.
#[derive(clap::Args, Debug)]
pub(crate) struct PatientArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    action: PatientAction,
}

#[derive(Subcommand, Debug)]
enum PatientAction {
    /// Add a patient (JSON: account, names, birth_date, gender, address, coverages).
    Add {
        /// The patient JSON file.
        file: PathBuf,
    },
    /// List patients by id and account number.
    List,
    /// Correct or replace the patient's coverage of one rank (JSON: payer_id, rank,
    /// member_id, group_number, relationship, subscriber, effective, expires), or add it.
    /// Claims already made keep the coverage they were made with; the patient's held
    /// visits (`PAYER_INACTIVE`, no coverage) are then coded again.
    Coverage {
        /// The patient's account number.
        account: String,
        /// 1 primary, 2 secondary, 3 tertiary.
        rank: u8,
        /// The coverage JSON file.
        file: PathBuf,
    },
    /// Record a payment from the patient and apply it (to `--claim`, to the `--visit`'s
    /// claims, else to the oldest open patient balances); what is left stays credit.
    /// Prints where it went as JSON; `--receipt FILE` also writes the receipt PDF.
    Payment {
        /// The patient's account number.
        account: String,
        #[command(flatten)]
        money: MoneyArgs,
        /// Apply it to this claim (its patient control number) only.
        #[arg(long, value_name = "PCN")]
        claim: Option<String>,
        /// The visit it was taken at (a copay at check-in).
        #[arg(long, value_name = "ID")]
        visit: Option<i64>,
        /// The day received (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// A note for the office.
        #[arg(long)]
        note: Option<String>,
        /// Write the receipt PDF here.
        #[arg(long, value_name = "FILE")]
        receipt: Option<PathBuf>,
    },
    /// The patient's account as JSON: every entry with the running balance, each claim's
    /// balances, the payments, insurance and patient balances, credit and total.
    Account {
        /// The patient's account number.
        account: String,
    },
    /// Apply the patient's unapplied credit to their open patient balances.
    ApplyCredit {
        /// The patient's account number.
        account: String,
    },
    /// Refund unapplied credit to the patient.
    Refund {
        /// The patient's account number.
        account: String,
        #[command(flatten)]
        money: MoneyArgs,
        /// Why the credit is refunded.
        #[arg(long)]
        reason: String,
    },
}

/// An amount, how it was paid, and its reference.
#[derive(clap::Args, Debug)]
struct MoneyArgs {
    /// Dollars, e.g. 25.00.
    #[arg(long)]
    amount: rust_decimal::Decimal,
    /// cash, check, card or other.
    #[arg(long, value_parser = ["cash", "check", "card", "other"])]
    method: String,
    /// The check number or the card processor's reference (never a card number).
    #[arg(long)]
    reference: Option<String>,
}

impl MoneyArgs {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::parse(&self.method).unwrap_or(PaymentMethod::Other)
    }
}

fn patient_by_account(store: &mut otbill_store::Store, account: &str) -> anyhow::Result<i64> {
    store
        .patient_id_by_account(account)?
        .context("no patient with that account number")
}

/// The receipt of payment `id` from the patient's account.
pub(crate) fn run_patient(args: PatientArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    match args.action {
        PatientAction::Add { file } => {
            let p: otbill_store::records::Patient = read_json(&file)?;
            let id = store.add_patient(&p).context("adding the patient")?;
            println!("patient {id} added");
        }
        PatientAction::List => {
            for (id, account) in store.patient_accounts()? {
                println!("{id}\t{account}");
            }
        }
        PatientAction::Coverage {
            account,
            rank,
            file,
        } => {
            let c: otbill_store::records::Coverage = read_json(&file)?;
            let id = store
                .patient_accounts()?
                .into_iter()
                .find(|(_, a)| *a == account)
                .map(|(id, _)| id)
                .context("no patient with that account number")?;
            store
                .update_coverage(id, rank, &c)
                .context("changing the coverage")?;
            println!("patient {id}: coverage {rank} saved");
            let (catalog, payers, rules) = rules()?;
            let engine = Engine {
                catalog: &catalog,
                payers: &payers,
                rules: &rules,
            };
            for v in store.held_visits(id)? {
                let o = store
                    .claim_visit(v, &engine)
                    .with_context(|| format!("coding visit {v}"))?;
                print_json(&o)?;
            }
        }
        PatientAction::Payment {
            account,
            money,
            claim,
            visit,
            date,
            note,
            receipt,
        } => {
            let patient = patient_by_account(&mut store, &account)?;
            let claim_id = match &claim {
                Some(pcn) => Some(store.claim_by_pcn(pcn).context("--claim")?),
                None => None,
            };
            let out = store
                .record_patient_payment(&NewPayment {
                    patient_id: patient,
                    received_on: date.unwrap_or_else(crate::clock::today),
                    amount: money.amount,
                    method: money.method(),
                    reference: money.reference.clone(),
                    claim_id,
                    visit_id: visit,
                    note,
                })
                .context("recording the payment")?;
            if let Some(path) = receipt {
                let r = otbill_server::payments::receipt_of(&mut store, patient, out.payment_id)?
                    .context("the payment is not on the account")?;
                std::fs::write(&path, otbill_forms::render_receipt(&r))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            print_json(&out)?;
        }
        PatientAction::Account { account } => {
            let patient = patient_by_account(&mut store, &account)?;
            print_json(&store.patient_account(patient)?)?;
        }
        PatientAction::ApplyCredit { account } => {
            let patient = patient_by_account(&mut store, &account)?;
            print_json(&store.apply_credit(patient).context("applying the credit")?)?;
        }
        PatientAction::Refund {
            account,
            money,
            reason,
        } => {
            let patient = patient_by_account(&mut store, &account)?;
            let id = store
                .refund_credit(
                    patient,
                    money.amount,
                    money.method(),
                    money.reference.as_deref(),
                    &reason,
                )
                .context("refunding the credit")?;
            println!("refund {id} recorded");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Visits: record them, then code and scrub them into claims.
#[derive(clap::Args, Debug)]
pub(crate) struct VisitArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    action: VisitAction,
}

#[derive(Subcommand, Debug)]
enum VisitAction {
    /// Record a visit (JSON: patient_account, provider_npi, date, services with minutes).
    Add {
        /// The visit JSON file.
        file: PathBuf,
    },
    /// Code, scrub and price entered visits (all, or one) into ready claims.
    Code {
        /// Only this visit.
        #[arg(long)]
        id: Option<i64>,
    },
}

pub(crate) fn run_visit(args: VisitArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    match args.action {
        VisitAction::Add { file } => {
            let v: otbill_store::records::Visit = read_json(&file)?;
            let id = store.add_visit(&v).context("adding the visit")?;
            println!("visit {id} added");
            Ok(ExitCode::SUCCESS)
        }
        VisitAction::Code { id } => {
            let (catalog, payers, rules) = rules()?;
            let engine = Engine {
                catalog: &catalog,
                payers: &payers,
                rules: &rules,
            };
            let ids = match id {
                Some(id) => vec![id],
                None => store.visits_in("entered")?,
            };
            let mut blocked = 0;
            for v in ids {
                let o = store
                    .claim_visit(v, &engine)
                    .with_context(|| format!("coding visit {v}"))?;
                blocked += usize::from(o.blocked);
                print_json(&o)?;
            }
            Ok(ExitCode::from(u8::from(blocked > 0)))
        }
    }
}

/// Practice set-up and claim follow-up.
#[derive(clap::Args, Debug)]
pub(crate) struct LedgerArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    action: LedgerAction,
}

#[derive(Subcommand, Debug)]
enum LedgerAction {
    /// Set the practice and billing provider (JSON).
    Practice { file: PathBuf },
    /// List the practices of this database, or add one (`--add CODE --name NAME`); the
    /// other commands work in one with `--practice CODE`.
    Practices {
        /// The new practice's code (lowercase letters, digits, -).
        #[arg(long, value_name = "CODE", requires = "name")]
        add: Option<String>,
        /// The new practice's name.
        #[arg(long, value_name = "NAME", requires = "add")]
        name: Option<String>,
    },
    /// Add a rendering provider (JSON), or correct, deactivate or reactivate one.
    ///
    /// `--update NPI FILE` corrects the provider (claims already sent keep what they were
    /// sent with; claims not yet batched carry the correction). `--deactivate NPI` keeps
    /// them on file with their history but refuses them for new visits and plans of care;
    /// `--reactivate NPI` undoes it.
    Provider {
        /// The provider's JSON: a new one, or with --update the corrected record.
        #[arg(required_unless_present_any = ["deactivate", "reactivate"])]
        file: Option<PathBuf>,
        /// Correct the provider with this NPI (the file may change the NPI itself).
        #[arg(long, value_name = "NPI", conflicts_with_all = ["deactivate", "reactivate"])]
        update: Option<String>,
        /// Deactivate the provider with this NPI.
        #[arg(long, value_name = "NPI", conflicts_with_all = ["file", "reactivate"])]
        deactivate: Option<String>,
        /// Reactivate the provider with this NPI.
        #[arg(long, value_name = "NPI", conflicts_with = "file")]
        reactivate: Option<String>,
    },
    /// Add a payer (JSON), or correct, deactivate or reactivate one.
    ///
    /// `--update PAYER_ID FILE` corrects the payer (claims already sent keep what they were
    /// sent with; claims not yet batched carry the new payer id and name). `--deactivate
    /// PAYER_ID` keeps it on file with its claims but refuses it for new coverages,
    /// authorizations and claims; `--reactivate PAYER_ID` undoes it.
    Payer {
        /// The payer's JSON: a new one, or with --update the corrected record.
        #[arg(required_unless_present_any = ["deactivate", "reactivate"])]
        file: Option<PathBuf>,
        /// Correct the payer with this payer id (the file may change the payer id itself).
        #[arg(long, value_name = "PAYER_ID", conflicts_with_all = ["deactivate", "reactivate"])]
        update: Option<String>,
        /// Deactivate the payer with this payer id.
        #[arg(long, value_name = "PAYER_ID", conflicts_with_all = ["file", "reactivate"])]
        deactivate: Option<String>,
        /// Reactivate the payer with this payer id.
        #[arg(long, value_name = "PAYER_ID", conflicts_with = "file")]
        reactivate: Option<String>,
    },
    /// Add a plan of care (JSON).
    Plan { file: PathBuf },
    /// Add an authorization (JSON).
    Authorization { file: PathBuf },
    /// Show a claim (by id or PCN) with balances and history.
    Claim { claim: String },
    /// List claims, optionally by status.
    Claims {
        #[arg(long)]
        status: Option<String>,
    },
    /// Replacement claim (frequency 7) with the payer's claim number.
    Correct { claim: String },
    /// Void claim (frequency 8).
    Void { claim: String },
    /// Record an appeal.
    Appeal {
        claim: String,
        #[arg(long, default_value = "redetermination requested")]
        note: String,
    },
    /// Bill the secondary payer for the patient's share.
    Secondary { claim: String },
    /// Bill the patient for their share.
    BillPatient { claim: String },
    /// Write off the payer's or patient's open balance.
    WriteOff {
        claim: String,
        #[arg(long, default_value = "payer")]
        party: String,
        #[arg(long)]
        reason: String,
    },
    /// Resend a rejected claim with a new PCN.
    Resubmit { claim: String },
    /// Items of posted 835s that matched no claim or line.
    Unmatched,
}

fn claim_id(store: &mut otbill_store::Store, s: &str) -> anyhow::Result<i64> {
    match s.parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) => Ok(store.claim_by_pcn(s)?),
    }
}

pub(crate) fn run_ledger(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    match args.action {
        LedgerAction::Practice { file } => store
            .set_practice(&read_json(&file)?)
            .map(|()| println!("practice set"))?,
        LedgerAction::Practices { add, name } => {
            if let (Some(code), Some(name)) = (add, name) {
                let id = store.create_practice(&code, &name, &crate::clock::now())?;
                println!("practice {code} added (id {id})");
            } else {
                print_json(&store.practices()?)?;
            }
        }
        LedgerAction::Provider {
            file,
            update,
            deactivate,
            reactivate,
        } => match (file, update, deactivate, reactivate) {
            (_, _, Some(npi), _) => {
                print_json(&store.set_provider_active(ProviderKey::Npi(&npi), false)?)?
            }
            (_, _, _, Some(npi)) => {
                print_json(&store.set_provider_active(ProviderKey::Npi(&npi), true)?)?
            }
            (Some(file), Some(npi), ..) => {
                print_json(&store.update_provider(ProviderKey::Npi(&npi), &read_json(&file)?)?)?
            }
            (Some(file), None, ..) => {
                println!("provider {} added", store.add_provider(&read_json(&file)?)?)
            }
            (None, ..) => anyhow::bail!("a provider JSON file is needed"),
        },
        LedgerAction::Payer {
            file,
            update,
            deactivate,
            reactivate,
        } => match (file, update, deactivate, reactivate) {
            (_, _, Some(id), _) => {
                print_json(&store.set_payer_active(PayerKey::PayerId(&id), false)?)?
            }
            (_, _, _, Some(id)) => {
                print_json(&store.set_payer_active(PayerKey::PayerId(&id), true)?)?
            }
            (Some(file), Some(id), ..) => {
                print_json(&store.update_payer(PayerKey::PayerId(&id), &read_json(&file)?)?)?
            }
            (Some(file), None, ..) => {
                println!("payer {} added", store.add_payer(&read_json(&file)?)?)
            }
            (None, ..) => anyhow::bail!("a payer JSON file is needed"),
        },
        LedgerAction::Plan { file } => {
            println!("plan {} added", store.add_plan(&read_json(&file)?)?)
        }
        LedgerAction::Authorization { file } => println!(
            "authorization {} added",
            store.add_authorization(&read_json(&file)?)?
        ),
        LedgerAction::Claim { claim } => {
            let id = claim_id(&mut store, &claim)?;
            print_json(&store.claim(id)?)?;
        }
        LedgerAction::Claims { status } => {
            for id in store.claims(status.as_deref())? {
                let c = store.claim(id)?;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.pcn,
                    c.status,
                    c.payer_id,
                    c.charge,
                    c.payer_balance + c.patient_balance
                );
            }
        }
        LedgerAction::Correct { claim } => {
            let id = claim_id(&mut store, &claim)?;
            println!("replacement claim {}", store.correct_claim(id, |_| {})?);
        }
        LedgerAction::Void { claim } => {
            let id = claim_id(&mut store, &claim)?;
            println!("void claim {}", store.void_claim(id)?);
        }
        LedgerAction::Appeal { claim, note } => {
            let id = claim_id(&mut store, &claim)?;
            store.appeal_claim(id, &note)?;
            println!("claim {id} appealed");
        }
        LedgerAction::Secondary { claim } => {
            let id = claim_id(&mut store, &claim)?;
            println!("secondary claim {}", store.move_to_secondary(id)?);
        }
        LedgerAction::BillPatient { claim } => {
            let id = claim_id(&mut store, &claim)?;
            store.bill_patient(id)?;
            println!("claim {id} billed to the patient");
        }
        LedgerAction::WriteOff {
            claim,
            party,
            reason,
        } => {
            let id = claim_id(&mut store, &claim)?;
            println!("wrote off {}", store.write_off(id, &party, &reason)?);
        }
        LedgerAction::Resubmit { claim } => {
            let id = claim_id(&mut store, &claim)?;
            println!("resubmitted as claim {}", store.resubmit_claim(id, |_| {})?);
        }
        LedgerAction::Unmatched => {
            for (remit, pcn, lcn, code, reason, paid) in store.unmatched()? {
                println!(
                    "{remit}\t{pcn}\t{}\t{}\t{paid}\t{reason}",
                    lcn.unwrap_or_default(),
                    code.unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
