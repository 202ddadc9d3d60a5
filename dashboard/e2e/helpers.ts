import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type APIRequestContext } from "@playwright/test";

type AxePage = ConstructorParameters<typeof AxeBuilder>[0]["page"];

export const OUTBOX_TOKEN = "e2e-outbox-token-123456";
let n = 0;

/** A fresh address per test user. */
export function email(tag: string) {
  return `${tag}-${Date.now()}-${n++}@example.com`;
}

/** Fails the test on any CSP violation or uncaught page error. */
export function watchConsole(page: Page) {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text()))
      problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  void page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(
        `Refused to apply: ${e.violatedDirective} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} sample=${e.sample}`,
      ),
    ),
  );
  return () => expect(problems, "console errors").toEqual([]);
}

/** Signs up through the page; lands on the projects screen. */
export async function signUp(page: Page, address = email("user"), name = "Ada Tester") {
  await page.goto("/register");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(address);
  await page.getByLabel("Password").fill("correct-horse-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  return address;
}

/** No serious or critical axe violation on the page as it is. */
export async function accessible(page: Page) {
  const result = await new AxeBuilder({ page: page as unknown as AxePage }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((x) => x.target.join(" ")).join(", ")}`)).toEqual(
    [],
  );
}

/** Screenshots at desktop and phone width (written under screenshots/, not committed). */
export async function shots(page: Page, name: string) {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.screenshot({ path: `screenshots/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `screenshots/${name}-phone.png`, fullPage: true });
  await accessible(page);
  await page.setViewportSize(size);
}

/** The newest mail sent to `to`, from the mock outbox. */
export async function lastMail(request: APIRequestContext, to: string, subject = /./) {
  for (let i = 0; i < 50; i++) {
    const res = await request.get(`/api/dev/outbox?to=${encodeURIComponent(to)}`, {
      headers: { "X-Mockbird-Outbox-Token": OUTBOX_TOKEN },
    });
    const mails = ((await res.json()) as { subject: string; text: string }[]).filter((m) =>
      subject.test(m.subject),
    );
    if (mails.length) return mails[mails.length - 1]!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to}`);
}

/** The first link into this server in a mail's text. */
export function linkIn(text: string) {
  const m = text.match(/https?:\/\/[^\s)]+/);
  if (!m) throw new Error(`no link in ${text}`);
  return new URL(m[0]).pathname + new URL(m[0]).search;
}

/** Creates a project through the page and opens it. */
export async function createProject(page: Page, name: string, isPublic = true) {
  await page.goto("/");
  await page.getByRole("button", { name: "New project" }).first().click();
  const form = page.getByRole("form", { name: "New project" });
  await form.getByLabel("Name").fill(name);
  if (!isPublic) await form.getByLabel(/Public/).uncheck();
  await form.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  return page.url().split("/projects/")[1]!.split("/")[0]!;
}

/** Creates a mock and its first response through the editor. */
export async function createMock(
  page: Page,
  projectId: string,
  method: string,
  path: string,
  body: string,
  status = 200,
) {
  await page.goto(`/projects/${projectId}/mocks/new`);
  await page.getByLabel("Method").selectOption(method);
  await page.getByLabel("Path").fill(path);
  await page.getByRole("button", { name: "Create mock" }).click();
  await expect(page.getByRole("heading", { name: `${method} ${path}` })).toBeVisible();
  await addResponse(page, { status, body, name: "ok", isDefault: true });
  return page.url().split("/mocks/")[1]!;
}

export async function addResponse(
  page: Page,
  r: {
    status: number;
    body: string;
    name: string;
    isDefault?: boolean;
    weight?: number;
    condition?: [string, string, string, string];
  },
) {
  await page.getByRole("button", { name: "Add response" }).click();
  const editor = page.getByRole("form", { name: "Response editor" });
  await editor.getByLabel("Status").fill(String(r.status));
  await editor.getByLabel("Response name").fill(r.name);
  if (r.weight !== undefined) await editor.getByLabel("Weight").fill(String(r.weight));
  const def = editor.getByRole("checkbox", { name: /Default/ });
  if (r.isDefault) await def.check();
  else await def.uncheck();
  const code = editor.getByRole("textbox", { name: "Response body" });
  await code.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  // CodeMirror closes brackets as one types; insert the text as a paste.
  await page.keyboard.insertText(r.body);
  if (r.condition) {
    await editor.getByRole("button", { name: "Add condition" }).click();
    await editor.getByLabel("Condition 1 type").selectOption(r.condition[0]);
    await editor.getByLabel("Condition 1 field").fill(r.condition[1]);
    await editor.getByLabel("Condition 1 operator").selectOption(r.condition[2]);
    await editor.getByLabel("Condition 1 value").fill(r.condition[3]);
  }
  await editor.getByRole("button", { name: "Save response" }).click();
  await expect(page.getByRole("cell", { name: r.name, exact: true })).toBeVisible();
}
