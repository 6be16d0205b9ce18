/**
 * `npm run sentinel`: the sentinel alone, configured from the environment. Prints every
 * configuration problem and exits 1 when the environment is invalid; shuts down cleanly on
 * SIGTERM/SIGINT (a second signal, or 10 s without finishing, forces the exit).
 */
import { ConfigError } from "@tgsentinel/contract/env-check.ts";
import { buildSentinelApp } from "./app.ts";
import { describeConfig, loadEnvironment, type SentinelConfig } from "./environment.ts";

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config: SentinelConfig;
  try {
    config = loadEnvironment();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const app = await buildSentinelApp({ config });
  app.log.info(describeConfig(config), "configuration");

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      app.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      app.log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  const address = await app.listen({ host: config.api.host, port: config.api.port });
  process.stdout.write(`TG Sentinel API listening on ${address}/api\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `tgsentinel sentinel failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
