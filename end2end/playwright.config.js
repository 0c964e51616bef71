// Browser tests in Debian's Chromium (Playwright's own browser download
// cannot work here). The server is the debug build from scripts/site.sh,
// on SQLite in target/e2e, with the embedded Trustly sandbox.
const { defineConfig } = require('@playwright/test');

const port = process.env.KASSA_E2E_PORT || '3107';
const base = `http://127.0.0.1:${port}`;

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1, // two cores: one browser at a time keeps the run steady
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: base,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'rm -rf ../target/e2e && mkdir -p ../target/e2e && exec ../target/debug/kassa serve',
    url: `${base}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    env: {
      KASSA_LISTEN: `127.0.0.1:${port}`,
      KASSA_PUBLIC_URL: base,
      KASSA_DATA_DIR: '../target/e2e',
      KASSA_DATABASE_URL: 'sqlite://../target/e2e/kassa.db',
      LEPTOS_SITE_ROOT: '../target/site',
      KASSA_BOOTSTRAP_ADMIN_EMAIL: 'admin@kassa.test',
      KASSA_BOOTSTRAP_ADMIN_PASSWORD: 'admin password 1',
      // Withdraw right after a deposit in the journeys (the hold is tested in Rust).
      KASSA_WITHDRAWAL_HOLD_MS: '0',
      KASSA_SANDBOX_RETRY_MS: '100,200,500',
      KASSA_SANDBOX_PAYOUT_DELAY_MS: '300',
      RUST_LOG: 'info,sqlx=warn',
    },
  },
});
