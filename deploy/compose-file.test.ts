import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type ComposeFile,
  dependsOn,
  interpolate,
  loadCompose,
  rawEnvironment,
  serviceEnvironment,
  volumeMounts,
} from "./compose-model.ts";

const root = path.resolve(import.meta.dirname, "..");
const composePath = path.join(root, "docker-compose.yml");
const APPS = ["sentinel", "ui"] as const;
type App = (typeof APPS)[number];

const REQUIRED_VARS = {
  SENTINEL_API_TOKEN: "test-token-0123456789abcdef",
  UI_SECRET_KEY: "0123456789abcdef0123456789abcdef-secret",
};

/**
 * Variables the code reads that compose deliberately leaves to the code's default, with why.
 * Each entry must still be read by the code (a stale entry fails the test).
 */
const NOT_SET_IN_COMPOSE: Record<App, Record<string, string>> = {
  sentinel: {
    DATA_DIR: "DB_URI and TG_SESSION_PATH name the files in /app/data directly",
    REDIS_URL: "REDIS_HOST/REDIS_PORT point at the redis service",
    REDIS_KEY_PREFIX: "the default tgsentinel: is the seed's prefix and must match the ui's",
    TG_SOURCE: "export replay is a local demo knob (npm start); a deployment watches Telegram, the default",
    TG_EMBEDDING_MODEL_DIR:
      "optional: semantic profile rules need a local model directory the user mounts; none by default",
    TG_TEST_DC:
      "test-only: phone login through a local MTProto test DC on loopback; a deployment logs in to Telegram",
    TG_TEST_DC_PUBLIC_KEY: "test-only: the local test DC's RSA key, used only with TG_TEST_DC",
  },
  ui: {
    DATA_DIR: "UI_DB_URI names the file in /app/data directly",
    REDIS_URL: "REDIS_HOST/REDIS_PORT point at the redis service",
    REDIS_KEY_PREFIX: "the default tgsentinel: is the seed's prefix and must match the sentinel's",
    UI_WEB_DIST: "the ui image puts the built web UI at the default ui-web/dist",
    SENTINEL_TIMEOUT_MS: "the default 30 s is the seed's HTTP timeout",
    UI_SESSION_AUTH_WAIT_MS: "the default 60 s is the seed's authorization wait",
    UI_SESSION_TTL_HOURS: "login lifetime; the default (24 h) suits a deployment",
    UI_INTROSPECTION: "follows UI_PRODUCTION, which compose sets",
    UI_GRAPHIQL: "follows UI_PRODUCTION, which compose sets",
  },
};

/** Variables compose sets that the runtime reads rather than our code, with why. */
const READ_BY_THE_RUNTIME: Record<string, string> = {
  TZ: "Node's local time zone, in which the sentinel's digest cron schedules run",
};

/** Where each service reads its environment. */
const ENVIRONMENT_MODULES: Record<App, string> = {
  sentinel: "sentinel/environment.ts",
  ui: "ui-graphql/environment.ts",
};

/** Names read through EnvReader calls, process.env.X or env["X"] in a source file. */
function variablesReadIn(file: string): Set<string> {
  const text = fs.readFileSync(file, "utf8");
  const names = new Set<string>();
  const patterns = [
    /reader\.(?:raw|string|optional|required|port|int|bool)\(\s*"([A-Z][A-Z0-9_]*)"/g,
    /process\.env\.([A-Z][A-Z0-9_]*)/g,
    /process\.env\[\s*"([A-Z][A-Z0-9_]*)"\s*\]/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1]!);
  return names;
}

/** A service's own source files: not its tests, test harness (`testing/`), dependencies or generated code. */
function sourceFiles(dir: string): string[] {
  const excluded = ["node_modules", "generated", "testing"].map((d) => `${path.sep}${d}${path.sep}`);
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !excluded.some((d) => f.includes(d)));
}

/** Every variable a service's code reads: its environment module, the shared Redis reader, any stray process.env. */
function variablesReadBy(app: App): Set<string> {
  const envModule = path.join(root, ENVIRONMENT_MODULES[app]);
  const names = variablesReadIn(envModule);
  if (fs.readFileSync(envModule, "utf8").includes("readRedisTarget(")) {
    for (const name of variablesReadIn(path.join(root, "contract/env-check.ts"))) names.add(name);
  }
  for (const file of sourceFiles(app === "sentinel" ? "sentinel" : "ui-graphql")) {
    for (const name of variablesReadIn(file)) names.add(name);
  }
  return names;
}

interface DockerStage {
  name: string;
  base: string;
  user: string | undefined;
  env: Record<string, string>;
  cmd: string | undefined;
  healthcheck: string | undefined;
}

/** Just enough of a Dockerfile parser: stages, FROM inheritance, USER, ENV, CMD, HEALTHCHECK. */
function parseDockerfile(text: string): Map<string, DockerStage> {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const stages = new Map<string, DockerStage>();
  let current: DockerStage | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [instruction = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    switch (instruction.toUpperCase()) {
      case "FROM": {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
        const base = m?.[1] ?? "";
        const parent = stages.get(base);
        current = {
          name: m?.[2] ?? `stage${stages.size}`,
          base,
          user: parent?.user,
          env: { ...(parent?.env ?? {}) },
          cmd: parent?.cmd,
          healthcheck: parent?.healthcheck,
        };
        stages.set(current.name, current);
        break;
      }
      case "USER":
        if (current) current.user = args;
        break;
      case "ENV":
        if (current)
          for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) current.env[m[1]!] = m[2]!;
        break;
      case "CMD":
        if (current) current.cmd = args;
        break;
      case "HEALTHCHECK":
        if (current) current.healthcheck = args;
        break;
    }
  }
  return stages;
}

describe("docker-compose.yml", () => {
  const compose: ComposeFile = loadCompose(composePath);
  const services = compose.services;
  const env = (name: string) => serviceEnvironment(services[name]!, REQUIRED_VARS);

  it("has the seed's services, named volumes and network", () => {
    expect(Object.keys(services).sort()).toEqual(["redis", "sentinel", "ui"]);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([
      "tgsentinel_redis_data",
      "tgsentinel_sentinel_data",
      "tgsentinel_ui_data",
    ]);
    // Fixed names, so `docker volume ls | grep tgsentinel` shows the seed's names whatever the project.
    for (const [key, volume] of Object.entries(compose.volumes ?? {})) expect(volume?.name).toBe(key);
    expect(compose.networks?.tgsentinel_net?.driver).toBe("bridge");
    for (const service of Object.values(services)) expect(service.networks).toEqual(["tgsentinel_net"]);
  });

  it("gives each service its own data volume: the ui never mounts the sentinel's, nor the sentinel the ui's", () => {
    const mounts = (name: string) => volumeMounts(services[name]!);
    const named = (name: string) =>
      mounts(name)
        .filter((m) => m.named)
        .map((m) => m.source);
    expect(named("sentinel")).toEqual(["tgsentinel_sentinel_data"]);
    expect(named("ui")).toEqual(["tgsentinel_ui_data"]);
    expect(named("redis")).toEqual(["tgsentinel_redis_data"]);
    for (const app of APPS) {
      expect(mounts(app)).toContainEqual({
        source: "./config",
        target: "/app/config",
        readOnly: true,
        named: false,
      });
      expect(mounts(app).find((m) => m.named)?.target).toBe("/app/data");
      // No host path may smuggle a shared data directory back in.
      expect(
        mounts(app)
          .filter((m) => !m.named)
          .map((m) => m.source),
      ).toEqual(["./config"]);
    }
  });

  it("puts every file a service owns on that service's own volume", () => {
    const s = env("sentinel");
    const u = env("ui");
    expect(s.DB_URI).toBe("sqlite:////app/data/sentinel.db");
    expect(s.TG_SESSION_PATH).toBe("/app/data/tgsentinel.session");
    expect(s.TG_CONFIG_PATH).toBe("/app/config/tgsentinel.yml");
    expect(u.UI_DB_URI).toBe("sqlite:////app/data/ui.db");
    expect(u).not.toHaveProperty("DB_URI");
    expect(u).not.toHaveProperty("TG_SESSION_PATH");
    expect(s).not.toHaveProperty("UI_DB_URI");
  });

  it("publishes only the ui's port, and that port is the one the ui listens on", () => {
    expect(services.redis!.ports ?? []).toEqual([]);
    expect(services.sentinel!.ports ?? []).toEqual([]);
    const ports = services.ui!.ports ?? [];
    expect(ports).toHaveLength(1);
    const published = interpolate(String(ports[0]), {});
    expect(published).toBe("127.0.0.1:5001:5000");
    expect(published.split(":").at(-1)).toBe(env("ui").UI_PORT);
    expect(env("ui").UI_HOST).toBe("0.0.0.0");
  });

  it("wires the ui to the sentinel by service name and port, with the same required token", () => {
    const sentinelPort = env("sentinel").SENTINEL_API_PORT;
    expect(env("ui").SENTINEL_API_BASE_URL).toBe(`http://sentinel:${sentinelPort}/api`);
    expect(env("sentinel").SENTINEL_API_HOST).toBe("0.0.0.0");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose expression, not a JS template
    const tokenExpr = "${SENTINEL_API_TOKEN:?set SENTINEL_API_TOKEN in .env}";
    expect(rawEnvironment(services.sentinel!).SENTINEL_API_TOKEN).toBe(tokenExpr);
    expect(rawEnvironment(services.ui!).SENTINEL_API_TOKEN).toBe(tokenExpr);
    expect(env("ui").SENTINEL_API_TOKEN).toBe(env("sentinel").SENTINEL_API_TOKEN);
    for (const app of APPS) {
      expect(env(app).REDIS_HOST).toBe("redis");
      expect(env(app).REDIS_PORT).toBe("6379");
    }
  });

  it("health-checks all three services; the apps on /api/health at their own port, with node (no curl)", () => {
    expect(services.redis!.healthcheck?.test).toEqual(["CMD", "redis-cli", "ping"]);
    const ports: Record<App, string> = {
      sentinel: env("sentinel").SENTINEL_API_PORT!,
      ui: env("ui").UI_PORT!,
    };
    for (const app of APPS) {
      const test = services[app]!.healthcheck?.test as string[];
      expect(test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
      expect(test[3]).toContain(`fetch('http://127.0.0.1:${ports[app]}/api/health'`);
      expect(test[3]).toContain("process.exit(1)");
    }
    for (const service of Object.values(services)) {
      expect(service.healthcheck?.interval).toBeDefined();
      expect(service.healthcheck?.retries).toBeGreaterThan(0);
    }
  });

  it("starts each service only after what it needs is healthy, and restarts them unless stopped", () => {
    expect(dependsOn(services.sentinel!)).toEqual({ redis: "service_healthy" });
    expect(dependsOn(services.ui!)).toEqual({ redis: "service_healthy", sentinel: "service_healthy" });
    for (const service of Object.values(services)) expect(service.restart).toBe("unless-stopped");
  });

  it("runs Redis with append-only persistence on its volume", () => {
    const redis = services.redis!;
    const confMount = volumeMounts(redis).find((m) => m.source === "./docker/redis.conf");
    expect(confMount?.readOnly).toBe(true);
    expect(redis.command).toEqual(["redis-server", confMount!.target]);
    const conf = fs.readFileSync(path.join(root, "docker/redis.conf"), "utf8");
    const directives = new Map(
      conf
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => [l.split(/\s+/)[0]!, l.split(/\s+/).slice(1).join(" ")]),
    );
    expect(directives.get("appendonly")).toBe("yes");
    expect(directives.get("appendfsync")).toBe("everysec");
    const dataMount = volumeMounts(redis).find((m) => m.named);
    expect(directives.get("dir")).toBe(dataMount?.target);
  });

  it("runs the apps as the non-root node user, from the Dockerfile targets that set USER node", () => {
    const stages = parseDockerfile(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"));
    for (const app of APPS) {
      const service = services[app]!;
      const target = typeof service.build === "object" ? service.build.target : undefined;
      expect(target).toBe(app);
      const stage = stages.get(target!);
      expect(stage, `Dockerfile stage ${target}`).toBeDefined();
      expect(stage!.user).toBe("node");
      expect(service.user).toBe("node");
      expect(stage!.healthcheck).toContain("/api/health");
      expect(stage!.cmd).toContain(app === "sentinel" ? "sentinel/server.ts" : "ui-graphql/server.ts");
    }
    const base = stages.get("build");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile ARG reference
    expect(base?.base).toBe("${NODE_IMAGE}");
    expect(fs.readFileSync(path.join(root, "Dockerfile"), "utf8")).toMatch(
      /ARG NODE_IMAGE=node:20-bookworm-slim/,
    );
  });

  it("builds from every workspace's manifest and the lockfile, so npm ci in the image sees the whole tree", () => {
    const dockerfile = fs.readFileSync(path.join(root, "Dockerfile"), "utf8");
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf("RUN npm ci"));
    expect(beforeInstall).toMatch(/COPY package\.json package-lock\.json \.npmrc/);
    const workspaces = (
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { workspaces: string[] }
    ).workspaces;
    for (const workspace of workspaces) {
      expect(beforeInstall, `Dockerfile copies ${workspace}/package.json before npm ci`).toContain(
        `COPY ${workspace}/package.json ${workspace}/`,
      );
    }
    // The root postinstall generates the Prisma clients from these.
    expect(beforeInstall).toContain("COPY prisma prisma");
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    // tsx runs the services, so it must survive the prune as a production dependency.
    const rootPackage = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    expect(rootPackage.dependencies?.tsx).toBeDefined();
  });

  it("sets or deliberately defaults every variable each service's code reads, and sets nothing it does not read", () => {
    const ignoredInImage = /^(NODE_ENV|npm_config_\w+)$/;
    const stages = parseDockerfile(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"));
    for (const app of APPS) {
      const read = variablesReadBy(app);
      expect(read.size, `${app} reads some variables`).toBeGreaterThan(5);
      const set = new Set(Object.keys(rawEnvironment(services[app]!)));
      const allowed = NOT_SET_IN_COMPOSE[app];
      const unaccounted = [...read].filter((name) => !set.has(name) && !(name in allowed));
      expect(unaccounted, `${app} reads these, but compose neither sets them nor explains why not`).toEqual(
        [],
      );
      const unread = [...set].filter((name) => !read.has(name) && !(name in READ_BY_THE_RUNTIME));
      expect(unread, `compose sets these for the ${app}, which its code never reads`).toEqual([]);
      const stale = Object.keys(allowed).filter((name) => !read.has(name) || set.has(name));
      expect(stale, `allow-list entries for the ${app} that are set or no longer read`).toEqual([]);
      const imageVars = Object.keys(stages.get(app)!.env).filter((name) => !ignoredInImage.test(name));
      expect(
        imageVars.filter((name) => !read.has(name)),
        `Dockerfile ENV of ${app} not read by it`,
      ).toEqual([]);
    }
  });

  it("names the project tgsentinel through .env.example, and keeps secrets out of the image build context", () => {
    const example = fs.readFileSync(path.join(root, ".env.example"), "utf8");
    expect(example).toMatch(/^COMPOSE_PROJECT_NAME=tgsentinel$/m);
    for (const name of Object.keys(REQUIRED_VARS)) expect(example).toMatch(new RegExp(`^${name}=`, "m"));
    const ignore = fs.readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n");
    for (const pattern of [".env", "data", "**/node_modules", "*.session", "**/db/generated"]) {
      expect(ignore).toContain(pattern);
    }
  });
});

describe("docker-compose config", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgs-compose-"));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function composeConfig(vars: Record<string, string>) {
    const envFile = path.join(dir, `${Object.keys(vars).join("-") || "empty"}.env`);
    fs.writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
    const cleanEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(SENTINEL_API_TOKEN|UI_SECRET_KEY|UI_PUBLISH|COMPOSE_)/.test(k),
      ),
    );
    const result = spawnSync("docker-compose", ["--env-file", envFile, "-f", composePath, "config"], {
      cwd: root,
      env: cleanEnv,
      encoding: "utf8",
      timeout: 60_000,
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "docker-compose is not installed, so docker-compose.yml cannot be validated. " +
          "Install it (Debian/Ubuntu: apt-get install -y docker-compose); .ci/run does.",
      );
    }
    return result;
  }

  it("validates the file and renders both apps' environment from .env", () => {
    const result = composeConfig(REQUIRED_VARS);
    expect(result.stderr).not.toMatch(/invalid|error/i);
    expect(result.status, result.stderr).toBe(0);
    const rendered = parse(result.stdout) as ComposeFile;
    expect(Object.keys(rendered.services).sort()).toEqual(["redis", "sentinel", "ui"]);
    const rendererEnv = (name: string) => rendered.services[name]!.environment as Record<string, string>;
    expect(rendererEnv("sentinel").SENTINEL_API_TOKEN).toBe(REQUIRED_VARS.SENTINEL_API_TOKEN);
    expect(rendererEnv("ui").SENTINEL_API_TOKEN).toBe(REQUIRED_VARS.SENTINEL_API_TOKEN);
    expect(rendererEnv("ui").UI_SECRET_KEY).toBe(REQUIRED_VARS.UI_SECRET_KEY);
    expect(rendered.services.ui!.ports).toEqual(["127.0.0.1:5001:5000/tcp"]);
    // Our own reading of the file agrees with Compose's, so the process-level test runs what containers run.
    for (const app of APPS) {
      const ours = serviceEnvironment(loadCompose(composePath).services[app]!, REQUIRED_VARS);
      expect(Object.fromEntries(Object.entries(rendererEnv(app)).map(([k, v]) => [k, String(v)]))).toEqual(
        ours,
      );
    }
  });

  it("refuses to render without SENTINEL_API_TOKEN, saying where to set it", () => {
    const result = composeConfig({ UI_SECRET_KEY: REQUIRED_VARS.UI_SECRET_KEY });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("set SENTINEL_API_TOKEN in .env");
  });
});
