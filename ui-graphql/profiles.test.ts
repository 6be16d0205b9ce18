import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES_ADOPTED_KEY } from "./profile-store.ts";
import { gql, login } from "./testing/graphql-client.ts";
import {
  ADMIN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;

const PROFILE = "id name enabled definition";

/** What the sentinel holds now (GET /api/profiles, over HTTP like the UI). */
async function sentinelProfiles(): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${sentinel.baseUrl}/profiles`, {
    headers: { authorization: "Bearer ui-test-token-0123456789abcdef" },
  });
  const body = (await res.json()) as { data: { profiles: Record<string, unknown>[] } };
  return body.data.profiles;
}

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  // The sentinel starts with a profile from its config; the UI adopts it on first start.
  await fetch(`${sentinel.baseUrl}/profiles`, {
    method: "PUT",
    headers: { authorization: "Bearer ui-test-token-0123456789abcdef", "content-type": "application/json" },
    body: JSON.stringify({ profiles: [{ name: "seeded", threshold: 2, keywords: ["outage"] }] }),
  });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

describe("profiles", () => {
  it("adopts the sentinel's profiles on first start", async () => {
    const listed = await gql<{ profiles: { name: string; definition: Record<string, unknown> }[] }>(
      ui.url,
      `{ profiles { ${PROFILE} } }`,
      {},
      cookie,
    );
    expect(listed.data?.profiles.map((p) => p.name)).toEqual(["seeded"]);
    expect(listed.data?.profiles[0]?.definition).toMatchObject({ threshold: 2 });
    expect(
      await ui.ui.services.db.syncState.findUnique({ where: { key: PROFILES_ADOPTED_KEY } }),
    ).not.toBeNull();
  });

  it("round-trips create, update and delete to the sentinel", async () => {
    const created = await gql<{ createProfile: { id: number; name: string } }>(
      ui.url,
      `mutation($input: ProfileInput!) { createProfile(input: $input) { ${PROFILE} } }`,
      {
        input: {
          name: "security",
          definition: { threshold: 1.5, keywords: ["breach", { term: "zero day", weight: 2 }] },
        },
      },
      cookie,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createProfile.id;
    expect((await sentinelProfiles()).map((p) => p.name).sort()).toEqual(["security", "seeded"]);
    expect((await sentinelProfiles()).find((p) => p.name === "security")).toMatchObject({
      threshold: 1.5,
      enabled: true,
    });

    const updated = await gql<{ updateProfile: { name: string; enabled: boolean } }>(
      ui.url,
      `mutation($id: Int!, $patch: ProfilePatch!) { updateProfile(id: $id, patch: $patch) { ${PROFILE} } }`,
      { id, patch: { name: "infosec", enabled: false } },
      cookie,
    );
    expect(updated.data?.updateProfile).toMatchObject({ name: "infosec", enabled: false });
    expect((await sentinelProfiles()).find((p) => p.name === "infosec")).toMatchObject({
      enabled: false,
      threshold: 1.5,
    });

    const deleted = await gql(
      ui.url,
      `mutation($id: Int!) { deleteProfile(id: $id) { name } }`,
      { id },
      cookie,
    );
    expect(deleted.data).toEqual({ deleteProfile: { name: "infosec" } });
    expect((await sentinelProfiles()).map((p) => p.name)).toEqual(["seeded"]);
    expect(await ui.ui.services.db.profile.count()).toBe(1);

    const audit = await ui.ui.services.db.auditEntry.findMany({
      where: { action: { in: ["createProfile", "updateProfile", "deleteProfile"] } },
    });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ["createProfile", "ok"],
      ["updateProfile", "ok"],
      ["deleteProfile", "ok"],
    ]);
  });

  it("returns the sentinel's rejection with field paths and leaves ui.db unchanged", async () => {
    const before = await ui.ui.services.db.profile.findMany();
    const remoteBefore = await sentinelProfiles();
    const rejected = await gql(
      ui.url,
      `mutation($input: ProfileInput!) { createProfile(input: $input) { id } }`,
      { input: { name: "broken", definition: { threshold: -1, regex: [{ pattern: "(a+)+$" }] } } },
      cookie,
    );
    const error = rejected.errors?.[0];
    expect(error?.extensions?.code).toBe("INVALID_PROFILES");
    const fields = error?.extensions?.fields as {
      profile: string;
      path: (string | number)[];
      message: string;
    }[];
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ profile: "broken", path: ["threshold"] }),
        expect.objectContaining({ profile: "broken", path: ["regex", 0, "pattern"] }),
      ]),
    );
    expect(await ui.ui.services.db.profile.findMany()).toEqual(before);
    expect(await sentinelProfiles()).toEqual(remoteBefore);

    // An update the sentinel refuses also leaves the stored profile as it was.
    const seeded = before[0]!;
    const badUpdate = await gql(
      ui.url,
      `mutation($id: Int!, $patch: ProfilePatch!) { updateProfile(id: $id, patch: $patch) { id } }`,
      { id: seeded.id, patch: { definition: { threshold: 1, unknown_key: true } } },
      cookie,
    );
    expect(badUpdate.errors?.[0]?.extensions?.code).toBe("INVALID_PROFILES");
    expect(await ui.ui.services.db.profile.findUnique({ where: { id: seeded.id } })).toEqual(seeded);
    const audit = await ui.ui.services.db.auditEntry.findFirst({
      where: { action: "updateProfile" },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({
      outcome: "error",
      detail: "INVALID_PROFILES",
      target: `profile:${seeded.id}`,
    });
  });

  it("refuses a duplicate name locally with CONFLICT", async () => {
    const dup = await gql(
      ui.url,
      `mutation($input: ProfileInput!) { createProfile(input: $input) { id } }`,
      { input: { name: "seeded", definition: {} } },
      cookie,
    );
    expect(dup.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });

  it("tests an unsaved profile against sample texts", async () => {
    const result = await gql<{ testProfile: { text: string; score: number; matched: boolean }[] }>(
      ui.url,
      `mutation($p: ProfileInput!, $t: [String!]!) { testProfile(profile: $p, texts: $t) { text score matched reasons } }`,
      {
        p: { name: "try", definition: { threshold: 1, keywords: ["breach"] } },
        t: ["a data breach today", "nothing here"],
      },
      cookie,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.testProfile.map((r) => [r.text, r.matched])).toEqual([
      ["a data breach today", true],
      ["nothing here", false],
    ]);
    expect(result.data?.testProfile[0]?.score).toBeGreaterThanOrEqual(1);
  });
});

describe("testProfile with an invalid profile", () => {
  it("names the field relative to the profile", async () => {
    const result = await gql(
      ui.url,
      `mutation($p: ProfileInput!, $t: [String!]!) { testProfile(profile: $p, texts: $t) { score } }`,
      { p: { name: "try", definition: { threshold: 0 } }, t: ["x"] },
      cookie,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("INVALID_PROFILES");
    expect(result.errors?.[0]?.extensions?.fields).toEqual([
      expect.objectContaining({ profile: "try", path: ["threshold"] }),
    ]);
  });
});

describe("settings", () => {
  it("stores, lists and deletes JSON settings; refuses bad keys", async () => {
    const set = await gql(
      ui.url,
      `mutation { setSetting(key: "alerts.defaultMinScore", value: 2.5) { key value } }`,
      {},
      cookie,
    );
    expect(set.data).toEqual({ setSetting: { key: "alerts.defaultMinScore", value: 2.5 } });
    const listed = await gql<{ settings: { key: string; value: unknown }[] }>(
      ui.url,
      "{ settings { key value } }",
      {},
      cookie,
    );
    expect(listed.data?.settings).toContainEqual({ key: "alerts.defaultMinScore", value: 2.5 });
    const bad = await gql(ui.url, `mutation { setSetting(key: "no spaces", value: 1) { key } }`, {}, cookie);
    expect(bad.errors?.[0]?.extensions?.code).toBe("VALIDATION_FAILED");
    const removed = await gql(
      ui.url,
      `mutation { setSetting(key: "alerts.defaultMinScore", value: null) { key } }`,
      {},
      cookie,
    );
    expect(removed.errors).toBeUndefined();
    expect(await ui.ui.services.db.setting.count()).toBe(0);
    const audit = await ui.ui.services.db.auditEntry.findMany({ where: { action: "setSetting" } });
    expect(audit.map((a) => a.target)).toEqual([
      "setting:alerts.defaultMinScore",
      "setting:no spaces",
      "setting:alerts.defaultMinScore",
    ]);
    // Values are not audited.
    expect(audit.every((a) => !String(a.detail ?? "").includes("2.5"))).toBe(true);
  });

  it("lists the audit log newest first with a cursor", async () => {
    type Page = {
      auditLog: { totalCount: number; edges: { node: { id: number } }[]; pageInfo: { endCursor: string } };
    };
    const q =
      "query($after: String) { auditLog(first: 3, after: $after) { totalCount edges { node { id } } pageInfo { endCursor } } }";
    const first = await gql<Page>(ui.url, q, {}, cookie);
    const ids = first.data!.auditLog.edges.map((e) => e.node.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const next = await gql<Page>(ui.url, q, { after: first.data!.auditLog.pageInfo.endCursor }, cookie);
    expect(Math.max(...next.data!.auditLog.edges.map((e) => e.node.id))).toBeLessThan(Math.min(...ids));
  });
});
