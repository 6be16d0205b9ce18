/**
 * The profile routes on the real app: PUT replaces the whole set (stored in sentinel.db, the
 * scorer swapped), an invalid set is refused naming each field while the previous set keeps
 * scoring, config profiles seed a fresh database once, and /api/profiles/test stores nothing.
 */
import fs from "node:fs";
import { MemoryEventBus } from "@tgsentinel/contract/event-bus.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatMessage, Feeder, getJson, sendJson } from "../testing/alerting-fixture.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

const SET = [
  { name: "jobs", threshold: 1, keywords: ["hiring", { term: "remote", weight: 0.5 }] },
  { name: "alpha", threshold: 2, keywords: [{ term: "launch", weight: 2 }], enabled: false },
];

describe("profiles over REST", () => {
  let t: TestApp;
  let feeder: Feeder;

  beforeAll(async () => {
    t = await buildTestApp({ bus: new MemoryEventBus(), ttl: new MemoryTtlStore(), digestTimer: false });
    await t.app.ready();
    feeder = new Feeder(t.app);
  });
  afterAll(async () => {
    await feeder.close();
    await t.close();
  });

  it("starts empty, then PUT replaces the set and GET returns it validated, by name", async () => {
    expect((await getJson(t.app, "/api/profiles")).body.data).toEqual({
      profiles: [],
      count: 0,
      updated_at: null,
    });
    const put = await sendJson(t.app, "PUT", "/api/profiles", { profiles: SET });
    expect(put.status).toBe(200);
    expect(put.body.message).toBe("Profiles updated");
    const got = (await getJson(t.app, "/api/profiles")).body.data;
    expect(got.count).toBe(2);
    expect(got.profiles.map((p: { name: string }) => p.name)).toEqual(["alpha", "jobs"]);
    expect(got.profiles[1]).toMatchObject({
      name: "jobs",
      enabled: true,
      threshold: 1,
      keywords: [
        { term: "hiring", weight: 1 },
        { term: "remote", weight: 0.5 },
      ],
      regex: [],
      chats: { include: [], exclude: [] },
    });
    expect(got.profiles[0].enabled).toBe(false);
    expect(Date.parse(got.updated_at)).not.toBeNaN();
    const rows = await t.app.prisma.profile.findMany({ orderBy: { name: "asc" } });
    expect(rows.map((r) => [r.name, r.enabled])).toEqual([
      ["alpha", false],
      ["jobs", true],
    ]);
    expect(JSON.parse(rows[1]!.definition)).toEqual(got.profiles[1]);
  });

  it("scores with the new set at once; a disabled profile never alerts", async () => {
    await feeder.feed(chatMessage("-1001", 1, "We are hiring, remote OK, launch next week"));
    const alerts = await t.app.prisma.alert.findMany({ where: { chatId: "-1001" } });
    expect(alerts.map((a) => [a.profile, a.score])).toEqual([["jobs", 1.5]]);
  });

  it("refuses an invalid set with 400 INVALID_PROFILES naming each field, and keeps the previous set", async () => {
    const before = (await getJson(t.app, "/api/profiles")).body.data;
    const { status, body } = await sendJson(t.app, "PUT", "/api/profiles", {
      profiles: [
        { name: "ok", keywords: ["fine"] },
        { name: "bad", threshold: -1, regex: [{ pattern: "(a+)+$" }], keywords: ["x", "X"] },
        { name: "ok", keywords: ["dup name"], colour: "red" },
      ],
    });
    expect(status).toBe(400);
    expect(body.code).toBe("INVALID_PROFILES");
    expect(body.error.code).toBe("INVALID_PROFILES");
    const paths = body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "profiles[1].threshold",
        "profiles[1].regex[0].pattern",
        "profiles[1].keywords[1].term",
        "profiles[2].name",
        "profiles[2].colour",
      ]),
    );
    for (const detail of body.error.details) expect(detail.message).toEqual(expect.any(String));
    expect(body.message).toMatch(/^The profile set is invalid: profiles\[1\]\.threshold/);

    expect((await getJson(t.app, "/api/profiles")).body.data).toEqual(before);
    // Still scoring with the previous set.
    await feeder.feed(chatMessage("-1002", 1, "hiring again"));
    expect((await t.app.prisma.alert.findMany({ where: { chatId: "-1002" } })).map((a) => a.profile)).toEqual(
      ["jobs"],
    );
  });

  it.each([
    ["a body that is not a set", { profiles: "all of them" }, "profiles"],
    ["a profile without a name", [{ keywords: ["x"] }], "profiles[0].name"],
  ])("refuses %s", async (_label, payload, path) => {
    const { status, body } = await sendJson(t.app, "PUT", "/api/profiles", payload);
    expect(status).toBe(400);
    expect(body.error.details[0].path).toBe(path);
  });

  it("accepts an empty set (nothing scores any more)", async () => {
    expect((await sendJson(t.app, "PUT", "/api/profiles", { profiles: [] })).status).toBe(200);
    await feeder.feed(chatMessage("-1003", 1, "hiring"));
    expect(await t.app.prisma.alert.count({ where: { chatId: "-1003" } })).toBe(0);
    expect(await t.app.prisma.message.count({ where: { chatId: "-1003", scoredAt: { not: null } } })).toBe(1);
    expect((await sendJson(t.app, "PUT", "/api/profiles", { profiles: SET })).status).toBe(200);
  });

  it("tests a profile against sample texts with reasons, storing nothing", async () => {
    const alertsBefore = await t.app.prisma.alert.count();
    const messagesBefore = await t.app.prisma.message.count();
    const { status, body } = await sendJson(t.app, "POST", "/api/profiles/test", {
      profile: {
        name: "draft",
        threshold: 2,
        keywords: ["rust", { term: "remote", weight: 1.5 }],
        enabled: false,
      },
      messages: [
        "Rust job, fully remote",
        { text: "nothing here" },
        { text: "rust meetup", sender_name: "Bob" },
      ],
    });
    expect(status).toBe(200);
    expect(body.data.profiles).toEqual(["draft"]);
    expect(body.data.results).toEqual([
      {
        index: 0,
        text: "Rust job, fully remote",
        score: 2.5,
        threshold: 2,
        matched: true,
        profile: "draft",
        reasons: [
          { kind: "keyword", term: "rust", weight: 1, start: 0, end: 4, text: "Rust" },
          { kind: "keyword", term: "remote", weight: 1.5, start: 16, end: 22, text: "remote" },
        ],
        profiles: [expect.objectContaining({ profile: "draft", score: 2.5, alert: true })],
      },
      {
        index: 1,
        text: "nothing here",
        score: 0,
        threshold: null,
        matched: false,
        profile: null,
        reasons: [],
        profiles: [],
      },
      expect.objectContaining({ index: 2, score: 1, threshold: 2, matched: false }),
    ]);
    expect(await t.app.prisma.alert.count()).toBe(alertsBefore);
    expect(await t.app.prisma.message.count()).toBe(messagesBefore);
    expect(await t.app.prisma.profile.count({ where: { name: "draft" } })).toBe(0);
  });

  it("tests the set in force when no profile is given, and reports profile errors as profile.<field>", async () => {
    const current = await sendJson(t.app, "POST", "/api/profiles/test", { text: "hiring for a launch" });
    expect(current.status).toBe(200);
    expect(current.body.data.profiles).toEqual(["alpha", "jobs"]);
    expect(current.body.data.results[0].profiles.map((p: { profile: string }) => p.profile)).toEqual([
      "alpha",
      "jobs",
    ]);

    const invalid = await sendJson(t.app, "POST", "/api/profiles/test", {
      profile: { name: "x", regex: [{ pattern: "(" }] },
      text: "x",
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe("INVALID_PROFILES");
    expect(invalid.body.error.details[0].path).toBe("profile.regex[0].pattern");

    const neither = await sendJson(t.app, "POST", "/api/profiles/test", { profile: { name: "x" } });
    expect(neither.status).toBe(400);
    expect(neither.body.code).toBe("VALIDATION_FAILED");
  });

  it("requires the token", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/profiles" });
    expect(response.statusCode).toBe(401);
    const ok = await t.app.inject({ method: "GET", url: "/api/profiles", headers: authHeaders() });
    expect(ok.statusCode).toBe(200);
  });
});

describe("seeding from config/tgsentinel.yml", () => {
  const yaml = ["profiles:", "  - name: seeded", "    keywords: [deploy]", ""].join("\n");

  it("seeds a fresh database once; a set emptied over REST stays empty after a restart", async () => {
    const dir = makeTempDir();
    try {
      const first = await buildTestApp({ dir, yaml, digestTimer: false });
      await first.app.ready();
      expect(
        (await getJson(first.app, "/api/profiles")).body.data.profiles.map((p: { name: string }) => p.name),
      ).toEqual(["seeded"]);
      expect((await sendJson(first.app, "PUT", "/api/profiles", [])).status).toBe(200);
      await first.close();

      const second = await buildTestApp({ dir, yaml, digestTimer: false });
      await second.app.ready();
      expect((await getJson(second.app, "/api/profiles")).body.data.count).toBe(0);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads the stored set on restart (and scores with it)", async () => {
    const dir = makeTempDir();
    try {
      const first = await buildTestApp({ dir, digestTimer: false });
      await first.app.ready();
      await sendJson(first.app, "PUT", "/api/profiles", SET);
      await first.close();

      const second = await buildTestApp({ dir, yaml, digestTimer: false });
      await second.app.ready();
      expect(second.app.scoring.profiles.map((p) => p.name)).toEqual(["alpha", "jobs"]);
      const feeder = new Feeder(second.app);
      await feeder.feed(chatMessage("-1001", 5, "hiring"));
      await feeder.close();
      expect((await second.app.prisma.alert.findMany()).map((a) => a.profile)).toEqual(["jobs"]);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
