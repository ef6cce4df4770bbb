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
