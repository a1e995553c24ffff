/**
 * A real headless Chromium (Debian's `chromium` package) driven by playwright-core, for the agent
 * console's tests. Each person gets a browser context of their own, so their sessionStorage, and
 * with it their sign-in, is separate, as in two people's browsers.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Identity } from '@caseroom/shared';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestHub, type TestHub } from './hub.js';

/** Where the built console is (the hub serves it at `/`). */
const consoleDist = resolve(import.meta.dirname, '../../console/dist');

export const chromiumPath = process.env.CASEROOM_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots of a run go: kept as test artifacts, never committed (see .gitignore). */
export const screenshotDir = resolve(import.meta.dirname, '../../test-artifacts/console');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: install Debian's chromium package (.ci/run does) or set CASEROOM_CHROMIUM`,
    );
  return chromium.launch({
    executablePath: chromiumPath,
    // This machine has no network beyond loopback: keep Chromium from trying to phone home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot of the whole page as test-artifacts/console/<name>.png. */
  screenshot(name: string): Promise<void>;
}

/** Opens the console at `url` in a fresh context of `browser`, sized like a laptop screen. */
export async function openConsole(browser: Browser, url: string): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  // A console error would otherwise pass unnoticed; surface it in the test output.
  page.on('pageerror', (err) => console.error(`[console page error] ${err.message}`));
  await page.goto(url);
  return {
    context,
    page,
    async screenshot(name) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
  };
}

/**
 * Signs in through the development login form as a person of the people fixtures (the hub makes up
 * their user id), with their department when they have one.
 */
export async function signIn(page: Page, who: Pick<Identity, 'name' | 'role' | 'team' | 'department'>): Promise<void> {
  await page.getByTestId('login-name').fill(who.name);
  await page.getByTestId('login-role').selectOption(who.role);
  await page.getByTestId('login-team').fill(who.team);
  if (who.department) await page.getByTestId('login-department').fill(who.department);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('who').waitFor();
}

/** What a console test file plays on: one hub with the development login and one Chromium for all its tests. */
export interface ConsoleStage {
  readonly hub: TestHub;
  readonly browser: Browser;
  /** the people opened in the file's tests: their contexts close after the last test */
  readonly consoles: Person[];
}

/**
 * Starts a hub (with the development login, and `env`) and Chromium before the file's tests, and
 * closes every person's context, the browser and the hub after them. The console must be built
 * (`npm test` builds it first).
 */
export function consoleStage(env: Record<string, string> = {}): ConsoleStage {
  let hub: TestHub | undefined;
  let browser: Browser | undefined;
  const consoles: Person[] = [];
  beforeAll(async () => {
    if (!existsSync(join(consoleDist, 'index.html')))
      throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true', ...env });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const person of consoles) await person.context.close();
    await browser?.close();
    await hub?.stop();
  });
  return {
    get hub() {
      if (!hub) throw new Error('the console stage is set up in beforeAll');
      return hub;
    },
    get browser() {
      if (!browser) throw new Error('the console stage is set up in beforeAll');
      return browser;
    },
    consoles,
  };
}
