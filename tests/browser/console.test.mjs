// The console in a real browser against the platform as `make up` starts it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, launch, newPage, logIn, shot, seriousViolations, visit } from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the GIP administrator sees the dashboard and the members page, both accessible", async () => {
  const page = await newPage(browser);
  await logIn(page, "admin");
  await page.waitForSelector("h1:has-text('Tableau de bord')");
  assert.match(await page.textContent("header"), /Administrateur du GIP/);
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
