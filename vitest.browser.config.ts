import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { fdlabAlias } from './scripts/vitest-alias.js';

// Debian's chromium (apt-get install -y chromium); never a Playwright-downloaded browser.
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export default defineConfig({
  resolve: { alias: fdlabAlias },
  test: {
    include: ['test/**/*.browser.test.ts'],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: chromiumPath,
          args: [
            '--no-sandbox',
            '--headless',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
