// The console in a real browser against the platform as `make up` starts it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  BASE_URL, NOTES, createProject, launch, newPage, logIn, prepareAllocationYear, prepareNotesOffer,
  shot, seriousViolations, visit,
} from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the GIP administrator sees the dashboard and the members page, both accessible", async () => {
  const page = await newPage(browser);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await logIn(page, "admin");
  await page.waitForSelector("h1:has-text('Tableau de bord')");
  assert.match(await page.textContent("header"), /Administrateur du GIP/);
  // The months' chart is drawn, its legend naming what a point is, and no script failed.
  const legend = page.locator("figure[data-axis='Mois'] .u-legend .u-series:first-child .u-label");
  assert.equal(await legend.textContent(), "Mois");
  assert.deepEqual(errors, []);
  await shot(page, "admin-dashboard");
  assert.deepEqual(await seriousViolations(page), []);
  await page.click("nav >> text=Membres");
  await page.waitForSelector("h1:has-text('Membres du GIP')");
  await shot(page, "admin-members");
  assert.deepEqual(await seriousViolations(page), []);
  await page.context().close();
});

for (const [user, org] of [["hds-admin", "hauts-de-seine"], ["hds-viewer", "hauts-de-seine"], ["idf-admin", "ile-de-france"]]) {
  test(`${user} sees its own organisation and cannot reach the GIP's pages`, async () => {
    const page = await newPage(browser);
    await logIn(page, user);
    await page.waitForSelector("h1:has-text('Tableau de bord')");
    assert.match(await page.textContent("header"), new RegExp(org));
    assert.equal(await page.locator("nav >> text=Membres").count(), 0);
    await shot(page, `${user}-dashboard`);
    const response = await page.goto(`${BASE_URL}/console/admin/members`);
    assert.equal(response.status(), 403);
    assert.match(await page.textContent("main"), /Accès refusé/);
    await page.context().close();
  });
}

test("dates typed into the dashboard are the period shown", async () => {
  const page = await newPage(browser);
  await logIn(page, "hds-viewer");
  await page.waitForSelector("h1:has-text('Tableau de bord')");
  await page.fill("#start", "2026-09-01");
  await page.fill("#end", "2026-11-15");
  assert.equal(await page.inputValue("#period"), "personnalisée");
  await Promise.all([page.waitForURL(/start=2026-09-01/), page.click("form.pickers button[type=submit]")]);
  assert.match(await page.textContent("p.period"), /^Du 01\/09\/2026 au 15\/11\/2026/);
  await page.context().close();
});

test("on a 390 px phone the dashboard fits the screen", async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await logIn(page, "hds-viewer");
  await page.waitForSelector("h1:has-text('Tableau de bord')");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await shot(page, "phone-dashboard");
  await page.context().close();
});

test("the keyboard reaches the content first, with a visible focus", async () => {
  const page = await newPage(browser);
  await logIn(page, "hds-admin");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(focused, "Aller au contenu");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
  await page.context().close();
});

test("logging out ends the IdP session too", async () => {
  const page = await newPage(browser);
  await logIn(page, "hds-admin");
  await page.click("text=Se déconnecter");
  // The IdP may ask to confirm (as Keycloak does); then it sends the browser back.
  const confirm = page.locator("#kc-logout");
  if (await confirm.count()) await confirm.click();
  await visit(page, `${BASE_URL}/console/`);
  await page.waitForSelector("#username"); // asked to log in again: no silent re-login
  await page.context().close();
});

const MEMBER_PAGES = [
  ["/console/subscriptions", "Abonnements", "Abonnements du Département des Hauts-de-Seine"],
  ["/console/invoices", "Factures", "Factures du Département des Hauts-de-Seine"],
  ["/console/notes", "Notes de synthèse", "Notes de synthèse du Département des Hauts-de-Seine"],
  ["/console/clients", "Clients d'API", "Clients d'API du Département des Hauts-de-Seine"],
  ["/console/users", "Utilisateurs", "Utilisateurs du Département des Hauts-de-Seine"],
];

/** Opens a page through the navigation, checks it with axe and saves its screenshot. */
async function openFromNav(page, label, heading, name) {
  await page.click(`nav >> text="${label}"`);
  await page.waitForSelector(`h1:has-text("${heading}")`);
  await shot(page, name);
  assert.deepEqual(await seriousViolations(page), [], `${name}: accessibility`);
}

test("the member administrator subscribes to the notes, generates one and downloads its PDF", async () => {
  await prepareNotesOffer();
  const page = await newPage(browser);
  await logIn(page, "hds-admin");
  await page.waitForSelector("h1:has-text('Tableau de bord')");

  // Abonnements: the notes option with its price, subscribed from today.
  await openFromNav(page, "Abonnements", "Abonnements du Département des Hauts-de-Seine", "hds-admin-subscriptions");
  assert.match(await page.textContent("main"), /Prix fixe de 3\s000,00\s€ HT par an/);
  const active = page.locator("tbody tr", { hasText: "Notes de synthèse" }).filter({ hasText: "En cours" });
  if ((await active.count()) === 0) {
    await page.selectOption("#prestation", NOTES);
    await Promise.all([page.waitForURL(/ok=subscribed/), page.click("button:has-text('Souscrire')")]);
    await page.waitForSelector(".success");
    assert.match(await page.textContent(".success"), /abonnement est enregistré/);
  }
  assert.ok((await active.count()) >= 1, "the notes subscription is listed as running");
  await shot(page, "hds-admin-subscribed");
  assert.deepEqual(await seriousViolations(page), []);

  // Notes de synthèse: the member over the quarter in progress (both preselected).
  await openFromNav(page, "Notes de synthèse", "Notes de synthèse du Département des Hauts-de-Seine", "hds-admin-notes");
  await Promise.all([
    page.waitForURL(/ok=(generated|existing)/, { timeout: 90_000 }),
    page.click("button:has-text('Générer la note')"),
  ]);
  await page.waitForSelector("tr.highlight");
  await shot(page, "hds-admin-note-generated");
  assert.deepEqual(await seriousViolations(page), []);
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 120_000 }),
    page.click("tr.highlight >> text=PDF"),
  ]);
  assert.match(download.suggestedFilename(), /\.pdf$/);
  const content = await readFile(await download.path());
  assert.equal(content.subarray(0, 5).toString("latin1"), "%PDF-");

  // The other pages of the member administrator: shown, accessible, saved.
  await openFromNav(page, "Factures", "Factures du Département des Hauts-de-Seine", "hds-admin-invoices");
  await openFromNav(page, "Utilisateurs", "Utilisateurs du Département des Hauts-de-Seine", "hds-admin-users");
  assert.match(await page.textContent("main"), /hds-admin/);
  await openFromNav(page, "Clients d'API", "Clients d'API du Département des Hauts-de-Seine", "hds-admin-clients");
  // Ma contribution: the year's allocation lines of its member, or why there are none yet.
  await openFromNav(page, "Ma contribution", "Contribution du Département des Hauts-de-Seine", "hds-admin-contribution");
  assert.ok(
    (await page.locator("table.contribution").count()) + (await page.locator("#aucune-repartition").count()) >= 1,
    "the lines, or a message saying there is no allocation yet",
  );
  await page.context().close();
});

test("the member administrator creates a partner client and copies its secret, shown once", async () => {
  await prepareNotesOffer();
  const page = await newPage(browser);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  await logIn(page, "hds-admin");
  await visit(page, `${BASE_URL}/console/clients`);
  await page.waitForSelector("h1:has-text(\"Clients d'API du Département des Hauts-de-Seine\")");
  await page.check("#kind-partner");
  await page.fill("#client-name", "Partenaire du test navigateur");
  const [created] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/console/clients") && r.request().method() === "POST"),
    page.click("button:has-text('Créer le client')"),
  ]);
  assert.equal(created.status(), 201);
  assert.equal(created.headers()["cache-control"], "no-store");
  const secret = await page.inputValue("#client-secret");
  assert.ok(secret.length >= 16, "a secret is shown");
  await page.click("button[data-copy]");
  await page.waitForFunction(() => document.querySelector("[data-copy-status]")?.textContent);
  const status = await page.textContent("[data-copy-status]");
  if (/copié/.test(status)) {
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  } else {
    // The visible fallback: the secret is selected for a manual copy.
    assert.equal(await page.evaluate(() => window.getSelection().toString() || document.activeElement.id), "client-secret");
  }
  await shot(page, "hds-admin-client-secret");
  assert.deepEqual(await seriousViolations(page), []);
  // Back on the list the secret is nowhere.
  await page.click("text=Retour aux clients d'API");
  await page.waitForSelector("h1:has-text(\"Clients d'API du Département des Hauts-de-Seine\")");
  assert.ok(!(await page.content()).includes(secret));
  await page.context().close();
});

test("the viewer reads the notes but reaches none of the administrator's pages", async () => {
  const page = await newPage(browser);
  await logIn(page, "hds-viewer");
  await page.waitForSelector("h1:has-text('Tableau de bord')");
  for (const [path, label] of MEMBER_PAGES) {
    if (path === "/console/notes") continue;
    assert.equal(await page.locator(`nav >> text="${label}"`).count(), 0, `${label} not offered`);
    const response = await page.goto(`${BASE_URL}${path}`);
    assert.equal(response.status(), 403, path);
    assert.match(await page.textContent("main"), /Accès refusé/);
  }
  await visit(page, `${BASE_URL}/console/`);
  await openFromNav(page, "Notes de synthèse", "Notes de synthèse du Département des Hauts-de-Seine", "hds-viewer-notes");
  assert.equal(await page.locator("button:has-text('Générer la note')").count(), 0);
  // Its member's contribution, read-only.
  await openFromNav(page, "Ma contribution", "Contribution du Département des Hauts-de-Seine", "hds-viewer-contribution");
  assert.equal(await page.locator("main form[method='post']").count(), 0);
  await page.context().close();
});

/** Checks the current page with axe and saves its screenshot. */
async function check(page, name) {
  await shot(page, name);
  assert.deepEqual(await seriousViolations(page), [], `${name}: accessibility`);
}

test("the GIP administrator imports establishments, computes, simulates, approves and issues the allocation", async () => {
  await prepareNotesOffer(); // a second member (hauts-de-seine), as a platform has
  const fresh = await prepareAllocationYear();
  const page = await newPage(browser);
  await logIn(page, "admin");
  await page.waitForSelector("h1:has-text('Tableau de bord')");

  // Membres: a new member; a wrong SIREN is named next to its field, then corrected.
  await page.click('nav >> text="Membres"');
  await page.waitForSelector("h1:has-text('Membres du GIP')");
  await page.click("text=Nouveau membre");
  await page.waitForSelector("h1:has-text('Nouveau membre')");
  await page.fill("#slug", fresh.member);
  await page.fill("#name", `Département du test ${fresh.suffix}`);
  await page.selectOption("#kind", "departement");
  await page.fill("#siren", "123456789");
  await page.click("button:has-text('Créer le membre')");
  await page.waitForSelector("#siren-error");
  assert.equal(await page.getAttribute("#siren", "aria-invalid"), "true");
  await check(page, "admin-member-siren-refused");
  await page.fill("#siren", fresh.siren);
  await Promise.all([page.waitForURL(/ok=created/), page.click("button:has-text('Créer le membre')")]);
  assert.match(await page.textContent("main"), new RegExp(fresh.member));
  await check(page, "admin-members");
  await createProject(fresh.token, fresh);

  // Import: two establishments with their pupils, one bad row (line 3), shown by line number.
  await page.click('nav >> text="Projets ENT"');
  await page.waitForSelector("h1:has-text('Projets ENT')");
  await check(page, "admin-projects");
  await page.click("text=Importer des établissements (CSV)");
  await page.waitForSelector("h1:has-text('Importer des établissements')");
  const [first, second] = fresh.uais;
  const csv = [
    "uai,name,type,commune,academie,pupils,teachers,staff",
    `${first},Collège du test ${fresh.suffix},college,Nanterre,Versailles,600,40,10`,
    `0000000X,Ligne fausse,college,Nanterre,Versailles,10,1,1`,
    `${second},Lycée du test ${fresh.suffix},lycee,Sceaux,Versailles,1200,90,20`,
  ].join("\n") + "\n";
  await page.setInputFiles("#file", { name: "etablissements.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.fill("#school_year", fresh.schoolYear);
  await page.click("button:has-text('Importer')");
  await page.waitForSelector("#rapport");
  assert.equal((await page.textContent('[data-count="rejected"]')).trim(), "1");
  assert.equal((await page.textContent('[data-count="created"]')).trim(), "2");
  const errorLine = page.locator("table.import-errors tbody tr").first();
  assert.equal((await errorLine.locator("th").textContent()).trim(), "3");
  await check(page, "admin-import");

  // The project: both establishments attached from the start of the school year.
  await visit(page, `${BASE_URL}/console/admin/projects/${fresh.project}`);
  await page.waitForSelector("h1:has-text('Projet ENT')");
  for (const code of fresh.uais) {
    await page.fill("#uai", code);
    await page.fill("#valid_from", `${fresh.year - 1}-09-01`);
    await Promise.all([page.waitForURL(/ok=attached/), page.click("button:has-text('Rattacher')")]);
  }
  assert.match(await page.textContent("main"), new RegExp(`Lycée du test ${fresh.suffix}`));
  await check(page, "admin-project");

  // Répartition: a draft for the year, computed in the background.
  await page.click('nav >> text="Répartition"');
  await page.waitForSelector("h1:has-text('Répartition des coûts')");
  await visit(page, `${BASE_URL}/console/admin/allocations?year=${fresh.year}`);
  await page.waitForSelector(`h1:has-text('Répartition des coûts ${fresh.year}')`);
  await check(page, "admin-allocations");
  await Promise.all([page.waitForURL(/ok=created/), page.click(`button:has-text('Calculer le projet ${fresh.year}')`)]);
  await page.waitForSelector('.run-status[data-status="draft"]', { timeout: 120_000 });
  const runUrl = page.url().split("?")[0];
  const table = await page.textContent("main");
  assert.match(table, new RegExp(`Département du test ${fresh.suffix}`));
  assert.match(table, /1\s800/); // its pupils, the key value of its line
  await check(page, "admin-allocation-draft");

  // What if the new member left: per-member differences.
  await page.click("text=Simuler un changement");
  await page.waitForSelector("h1:has-text('Et si')");
  await page.check("#change-leave");
  await page.selectOption("#member", fresh.member);
  await page.click("button:has-text('Simuler')");
  await page.waitForSelector("table.simulation");
  assert.ok((await page.locator("table.simulation tbody tr").count()) >= 1);
  await check(page, "admin-what-if");

  // Approve, then issue the contribution calls (each confirmed).
  await visit(page, runUrl);
  await page.click("text=Approuver…");
  await page.waitForSelector("button:has-text(\"Confirmer l'approbation\")");
  await check(page, "admin-approve-confirm");
  await Promise.all([page.waitForURL(/ok=approved/), page.click("button:has-text(\"Confirmer l'approbation\")")]);
  await page.waitForSelector('.run-status[data-status="approved"]');
  await page.click("text=Émettre les appels de contribution…");
  await page.click("button:has-text(\"Confirmer l'émission\")");
  await page.waitForSelector("h1:has-text('Appels de contribution')");
  assert.match(await page.textContent("main"), /appel\(s\) de contribution émis/);
  assert.match(await page.textContent("ul.issued, main"), /GIP-\d{4}-\d+/);
  await check(page, "admin-issued");

  // The new member's contribution: the approved run's lines, each explained.
  await visit(page, `${BASE_URL}/console/contribution?member=${fresh.member}&year=${fresh.year}`);
  await page.waitForSelector(`h1:has-text('Contribution du Département du test ${fresh.suffix}')`);
  assert.equal(await page.getAttribute(".run-status", "data-status"), "approved");
  const contribution = page.locator("table.contribution");
  assert.match(await contribution.textContent(), /1\s800/); // its pupils, the key value
  assert.match(await contribution.locator("tr.explanation").first().textContent(), /répartis selon les élèves couverts/);
  assert.ok((await contribution.locator("abbr[title]").count()) >= 1, "the exact fraction on hover");
  await check(page, "admin-contribution");

  // Catalogue: the year's prestations, from integer cents in French.
  await page.click('nav >> text="Catalogue"');
  await page.waitForSelector("h1:has-text('Catalogue')");
  await visit(page, `${BASE_URL}/console/admin/catalogue?year=${fresh.year}`);
  await page.waitForSelector(`h1:has-text('Catalogue ${fresh.year}')`);
  const mesure = page.locator("table.prestations tbody tr", { hasText: "mesure" });
  assert.match(await mesure.textContent(), /300\s000,00\s€/);
  await check(page, "admin-catalogue");

  // Factures et paiements: the new member's invoice, a payment typed French-style.
  await page.click('nav >> text="Factures et paiements"');
  await page.waitForSelector("h1:has-text('Factures et paiements')");
  await check(page, "admin-invoices");
  await visit(page, `${BASE_URL}/console/admin/invoices?year=${fresh.year}&member=${fresh.member}`);
  await page.click("table.invoices tbody tr th a");
  await page.waitForSelector("h1:has-text('Facture GIP-')");
  await page.fill("#amount", "12,34");
  await page.fill("#reference", `VIR-${fresh.suffix}`);
  await Promise.all([page.waitForURL(/ok=paid/), page.click("button:has-text('Enregistrer le paiement')")]);
  const payment = page.locator("table.payments tbody tr", { hasText: `VIR-${fresh.suffix}` });
  assert.match(await payment.textContent(), /12,34\s€/);
  await check(page, "admin-invoice-paid");

  // Données ouvertes: a week long closed (so no other test's week), published or already.
  await page.click('nav >> text="Données ouvertes"');
  await page.waitForSelector("h1:has-text('Données ouvertes')");
  await page.fill("#week", "2020-W10");
  await Promise.all([
    page.waitForURL(/ok=(published|already)/, { timeout: 120_000 }),
    page.click("button:has-text('Publier la semaine')"),
  ]);
  const release = page.locator('tr.highlight[data-week="2020-W10"]');
  assert.equal(await release.count(), 1);
  assert.match(await release.textContent(), /CSV/);
  await check(page, "admin-open-data");
  await page.context().close();
});

/** The page fits a 390 px screen: no horizontal scroll of the page itself (a wide table scrolls
 * inside its own box). Saves a screenshot `phone-<name>`. */
async function fitsPhone(page, url, heading, name) {
  await visit(page, url);
  await page.waitForSelector(`h1:has-text("${heading}")`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await shot(page, `phone-${name}`);
  assert.ok(width <= 390, `${name}: the page is ${width}px wide on a 390px screen`);
}

test("on a 390 px phone the main pages fit the screen, wide tables scroll in their own box", async () => {
  await prepareNotesOffer();
  const member = await newPage(browser, { width: 390, height: 844 });
  await logIn(member, "hds-admin");
  await member.waitForSelector("h1:has-text('Tableau de bord')");
  for (const [path, heading, name] of [
    ["/console/subscriptions", "Abonnements du Département des Hauts-de-Seine", "hds-admin-subscriptions"],
    ["/console/invoices", "Factures du Département des Hauts-de-Seine", "hds-admin-invoices"],
    ["/console/notes", "Notes de synthèse du Département des Hauts-de-Seine", "hds-admin-notes"],
    ["/console/clients", "Clients d'API du Département des Hauts-de-Seine", "hds-admin-clients"],
    ["/console/contribution", "Contribution du Département des Hauts-de-Seine", "hds-admin-contribution"],
  ]) {
    await fitsPhone(member, `${BASE_URL}${path}`, heading, name);
  }
  await member.context().close();

  const admin = await newPage(browser, { width: 390, height: 844 });
  await logIn(admin, "admin");
  await admin.waitForSelector("h1:has-text('Tableau de bord')");
  await fitsPhone(admin, `${BASE_URL}/console/admin/members`, "Membres du GIP", "admin-members");
  await fitsPhone(admin, `${BASE_URL}/console/admin/allocations`, "Répartition des coûts", "admin-allocations");
  // A run with its wide table by college and member: the latest year's (the scenario above
  // computed one far ahead), when there is one.
  const latest = await admin.locator("#year-picker option").last().getAttribute("value");
  await fitsPhone(admin, `${BASE_URL}/console/admin/allocations?year=${latest}`, "Répartition des coûts", "admin-allocations-latest");
  const run = admin.locator('main a[href^="/console/admin/allocations/"]').first();
  if (await run.count()) {
    await fitsPhone(admin, `${BASE_URL}${await run.getAttribute("href")}`, "Répartition", "admin-allocation");
  }
  await admin.context().close();
});
