// The acceptance run (`make acceptance`, scripts/acceptance.sh): the
// checklist of end2end/acceptance/ against a Kassa that the script has
// started (KASSA_ACCEPTANCE_URL), in Debian's Chromium. Separate from
// playwright.config.js so `make test` never runs it. Each item writes its
// evidence to target/acceptance/results/; report.js renders them.
const { defineConfig } = require('@playwright/test');

const base = process.env.KASSA_ACCEPTANCE_URL;
if (!base) throw new Error('KASSA_ACCEPTANCE_URL is not set: run `make acceptance`');

module.exports = defineConfig({
  testDir: './acceptance',
  outputDir: '../target/acceptance/playwright',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1, // in order: the specialist's checks (last file) read the whole run
  fullyParallel: false,
  retries: 0, // a flaky item must show as failed, not pass on its second try
  reporter: [['list']],
  use: {
    baseURL: base,
    viewport: { width: 1366, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
});
