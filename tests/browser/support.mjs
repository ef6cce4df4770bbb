// Shared helpers of the browser tests: Debian's chromium through playwright-core (never a
// downloaded browser), login through the IdP's real form, screenshots, axe-core checks.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const BASE_URL = process.env.GIP_CONSOLE_BASE_URL ?? "http://127.0.0.1:8000";
export const OUT_DIR = process.env.GIP_BROWSER_OUTPUT ?? "test-output/browser";
mkdirSync(OUT_DIR, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR", timezoneId: "Europe/Paris" });
  context.setDefaultTimeout(20_000);
  return context.newPage();
}

/** Goes to `url`, which may redirect several times (console → login → IdP): only the final
 * page matters, so an intermediate navigation being replaced is not an error. */
export async function visit(page, url) {
  try {
    return await page.goto(url, { waitUntil: "commit" });
  } catch (error) {
    if (!/interrupted by another navigation/.test(String(error))) throw error;
    return null;
  }
}

export async function logIn(page, username, password = username) {
  await visit(page, `${BASE_URL}/console/`);
  await page.waitForSelector("#username");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(/\/console\//), page.click("#kc-login")]);
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT_DIR, `${name}.png`), fullPage: true });
}

/** axe-core on the current page; returns the serious and critical violations. */
export async function seriousViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

// ---------------------------------------------------------------------------------------------
// Preparing the platform through its public API, as the GIP administrator would: the e2e
// platform starts without demo data.

export const IDP_URL = process.env.GIP_IDP_URL ?? "http://127.0.0.1:8080";
export const NOTES = "notes-synthese"; // the option reports asks billing about

/** The current date in Paris, as the services count days (YYYY-MM-DD). */
export function parisToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
}

/** A token of the dev realm's `gip-ops` client (gip-admin, client credentials). */
export async function opsToken() {
  const response = await fetch(`${IDP_URL}/realms/gip/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials", client_id: "gip-ops", client_secret: "gip-ops-secret",
    }),
  });
  if (!response.ok) throw new Error(`gip-ops token: ${response.status} ${await response.text()}`);
  return (await response.json()).access_token;
}

/** Calls the gateway's API; `ok` lists the statuses that are not an error. */
export async function api(token, method, path, { json, ok = [200, 201] } = {}) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      ...(json === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  if (!ok.includes(response.status)) {
    throw new Error(`${method} ${path} → ${response.status}: ${(await response.text()).slice(0, 800)}`);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** What the member administrator `hds-admin` needs to subscribe to the synthesis notes: its
 * member in tenants (the dev realm's organisation `hauts-de-seine`), this year's budget year
 * and the notes option in its catalogue. Each is made only when missing, so this also runs
 * against a platform holding demo data. */
export async function prepareNotesOffer({ member = "hauts-de-seine" } = {}) {
  const token = await opsToken();
  const year = Number(parisToday().slice(0, 4));
  const found = await api(token, "GET", `/api/v1/members/${member}`, { ok: [200, 404] });
  if (found.status === 404) {
    await api(token, "POST", "/api/v1/members", {
      json: {
        slug: member, name: "Département des Hauts-de-Seine", kind: "departement",
        siren: "229200506", joined_on: `${year}-01-01`,
      },
      ok: [201, 409],
    });
  }
  const budget = await api(token, "GET", `/api/v1/budget-years/${year}`, { ok: [200, 404] });
  if (budget.status === 404) {
    await api(token, "POST", "/api/v1/budget-years", {
      json: { year, label: `Exercice ${year}` }, ok: [201, 409],
    });
  }
  const catalogue = await api(token, "GET", `/api/v1/budget-years/${year}/prestations`);
  if (!catalogue.body.some((p) => p.code === NOTES)) {
    await api(token, "POST", `/api/v1/budget-years/${year}/prestations`, {
      json: {
        code: NOTES, label: "Notes de synthèse trimestrielles", kind: "option", cost_cents: 0,
        key: "fixed_price", unit_price_cents: 300_000, vat_rate_bp: 2000,
        colleges: ["cdc", "collectivites", "state"],
      },
      ok: [201, 409],
    });
  }
  return { year, member };
}

// ---------------------------------------------------------------------------------------------
// The GIP administrator's scenario: fresh names, so that it coexists with other tests' data.

const UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";

/** A valid UAI (7 digits, then the key letter: number mod 23). */
export function uai(digits) {
  const seven = String(digits).padStart(7, "0").slice(-7);
  return seven + UAI_LETTERS[Number(seven) % 23];
}

/** A valid SIREN (8 digits, then the Luhn key). */
export function siren(eight) {
  const digits = String(eight).padStart(8, "0").slice(-8);
  for (let key = 0; key < 10; key++) {
    const candidate = digits + key;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let d = Number(candidate[8 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error("unreachable");
}

/** A budget year of its own (far ahead, so no other test computes it) with the common
 * measurement service in its catalogue, shared by pupils; and fresh names for a member, its
 * project and its establishments. */
export async function prepareAllocationYear() {
  const token = await opsToken();
  const stamp = Date.now();
  const suffix = stamp.toString(36);
  const year = 2060 + (stamp % 40);
  const schoolYear = `${year - 1}-${year}`;
  const budget = await api(token, "GET", `/api/v1/budget-years/${year}`, { ok: [200, 404] });
  if (budget.status === 404) {
    await api(token, "POST", "/api/v1/budget-years", {
      json: { year, label: `Exercice ${year}`, school_year: schoolYear }, ok: [201, 409],
    });
  }
  const catalogue = await api(token, "GET", `/api/v1/budget-years/${year}/prestations`);
  if (!catalogue.body.some((p) => p.code === "mesure")) {
    await api(token, "POST", `/api/v1/budget-years/${year}/prestations`, {
      json: {
        code: "mesure", label: "Service commun de mesure", kind: "base", cost_cents: 30_000_000,
        key: "students", colleges: ["cdc", "collectivites", "state"],
      },
      ok: [201, 409],
    });
  }
  const base = stamp % 9_000_000;
  return {
    token, year, schoolYear, suffix,
    member: `e2e-${suffix}`,
    project: `ent-${suffix}`,
    siren: siren(stamp % 100_000_000),
    uais: [uai(base + 1_000_000), uai(base + 1_000_001)],
  };
}

/** The fresh member's ENT project (a free site id is looked for). */
export async function createProject(token, { project, member, suffix }) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const site = String(100000 + Math.floor(Math.random() * 899999));
    const made = await api(token, "POST", "/api/v1/projects", {
      json: { slug: project, name: `ENT du test ${suffix}`, vendor: "Test", site_id: site, responsible: member },
      ok: [201, 409],
    });
    if (made.status === 201) return made.body;
  }
  throw new Error("no free site id found");
}
