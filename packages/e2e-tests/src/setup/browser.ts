/**
 * Launches the machine's Chromium (Debian's package) headless through playwright-core;
 * no browser is ever downloaded. Screenshots go to .test-output/screenshots.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { outputDir } from './demo';

export const screenshotDir = join(outputDir, 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Signs in with the guest provider when Backstage shows its sign-in page. */
export async function signInAsGuest(page: Page): Promise<void> {
  const enter = page.getByRole('button', { name: 'Enter' });
  // The sidebar's nav element has no box of its own; its Catalog link does.
  const sidebar = page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Catalog', exact: true });
  // Either the sign-in page or the app (already signed in) shows up first.
  await enter.or(sidebar).first().waitFor({ timeout: 120_000 });
  if (await enter.isVisible()) {
    await enter.click();
    await sidebar.waitFor({ timeout: 60_000 });
  }
}
