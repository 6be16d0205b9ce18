import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../tools/testdc/server.ts";
import { unlabelledControls } from "./accessibility.ts";
import { type Browser, openBrowser } from "./browser.ts";
import { ADMIN, buildWebUi, type RunningSystem, removeDir, startSystem } from "./system.ts";

/**
 * Logging in to Telegram from the web UI with a phone number, against the real system (`npm
 * start`) whose logins go to the local test DC (TG_TEST_DC + TG_TEST_DC_PUBLIC_KEY): the phone,
 * the code read from the DC's control API, a wrong 2FA password, the right one, the worker turning
 * authorized as the account, and a message from that account's chats arriving as an alert.
 */

const PHONE = "+15550001";
const OLGA = { id: 4_200_001, username: "olga", firstName: "Olga" };
const PASSWORD_2FA = "e2e correct horse 2fa";
const WRONG_PASSWORD = "e2e not the password";
const HINT = "horse and battery";
const NEWS = { id: 1700000001, title: "Market News", type: "channel" as const, username: "marketnews" };

let workDir: string;
let dc: TestDc;
let system: RunningSystem;
let browser: Browser;
let page: Page;
let codeSent = "";

const mainWorkerStatus = () => page.locator("main [data-testid=worker-status]").first();
const activeId = () => page.evaluate(() => document.activeElement?.id ?? "");

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}\n--- system output ---\n${system.output().slice(-4000)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function go(linkName: string, heading: string): Promise<void> {
  const nav = page.getByRole("navigation", { name: "Main" });
  if (!(await nav.isVisible())) await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: linkName, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

/** Presses Tab until the element with `id` has focus; fails after `max` presses. */
async function tabTo(id: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await activeId()) === id) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`#${id} was not reachable with Tab`);
}

/** The login code the DC sent, read from its control API as a tester would. */
async function loginCode(phone: string): Promise<string> {
  const res = await fetch(
    `http://127.0.0.1:${dc.controlPort}/login-codes?phone=${encodeURIComponent(phone)}`,
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { code: string }).code;
}

beforeAll(async () => {
  buildWebUi();
  workDir = mkdtempSync(path.join(os.tmpdir(), "tgsentinel-e2e-login-"));
  dc = await startTestDc({ accounts: [{ phone: PHONE, user: OLGA, password: PASSWORD_2FA, hint: HINT }] });
  const keyFile = path.join(workDir, "testdc-public.pem");
  writeFileSync(keyFile, dc.publicKeyPem);
  // startSystem hands its own environment to `npm start`.
  process.env.TG_TEST_DC = `127.0.0.1:${dc.port}`;
  process.env.TG_TEST_DC_PUBLIC_KEY = keyFile;
  system = await startSystem({ dataDir: path.join(workDir, "data") });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await dc?.stop();
  delete process.env.TG_TEST_DC;
  delete process.env.TG_TEST_DC_PUBLIC_KEY;
  if (workDir) removeDir(workDir);
});

describe("logging in to Telegram with a phone number in the web UI", () => {
  it("signs in to the UI and offers the phone login next to the upload", async () => {
    await page.goto(`${system.baseUrl}/`);
    await page.getByLabel("Username").fill(ADMIN.username);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await go("Telegram session", "Telegram session");
    await page.getByRole("heading", { level: 2, name: "Log in with your phone number" }).waitFor();
    await eventually(
      async () => (await mainWorkerStatus().textContent())?.trim() === "No session imported",
      '"No session imported"',
    );
    expect(await unlabelledControls(page)).toEqual([]);
    await browser.screenshot("telegram-login-phone");
  });

  it("refuses a number without a country code next to the field", async () => {
    await page.locator("#main").focus();
    await tabTo("tg-login-phone");
    await page.keyboard.type("07700 900123");
    await page.keyboard.press("Enter");
    const field = page.locator("#tg-login-phone");
    await eventually(async () => (await field.getAttribute("aria-invalid")) === "true", "the field error");
    expect(await page.locator("#tg-login-phone-error").textContent()).toMatch(
      /^Start with \+ and the country code/,
    );
    await field.fill("");
  });

  it("enters the phone and the code Telegram sent, with the keyboard alone", async () => {
    await tabTo("tg-login-phone");
    await page.keyboard.type(PHONE);
    await page.keyboard.press("Enter");
    // Focus moves on to the code once Telegram has sent it.
    await eventually(async () => (await activeId()) === "tg-login-code", "focus on the code field", 70_000);
    const delivery = await page.getByTestId("tg-login-delivery").textContent();
    expect(delivery).toMatch(/^Telegram sent a code/);
    codeSent = await loginCode(PHONE);
    const hint = (await page.locator("#tg-login-code-hint").textContent())?.replace(/\s+/g, " ").trim();
    expect(hint).toMatch(new RegExp(`^${codeSent.length} digits\\. Expires in \\d+:\\d\\d\\.$`));
    expect(await unlabelledControls(page)).toEqual([]);
    await browser.screenshot("telegram-login-code");

    await page.keyboard.type(codeSent);
    await page.keyboard.press("Enter");
    await eventually(
      async () => (await activeId()) === "tg-login-password",
      "focus on the password field",
      70_000,
    );
    expect(await page.getByTestId("tg-login-hint").textContent()).toBe(`Hint: ${HINT}`);
    expect(await page.locator("#tg-login-password").getAttribute("type")).toBe("password");
  });

  it("says a wrong password is wrong with the attempts left, then logs in with the right one", async () => {
    await page.keyboard.type(WRONG_PASSWORD);
    await page.keyboard.press("Enter");
    const error = page.locator("#tg-login-password-error");
    await error.waitFor({ timeout: 70_000 });
    expect(await error.textContent()).toBe("That password is not right. 4 attempts left.");
    expect(await error.getAttribute("role")).toBe("alert");
    expect(await activeId()).toBe("tg-login-password");
    expect(await page.locator("#tg-login-password").inputValue()).toBe("");
    await browser.screenshot("telegram-login-password-wrong");

    await page.keyboard.type(PASSWORD_2FA);
    await page.keyboard.press("Enter");
    const done = page.getByTestId("tg-login-done");
    await done.waitFor({ timeout: 70_000 });
    expect((await done.textContent())?.replace(/\s+/g, " ")).toContain(
      "Logged in to Telegram as Olga (@olga).",
    );
    await eventually(
      async () => (await mainWorkerStatus().textContent())?.trim() === "Authorized as @olga",
      "the live status authorized as @olga",
      30_000,
    );
    expect((await done.getByTestId("worker-status").textContent())?.trim()).toBe("Authorized as @olga");
    await browser.screenshot("telegram-login-done");
    expect(browser.errors).toEqual([]);
  });

  it("warns on the next visit that a new login replaces the session, at 1280 and 390 px", async () => {
    await page.getByRole("button", { name: "Close" }).click();
    expect((await page.getByTestId("tg-login-replaces").textContent())?.replace(/\s+/g, " ")).toContain(
      "You are logged in as @olga. Logging in with a phone number replaces that session",
    );
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await unlabelledControls(page)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await browser.screenshot("telegram-login-390");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("shows a message of the account's chats as an alert when it matches a profile", async () => {
    const created = await page.context().request.post(`${system.baseUrl}/graphql`, {
      data: {
        query: "mutation($input: ProfileInput!) { createProfile(input: $input) { id } }",
        variables: {
          input: { name: "Markets", definition: { threshold: 1, keywords: [{ term: "rates", weight: 1 }] } },
        },
      },
    });
    expect(await created.json()).toMatchObject({ data: { createProfile: { id: expect.any(Number) } } });
    await go("Alerts", "Alerts");
    dc.pushMessage({ chat: NEWS, text: "Lunch menu for Friday" });
    dc.pushMessage({ chat: NEWS, text: "Rates are up 2% this morning" });
    const alert = page.locator("article", { hasText: "Rates are up 2%" });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.locator("mark").allTextContents()).toEqual(["Rates"]);
    expect(await page.locator("article", { hasText: "Lunch menu" }).count()).toBe(0);
    await browser.screenshot("telegram-login-alert");
    expect(browser.errors).toEqual([]);
  });

  it("never wrote the code or a password to the system's output or the audit log page", async () => {
    await go("Audit log", "Audit log");
    await page.getByText("submitTelegramLoginPassword").first().waitFor();
    const auditPage = (await page.locator("main").textContent()) ?? "";
    expect(auditPage).toContain("phone:+15••••01");
    const output = system.output();
    for (const secret of [codeSent, PASSWORD_2FA, WRONG_PASSWORD, PHONE]) {
      expect(secret.length).toBeGreaterThan(3);
      expect(output).not.toContain(secret);
      expect(auditPage).not.toContain(secret);
    }
  });
});
