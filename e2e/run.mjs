// Browser tests of `otbill serve` in Debian's headless Chromium (playwright-core drives
// /usr/bin/chromium; no browser is downloaded). Run by e2e/run.sh, which starts the server
// (examples/e2e_server.rs) and sets BASE_URL, ERA_FILE, E2E_PASSWORD and SHOTS.
//
// Scenarios: a therapist signs in, enters a visit and sees its units and findings live,
// then signs the note and lists their visits (also those others entered under their
// provider); a biller uploads an 835 and sees the claim paid, then opens the
// denials worklist and the dashboard; an admin reads the audit log, then adds a payer on the
// practice settings page, corrects its name and deactivates it, and links a therapist user to
// a rendering provider on the users page; an admin creates a second practice and adds the
// biller, who switches to it and finds the first practice's claims gone (404). Each step saves a
// screenshot under SHOTS. Prints "N passed, N failed" and exits non-zero on a failure.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BASE = process.env.BASE_URL;
const ERA = process.env.ERA_FILE;
const PASSWORD = process.env.E2E_PASSWORD || "e2e-password-123";
const SHOTS = process.env.SHOTS || "target/test-output/screenshots";
if (!BASE || !ERA) {
  console.error("run.mjs: BASE_URL and ERA_FILE must be set (use e2e/run.sh)");
  process.exit(2);
}
if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(BASE)) {
  console.error(`run.mjs: refusing non-loopback BASE_URL ${BASE}`);
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), "otbill-e2e-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(15000);

let passed = 0;
let failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
    await page.screenshot({ path: join(SHOTS, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true }).catch(() => {});
  }
}
function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}
async function shot(name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}
async function signIn(user) {
  await page.goto(`${BASE}/login`);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  expect(!page.url().endsWith("/login"), `${user} could not sign in`);
}
async function signOut() {
  await Promise.all([page.waitForNavigation(), page.click("nav .logout button")]);
}

await step("anonymous visitors are sent to sign in", async () => {
  await page.goto(`${BASE}/claims`);
  expect(page.url().endsWith("/login"), `expected /login, got ${page.url()}`);
  await shot("00-sign-in.png");
});

await step("therapist enters a visit and sees units and findings live", async () => {
  await signIn("thera");
  expect(page.url().endsWith("/visits/new"), `therapist landed on ${page.url()}`);
  // A Medicare patient: the total-time rule of Pub. 100-04 Ch. 5 §20.2.
  const acct = await page.$eval('#patient option[data-profile="medicare"]', (o) => o.value);
  await page.selectOption("#patient", acct);
  await page.fill('input[name="code0"]', "97112");
  await page.fill('input[name="minutes0"]', "24");
  await page.fill('input[name="code1"]', "97110");
  await page.fill('input[name="minutes1"]', "23");
  await page.waitForSelector("#preview-units");
  await page.waitForFunction(() => /3 unit/.test(document.querySelector("#preview-units")?.textContent || ""));
  const units = await page.$$eval("#preview tr.line .units-cell", (tds) => tds.map((t) => t.textContent));
  expect(units.join(",") === "1,2", `units per line ${units}`);
  const findings = await page.$$eval("#preview .findings li", (li) => li.map((l) => l.textContent));
  expect(findings.length > 0, "no findings list");
  // 8 minutes of 97530 more: one more minute than a unit needs; the preview updates.
  await page.fill('input[name="code2"]', "97530");
  await page.fill('input[name="minutes2"]', "8");
  await page.waitForFunction(() => /55 min/.test(document.querySelector("#preview-units")?.textContent || ""));
  await shot("01-visit-preview.png");
});

await step("therapist signs the note and a claim is made or explained", async () => {
  await Promise.all([page.waitForNavigation(), page.click('#visit-form button[type="submit"]')]);
  const status = await page.textContent("#claim-status");
  expect(/Claim .* created|Blocked/.test(status || ""), `status: ${status}`);
  const lines = await page.$$("table tr td");
  expect(lines.length > 0, "no lines shown");
  await shot("02-visit-saved.png");
});

await step("therapist's visit list shows the visits under their provider, with who entered them", async () => {
  await page.goto(`${BASE}/visits`);
  // Column 3 is "Entered by": the visit just signed, and the demo's visits for the OT
  // `thera` is linked to, entered by someone else.
  const by = await page.$$eval("#visits tr td:nth-child(3)", (tds) => tds.map((t) => t.textContent));
  expect(by.includes("thera"), `the visit thera entered is not listed: ${by.slice(0, 5)}`);
  expect(by.some((b) => b !== "thera"), "no visit entered by another user under thera's provider");
  await shot("02b-visits-under-provider.png");
});

await step("therapist may not open the claims list", async () => {
  const res = await page.goto(`${BASE}/claims`);
  expect(res.status() === 403, `status ${res.status()}`);
  await signOut();
});

await step("biller sees the dashboard charts", async () => {
  await signIn("bill");
  expect(page.url().endsWith("/dashboard"), `biller landed on ${page.url()}`);
  for (const id of ["#ar-by-age", "#denials-by-reason", "#collected"]) {
    expect(await page.$(id), `missing ${id}`);
  }
  await shot("03-dashboard-before.png");
});

await step("biller uploads an 835 and sees the claim paid", async () => {
  await page.goto(`${BASE}/era`);
  await page.setInputFiles("#era-file", ERA);
  await page.waitForFunction(() => (document.querySelector("#era-content")?.value || "").startsWith("ISA"));
  await Promise.all([page.waitForNavigation(), page.click('#era-form button[type="submit"]')]);
  const posting = await page.textContent("#posting");
  expect(/posted/.test(posting) && /paid/.test(posting), `posting: ${posting}`);
  await shot("04-era-posted.png");
  await page.goto(`${BASE}/claims?status=paid`);
  const first = await page.$("#claims tr td a");
  expect(first, "no paid claim listed");
  await shot("05-claims-paid.png");
  await Promise.all([page.waitForNavigation(), first.click()]);
  const st = await page.textContent("#claim-status");
  expect(st === "paid", `claim status ${st}`);
  await shot("06-claim-paid.png");
});

await step("biller opens the denials worklist", async () => {
  await page.goto(`${BASE}/denials`);
  const rows = await page.$$("#denials tr");
  expect(rows.length >= 2, "no denial in the worklist");
  const text = await page.textContent("#denials");
  expect(/CO-50/.test(text), "the CO-50 denial is not listed");
  await shot("07-denials.png");
});

await step("biller records an appeal from the worklist and gets the letter", async () => {
  await page.goto(`${BASE}/denials`);
  const button = await page.$("button.act-appeal");
  expect(button, "no appeal button on the worklist");
  await Promise.all([page.waitForNavigation(), button.click()]);
  const flash = await page.textContent("#flash");
  expect(/Appeal of claim \d+ recorded/.test(flash), `flash: ${flash}`);
  const href = await page.getAttribute("#letter-link", "href");
  const res = await page.request.get(`${BASE}${href}`);
  expect(res.status() === 200, `letter: ${res.status()}`);
  expect((await res.body()).subarray(0, 4).toString() === "%PDF", "the letter is not a PDF");
  await shot("07b-denials-appealed.png");
  await page.goto(`${BASE}/dashboard`);
  await shot("08-dashboard-after.png");
});

await step("biller opens a patient page with the KX bar", async () => {
  await page.goto(`${BASE}/patients`);
  // A Medicare patient (payer 01112 in the demo practice), whose KX bar has amounts.
  const link = (await page.$("table tr:has(td:text-is('01112')) td a")) || (await page.$("table tr td a"));
  await Promise.all([page.waitForNavigation(), link.click()]);
  expect(await page.$("#kx"), "no KX bar");
  await shot("09-patient.png");
  await signOut();
});

await step("biller changes a patient's primary coverage, a refused form shows the error", async () => {
  await signIn("bill");
  await page.goto(`${BASE}/patients`);
  const link = await page.$("table tr td a");
  await Promise.all([page.waitForNavigation(), link.click()]);
  const change = await page.$('a.coverage-link[href$="/coverages/1"]');
  expect(change, "no link to change the primary coverage");
  await Promise.all([page.waitForNavigation(), change.click()]);
  expect(await page.$("#coverage-form"), "no coverage form");
  await page.fill('#coverage-form input[name="member_id"]', " ");
  await page.$eval('#coverage-form input[name="member_id"]', (e) => e.removeAttribute("required"));
  await Promise.all([page.waitForNavigation(), page.click('#coverage-form button[type="submit"]')]);
  const err = await page.textContent("#coverage-error");
  expect(/coverage\.member_id/.test(err), `no field in the error: ${err}`);
  await page.fill('#coverage-form input[name="member_id"]', "W7654321");
  await Promise.all([page.waitForNavigation(), page.click('#coverage-form button[type="submit"]')]);
  expect(await page.$("#coverage-saved"), "the coverage was not saved");
  await shot("09b-coverage.png");
  await signOut();
});

await step("admin reads the audit log", async () => {
  await signIn("root");
  await page.goto(`${BASE}/admin/audit`);
  const text = await page.textContent("#audit");
  expect(/bill/.test(text) && /thera/.test(text) && /patient/.test(text), "audit log misses the session's reads");
  await shot("10-audit.png");
  const res = await page.goto(`${BASE}/patients`);
  expect(res.status() === 403, `admin reading patients: ${res.status()}`);
});

await step("admin adds a payer on the practice settings page and sees it listed", async () => {
  // Still signed in as root from the audit step.
  await page.goto(`${BASE}/admin`);
  await Promise.all([page.waitForNavigation(), page.click('nav a[href="/admin/practice"]')]);
  expect(await page.$("#practice-table"), "the demo practice is not shown");
  expect(/01112/.test(await page.textContent("#payer-list")), "the demo payers are not listed");
  await page.fill('#payer-form input[name="payer_id"]', "87726");
  await page.fill('#payer-form input[name="name"]', "UNITEDHEALTHCARE");
  await page.selectOption('#payer-form select[name="profile"]', "commercial");
  await page.fill('#payer-form input[name="filing_indicator"]', "CI");
  await Promise.all([page.waitForNavigation(), page.click('#payer-form button[type="submit"]')]);
  const flash = await page.textContent("#flash");
  expect(/Payer added/.test(flash), `flash: ${flash}`);
  const row = await page.$("#payer-list tr:has(td:text-is('87726'))");
  expect(row, "the new payer is not listed");
  expect(/UNITEDHEALTHCARE/.test(await row.textContent()), "the new payer's name is not shown");
  await shot("11-practice-settings.png");
  // A second time is refused next to the form, and nothing is added.
  await page.fill('#payer-form input[name="payer_id"]', "87726");
  await page.fill('#payer-form input[name="name"]', "UNITEDHEALTHCARE");
  await page.fill('#payer-form input[name="filing_indicator"]', "CI");
  await Promise.all([page.waitForNavigation(), page.click('#payer-form button[type="submit"]')]);
  const error = await page.textContent("#payer-form #payer-error");
  expect(/payer id is on file/.test(error), `error: ${error}`);
  const rows = await page.$$("#payer-list tr:has(td:text-is('87726'))");
  expect(rows.length === 1, `the payer is listed ${rows.length} times`);
  await shot("12-practice-settings-refused.png");
});

await step("admin corrects a payer's name and deactivates it on the practice settings page", async () => {
  // Still signed in as root; the payer 87726 was added by the step before.
  await page.goto(`${BASE}/admin/practice`);
  const row = "#payer-list tr:has(td:text-is('87726'))";
  await Promise.all([page.waitForNavigation(), page.click(`${row} a.edit`)]);
  expect(/\/admin\/practice\/payers\/\d+$/.test(page.url()), `edit page: ${page.url()}`);
  expect((await page.inputValue('#payer-form input[name="name"]')) === "UNITEDHEALTHCARE", "the edit form is not filled");
  await page.fill('#payer-form input[name="name"]', "UNITED HEALTHCARE OREGON");
  await Promise.all([page.waitForNavigation(), page.click('#payer-form button[type="submit"]')]);
  const flash = await page.textContent("#flash");
  expect(/Payer saved/.test(flash), `flash: ${flash}`);
  expect(/UNITED HEALTHCARE OREGON/.test(await page.textContent(row)), "the corrected name is not shown");
  expect(/\bactive\b/.test(await page.textContent(`${row} td.active`)), "the payer is not shown active");
  await shot("13-practice-payer-edited.png");
  await Promise.all([page.waitForNavigation(), page.click(`${row} button.deactivate`)]);
  expect(/Payer deactivated/.test(await page.textContent("#flash")), "no deactivation flash");
  expect(/inactive/.test(await page.textContent(`${row} td.inactive`)), "the payer is not marked inactive");
  expect(await page.$(`${row} button.reactivate`), "no reactivate button on the inactive payer");
  await shot("14-practice-payer-inactive.png");
});

await step("admin links a therapist to a rendering provider on the users page and sees it", async () => {
  // Still signed in as root. `thera2` starts unlinked; the demo's CHEN is free.
  await page.goto(`${BASE}/admin`);
  const row = '#users tr[data-user="thera2"]';
  expect(/none/.test(await page.textContent(row)), "thera2 is shown linked already");
  const npi = await page.$eval(`${row} select[name="provider_npi"]`, (s) =>
    [...s.options].find((o) => /CHEN/.test(o.textContent))?.value || "");
  expect(/^\d{10}$/.test(npi), `no CHEN option: ${npi}`);
  await page.selectOption(`${row} select[name="provider_npi"]`, npi);
  await Promise.all([page.waitForNavigation(), page.click(`${row} button`)]);
  const shown = await page.textContent(`${row} .linked`);
  expect(shown.includes("CHEN") && shown.includes(npi), `linked: ${shown}`);
  expect((await page.inputValue(`${row} select[name="provider_npi"]`)) === npi, "the form does not show the link");
  await shot("15-user-linked-provider.png");
});

await step("biller pages the claims sorted by balance and finds a patient by member id", async () => {
  await signIn("bill");
  await page.goto(`${BASE}/claims?sort=balance&per_page=10`);
  const balances = async () => page.$$eval("#claims td.balance", (tds) => tds.map((t) => Number(t.textContent.replace(/[$,]/g, ""))));
  const first = await balances();
  expect(first.length === 10, `rows on page 1: ${first.length}`);
  expect(first.every((b, i) => i === 0 || first[i - 1] >= b), `not sorted by balance: ${first}`);
  const names = await page.$$eval("#claims tr td:nth-child(5) a", (a) => a.map((x) => x.textContent));
  expect(names.every((n) => /^[A-Z]+, [A-Z]+$/.test(n)), `patient names: ${names.slice(0, 3)}`);
  await shot("15a-claims-by-balance.png");
  await Promise.all([page.waitForNavigation(), page.click("#pager #next")]);
  expect(/page 2 of/.test(await page.textContent("#pager")), "no second page");
  const second = await balances();
  expect(second.length > 0 && second[0] <= first[first.length - 1], `page 2 starts above page 1's end: ${second[0]}`);
  // The member id on a patient's page finds that patient.
  await page.goto(`${BASE}/patients`);
  await Promise.all([page.waitForNavigation(), page.click("#patients tr:nth-child(2) td a")]);
  const url = page.url();
  const member = (await page.textContent("main table tr:nth-child(2) td:nth-child(3)")).trim();
  await page.goto(`${BASE}/patients`);
  await page.fill('#patient-search input[name="q"]', member.toLowerCase());
  await Promise.all([page.waitForNavigation(), page.click("#patient-search button")]);
  const hits = await page.$$eval("#patients tr td a", (a) => a.map((x) => x.href));
  expect(hits.length === 1 && hits[0] === url, `search by member id: ${hits}`);
  expect(/member id/.test(await page.textContent("#patients")), "the match is not explained");
  await shot("15a-patient-search.png");
  await page.goto(url);
  const visits = await page.$$("#patient-visits tr");
  expect(visits.length > 1, "no visits on the patient page");
  await signOut();
  await signIn("root");
});

await step("biller takes a check at the desk, sees it on the patient's account and gets the receipt", async () => {
  await signIn("bill");
  await page.goto(`${BASE}/patients`);
  await Promise.all([page.waitForNavigation(), page.click("#patients tr:nth-child(3) td a")]);
  const before = await page.textContent("#patient-balance");
  await page.fill('#payment-form input[name="amount"]', "15.00");
  await page.selectOption('#payment-form select[name="method"]', "check");
  await page.fill('#payment-form input[name="reference"]', "1042");
  await Promise.all([page.waitForNavigation(), page.click('#payment-form button[type="submit"]')]);
  expect(/Payment \d+ recorded/.test(await page.textContent("#payment-status")), "no payment status");
  const rows = await page.$$eval("#payments tr td:nth-child(2)", (t) => t.map((x) => x.textContent));
  expect(rows.includes("$15.00"), `payments: ${rows}`);
  expect(/PatientPayment/.test(await page.textContent("#account-ledger")) || /\$15\.00/.test(await page.textContent("#account-balances")), "the payment is not on the account");
  await shot("15b-account-payment.png");
  const href = await page.$eval("#payments a", (a) => a.getAttribute("href"));
  const pdf = await page.request.get(`${BASE}${href}`);
  expect(pdf.status() === 200 && (pdf.headers()["content-type"] || "").includes("application/pdf"), `receipt: ${pdf.status()}`);
  expect(before !== null, "no patient balance shown");
  await signOut();
  await signIn("root");
});

await step("admin edits a payer's billing rules; a therapist sees the changed units and the patient's share", async () => {
  // Still signed in as root: Medicare (01112) moves to the CPT per-code rule from today.
  await page.goto(`${BASE}/admin/practice`);
  await Promise.all([page.waitForNavigation(), page.click("#payer-list tr:has(td:text-is('01112')) a.rules-link")]);
  expect(await page.$("#rules-defaults"), "a payer without rules does not start from its profile's defaults");
  expect((await page.inputValue('#rules-form select[name="unit_method"]')) === "medicare_total_time", "Medicare's default unit method");
  await page.selectOption('#rules-form select[name="unit_method"]', "cpt_midpoint");
  // A contradiction is refused with the field named.
  await page.fill('#rules-form input[name="visit_limit"]', "20");
  await page.fill('#rules-form input[name="visit_reset"]', "02-30");
  await Promise.all([page.waitForNavigation(), page.click('#rules-form button[type="submit"]')]);
  expect(/visit_limit\.reset/.test(await page.textContent("#rules-status")), `refusal: ${await page.textContent("#rules-status")}`);
  await page.fill('#rules-form input[name="visit_limit"]', "");
  await page.fill('#rules-form input[name="note"]', "new contract");
  await Promise.all([page.waitForNavigation(), page.click('#rules-form button[type="submit"]')]);
  expect(/saved/.test(await page.textContent("#rules-status")), "the rule set was not saved");
  expect(/root/.test(await page.textContent("#rules-history")), "the history does not say who");
  await shot("15b-payer-rules.png");
  await signOut();

  // The therapist's Medicare patient; the biller posts a 271 for their member id.
  await signIn("thera");
  const acct = await page.$eval('#patient option[data-profile="medicare"]', (o) => o.value);
  await signOut();
  await signIn("bill");
  await page.goto(`${BASE}/patients`);
  await Promise.all([page.waitForNavigation(), page.click(`main tr:has(td:text-is('${acct}')) a`)]);
  const patientUrl = page.url();
  const member = (await page.textContent("main table tr:nth-child(2) td:nth-child(3)")).trim();
  const segs = ["ST*271*0001*005010X279A1", "BHT*0022*11*1*20261203*0900", "HL*1**20*1", "NM1*PR*2*MEDICARE*****PI*01112",
    "HL*2*1*21*1", "NM1*1P*2*CLINIC*****XX*1234567893", "HL*3*2*22*0", `NM1*IL*1*X*Y****MI*${member}`,
    "EB*1*IND*30", "EB*C*IND*30***29*30", "EB*A*IND*AD*****.2", "EB*F*IND*AD***23***VS*20", "EB*F*IND*AD***29***VS*11"];
  const x12 = "ISA*00*          *00*          *ZZ*CH             *ZZ*US             *261203*0900*^*00501*000000031*0*T*:~" +
    "GS*HB*CH*US*20261203*0900*31*X*005010X279A1~" + segs.join("~") + `~SE*${segs.length + 1}*0001~GE*1*31~IEA*1*000000031~`;
  await page.goto(`${BASE}/eligibility`);
  await page.fill("#era-content", x12);
  await Promise.all([page.waitForNavigation(), page.click('#elig-form button[type="submit"]')]);
  expect(/1 response\(s\) stored/.test(await page.textContent("#elig-status")), `posted: ${await page.textContent("#elig-status")}`);
  await page.goto(patientUrl);
  expect(/11 of 20/.test(await page.textContent("#benefits-visits")), "visits left are not shown");
  expect(await page.$("#benefits-estimate"), "no share estimate on the patient page");
  await shot("15c-patient-benefits.png");
  await signOut();

  await signIn("thera");
  await page.selectOption("#patient", acct);
  for (const [i, code] of ["97110", "97530", "97535"].entries()) {
    await page.fill(`input[name="code${i}"]`, code);
    await page.fill(`input[name="minutes${i}"]`, "10");
  }
  // Three codes of 10 minutes: 2 units by the total-time rule, 3 by the CPT rule now in force.
  await page.waitForFunction(() => {
    const u = [...document.querySelectorAll("#preview tr.line .units-cell")].map((t) => Number(t.textContent));
    return u.length === 3 && u.reduce((a, b) => a + b, 0) === 3;
  });
  const share = await page.textContent("#estimate-share");
  expect(/Estimated patient share: \$\d+\.\d\d/.test(share), `estimate: ${share}`);
  expect(/payer rule set/.test(await page.textContent("#estimate-rules")), "the rule set applied is not named");
  await shot("15d-visit-estimate.png");
  await signOut();
  await signIn("root");
});

await step("admin creates a practice and adds the biller; the biller switches and sees only that practice's records", async () => {
  // Still signed in as root (admin of the demo practice).
  await page.goto(`${BASE}/admin`);
  await page.fill('#new-practice input[name="code"]', "lakeside");
  await page.fill('#new-practice input[name="name"]', "Lakeside OT");
  await Promise.all([page.waitForNavigation(), page.click('#new-practice button')]);
  // root now belongs to two practices: the navigation offers the switch.
  const options = await page.$$eval('nav #practice select option', (o) => o.map((x) => x.textContent));
  expect(options.includes("Lakeside OT") && options.length === 2, `practices: ${options}`);
  await page.selectOption('nav #practice select', { label: "Lakeside OT" });
  await Promise.all([page.waitForNavigation(), page.click('nav #practice button')]);
  await page.goto(`${BASE}/admin`);
  expect(!(await page.$('#users tr[data-user="bill"]')), "the demo practice's users are listed in the new one");
  await page.fill('#add-member input[name="username"]', "bill");
  await page.selectOption('#add-member select[name="role"]', "biller");
  await Promise.all([page.waitForNavigation(), page.click('#add-member button')]);
  expect(await page.$('#users tr[data-user="bill"]'), "bill is not a member of the new practice");
  await shot("16-new-practice-members.png");
  await signOut();

  await signIn("bill");
  await page.goto(`${BASE}/claims`);
  const mainClaims = await page.$$eval('main a[href^="/claims/"]', (a) => a.map((x) => x.getAttribute("href")));
  expect(mainClaims.length > 0, "the demo practice shows no claims");
  const one = mainClaims[0];
  await page.selectOption('nav #practice select', { label: "Lakeside OT" });
  await Promise.all([page.waitForNavigation(), page.click('nav #practice button')]);
  expect(/Lakeside OT/.test(await page.textContent("nav #practice")), "the switch is not shown");
  await page.goto(`${BASE}/claims`);
  const here = await page.$$eval('main a[href^="/claims/"]', (a) => a.length);
  expect(here === 0, `the new practice lists ${here} claims of another`);
  await shot("17-switched-practice-claims.png");
  const res = await page.goto(`${BASE}${one}`);
  expect(res.status() === 404, `another practice's claim: ${res.status()}`);
  await shot("18-other-practice-claim-404.png");
  // Back in the demo practice the same claim opens.
  await page.goto(`${BASE}/claims`);
  await page.selectOption('nav #practice select', { index: 0 });
  await Promise.all([page.waitForNavigation(), page.click('nav #practice button')]);
  const back = await page.goto(`${BASE}${one}`);
  expect(back.status() === 200, `own claim after switching back: ${back.status()}`);
});

await context.close();
rmSync(profile, { recursive: true, force: true });
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
