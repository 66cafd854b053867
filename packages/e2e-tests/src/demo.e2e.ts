/**
 * The demo, seen through a real headless browser: the catalog lists the example
 * entities, the /gitops admin page shows the backend's health answer, and an entity's
 * GitOps tab renders.
 */
import type { Browser, Page } from 'playwright-core';
import { demoInfo } from './setup/demo';
import { launchBrowser, screenshot, signInAsGuest } from './setup/browser';

describe('demo in the browser', () => {
  let browser: Browser;
  let page: Page;
  const { appUrl, backendUrl } = demoInfo();

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(appUrl);
    await signInAsGuest(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lists the example entities in the catalog', async () => {
    await page.goto(`${appUrl}/`);
    // The catalog table shows entity titles.
    for (const title of ['GitOps Suite', 'Order service', 'Payment service']) {
      const link = page.getByRole('link', { name: title, exact: true }).first();
      await link.waitFor({ timeout: 60_000 });
      expect(await link.getAttribute('href')).toMatch(/^\/catalog\/default\/component\//);
    }
    await screenshot(page, 'catalog');
  });

  it('shows the backend health answer on the /gitops admin page', async () => {
    const health = await (await fetch(`${backendUrl}/api/gitops/health`)).json();
    await page.goto(`${appUrl}/gitops`);
    const status = page.getByTestId('gitops-health-status');
    await status.waitFor({ timeout: 60_000 });
    const text = await status.innerText();
    expect(text).toContain(`Backend status: ${health.status}`);
    expect(text).toContain(`version ${health.version}`);
    await screenshot(page, 'gitops-admin');
  });

  it('shows the GitOps tab on an annotated entity page', async () => {
    await page.goto(`${appUrl}/catalog/default/component/order-service/gitops`);
    const apps = page.getByTestId('gitops-entity-apps');
    await apps.waitFor({ timeout: 60_000 });
    expect(await apps.innerText()).toContain('order-service-staging');
    await screenshot(page, 'entity-gitops-tab');
  });
});
