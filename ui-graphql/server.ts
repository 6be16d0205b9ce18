import { ConfigError } from "@tgsentinel/contract/env-check.ts";
import { buildApp } from "./app.ts";
import { loadUiConfig } from "./environment.ts";

/** `npm run ui`: the UI service on its own (Redis when configured). */
async function main() {
  let config: ReturnType<typeof loadUiConfig>;
  try {
    config = loadUiConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const ui = await buildApp({ config });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    ui.app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await ui.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await ui.start();
}

main().catch((err) => {
  process.stderr.write(`ui: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
