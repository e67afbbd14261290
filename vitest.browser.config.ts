import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { fdlabAlias } from './scripts/vitest-alias.js';

// Debian's chromium (apt-get install -y chromium); never a Playwright-downloaded browser.
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export default defineConfig({
  resolve: { alias: fdlabAlias },
  test: {
    // The browser tests, and every library test that does not need Node (the CLI, the docs
    // and API-docs checks, which read files and run tsc, and the fixture writers stay in Node).
    include: ['test/**/*.test.ts'],
    exclude: ['test/cli.test.ts', 'test/conformance.test.ts', 'test/conformance-uring.test.ts', 'test/conformance-umount.test.ts', 'test/api-docs.test.ts', 'test/docs-blocks.test.ts', 'test/svg.test.ts', 'test/trace-identity.test.ts', 'test/**/*.test-d.ts'],
    setupFiles: ['test/setup-audit.ts'],
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
