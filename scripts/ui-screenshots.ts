// The Ports page's screenshots in docs/ (docs/images/ports-light.png and ports-dark.png), taken from the real
// thing: the simulated dev server (services.json), `tunnel connect --services all`, some traffic so the
// sparklines move, `tunnel ui --no-open`, and Debian's Chromium at 1280×800 in light and dark. Run as root
// (the simulator's node addresses live in a network namespace): `npx tsx scripts/ui-screenshots.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '../test/devserver/index.js';
import { runCli } from '../test/integration/cli-process.js';
import { launchChromium, startUi } from '../test/integration/ui-helpers.js';
import { sleep } from './bench/lib.js';
import { disposeCli, makeCliEnv } from './bench/tunnel-cli.js';

const IMAGES = fileURLToPath(new URL('../docs/images/', import.meta.url));

/** A few seconds of requests of different sizes on two forwards, so the sparklines show a shape. */
async function traffic(seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    const size = 50_000 + Math.round(400_000 * Math.abs(Math.sin(i / 3)));
    await Promise.all([
      fetch(`http://127.0.0.1:3000/bytes/${size}`).then((r) => r.arrayBuffer()),
      fetch(`http://127.0.0.1:8080/bytes/${Math.round(size / 3)}`).then((r) => r.arrayBuffer()),
    ]);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const devserver = await startDevServer({ scenario: 'services.json' });
  const cli = makeCliEnv();
  const chromium = await launchChromium();
  let stopUi = async () => {};
  try {
    const connect = ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver', '--services', 'all'];
    const connected = await runCli(cli, connect);
    if (connected.code !== 0) throw new Error(`tunnel connect failed: ${connected.stderr}`);
    const ui = await startUi(cli);
    stopUi = async () => void (await ui.stop());
    for (const scheme of ['light', 'dark'] as const) {
      const context = await chromium.browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.goto(ui.url);
      await page.locator('tr.fwd').first().waitFor();
      await traffic(8);
      const file = path.join(IMAGES, `ports-${scheme}.png`);
      await page.screenshot({ path: file });
      console.log(`wrote ${file}`);
      await context.close();
    }
  } finally {
    await stopUi();
    await chromium.close();
    await disposeCli(cli);
    await devserver.stop();
  }
}

await main();
