import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { PrismaClient, Profile } from "./db/generated/client.ts";
import { fieldProblemsOf } from "./graphql-errors.ts";
import {
  type ProfileTestScore,
  SentinelApiError,
  type SentinelClient,
  type SentinelProfile,
} from "./sentinel-client.ts";

/** SyncState key set once the sentinel's initial profiles were adopted into ui.db. */
export const PROFILES_ADOPTED_KEY = "profiles.adopted";

export interface ProfileInput {
  name: string;
  enabled: boolean;
  /** The scoring definition (threshold, terms, …); validated by the sentinel. */
  definition: Record<string, unknown>;
}

export type ProfilePatch = Partial<ProfileInput>;

/** The shape PUT /api/profiles takes: the definition's fields with name and enabled on top. */
export function sentinelProfileOf(p: {
  name: string;
  enabled: boolean;
  definition: Record<string, unknown>;
}): SentinelProfile {
  return { ...p.definition, name: p.name, enabled: p.enabled };
}

export function definitionOf(row: Profile): Record<string, unknown> {
  try {
    const value = JSON.parse(row.definition);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function cleanInput(input: ProfileInput): ProfileInput {
  const name = input.name.trim();
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (name.length === 0 || name.length > 100)
    problems.push({ path: ["name"], message: "must be 1-100 characters" });
  if (input.definition === null || typeof input.definition !== "object" || Array.isArray(input.definition)) {
    problems.push({ path: ["definition"], message: "must be an object" });
  }
  if (problems.length > 0) {
    throw new SentinelError("VALIDATION_FAILED", "The profile is not valid", { details: problems });
  }
  const { name: _n, enabled: _e, ...definition } = input.definition;
  return { name, enabled: input.enabled, definition };
}

/**
 * The scoring profiles: owned by ui.db, the full set pushed to the sentinel on every change.
 * Each change is pushed first and stored only when the sentinel accepts it, so a rejected set
 * leaves ui.db as it was. Changes run one at a time (a mutex) so the pushed set is always
 * exactly what gets stored; the push is not made inside a ui.db transaction because the
 * SQLite adapter serialises every query behind an open transaction, which would stall every
 * other request for as long as the sentinel takes to answer.
 */
export class ProfileStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: PrismaClient,
    private readonly sentinel: SentinelClient,
  ) {}

  list(): Promise<Profile[]> {
    return this.db.profile.findMany({ orderBy: { name: "asc" } });
  }

  get(id: number): Promise<Profile | null> {
    return this.db.profile.findUnique({ where: { id } });
  }

  create(input: ProfileInput): Promise<Profile> {
    const clean = cleanInput(input);
    return this.change(async (current) => {
      if (current.some((p) => p.name === clean.name)) {
        throw new SentinelError("CONFLICT", `A profile named "${clean.name}" already exists`);
      }
      return {
        next: [...current.map(viewOf), clean],
        commit: () =>
          this.db.profile.create({
            data: { name: clean.name, enabled: clean.enabled, definition: JSON.stringify(clean.definition) },
          }),
      };
    });
  }

  update(id: number, patch: ProfilePatch): Promise<Profile> {
    return this.change(async (current) => {
      const row = current.find((p) => p.id === id);
      if (!row) throw new SentinelError("NOT_FOUND", `No profile with id ${id}`);
      const clean = cleanInput({
        name: patch.name ?? row.name,
        enabled: patch.enabled ?? row.enabled,
        definition: patch.definition ?? definitionOf(row),
      });
      if (current.some((p) => p.id !== id && p.name === clean.name)) {
        throw new SentinelError("CONFLICT", `A profile named "${clean.name}" already exists`);
      }
      return {
        next: current.map((p) => (p.id === id ? clean : viewOf(p))),
        commit: () =>
          this.db.profile.update({
            where: { id },
            data: { name: clean.name, enabled: clean.enabled, definition: JSON.stringify(clean.definition) },
          }),
      };
    });
  }

  delete(id: number): Promise<Profile> {
    return this.change(async (current) => {
      const row = current.find((p) => p.id === id);
      if (!row) throw new SentinelError("NOT_FOUND", `No profile with id ${id}`);
      return {
        next: current.filter((p) => p.id !== id).map(viewOf),
        commit: () => this.db.profile.delete({ where: { id } }),
      };
    });
  }

  /** Scores sample texts against a profile that need not be saved. */
  test(input: ProfileInput, texts: string[]): Promise<ProfileTestScore[]> {
    const clean = cleanInput(input);
    return this.sentinel
      .testProfile(
        sentinelProfileOf(clean),
        texts.map((text) => ({ text })),
      )
      .catch((err) => {
        // The sentinel names fields of the tested profile "profile.<field>".
        throw withProfileNames(err, [clean], (path) => (path[0] === "profile" ? path.slice(1) : null));
      });
  }

  /**
   * First start: ui.db has no profiles yet, so take the sentinel's (seeded from its config)
   * instead of wiping them with the first push. Runs once.
   */
  async adoptFromSentinel(): Promise<number> {
    if (await this.db.syncState.findUnique({ where: { key: PROFILES_ADOPTED_KEY } })) return 0;
    if ((await this.db.profile.count()) > 0) {
      await this.markAdopted();
      return 0;
    }
    const remote = await this.sentinel.profiles();
    await this.db.$transaction(async (tx) => {
      for (const p of remote) {
        const { name, enabled, ...definition } = p;
        await tx.profile.create({ data: { name, enabled, definition: JSON.stringify(definition) } });
      }
      await tx.syncState.create({ data: { key: PROFILES_ADOPTED_KEY, value: new Date().toISOString() } });
    });
    return remote.length;
  }

  private markAdopted() {
    const value = new Date().toISOString();
    return this.db.syncState.upsert({
      where: { key: PROFILES_ADOPTED_KEY },
      create: { key: PROFILES_ADOPTED_KEY, value },
      update: {},
    });
  }

  /**
   * Runs one change in the queue: `plan` sees the stored set and returns the full set to push
   * and the ui.db write to make once the sentinel accepts it. A plan that throws changes nothing.
   * Other writers of profiles (automatic threshold adjustments) go through here too.
   */
  change<T>(
    plan: (current: Profile[]) => Promise<{ next: ProfileInput[]; commit: () => Promise<T> }>,
  ): Promise<T> {
    const run = this.queue.then(async () => {
      const current = await this.list();
      const { next, commit } = await plan(current);
      try {
        await this.sentinel.putProfiles(next.map(sentinelProfileOf));
      } catch (err) {
        throw withProfileNames(err, next);
      }
      try {
        const result = await commit();
        await this.markAdopted();
        return result;
      } catch (err) {
        // ui.db refused after the sentinel accepted: put the sentinel back on ui.db's set.
        await this.sentinel.putProfiles(current.map(viewOf).map(sentinelProfileOf)).catch(() => {});
        throw err;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

/**
 * A rejected set names fields by index in the pushed set (profiles[2].regex[0].pattern); the
 * user edits one profile, so name the profile and make the path relative to it.
 */
function withProfileNames(
  err: unknown,
  pushed: ProfileInput[],
  single?: (path: (string | number)[]) => (string | number)[] | null,
): unknown {
  if (!(err instanceof SentinelApiError)) return err;
  const fields = fieldProblemsOf(err.details);
  if (!fields) return err;
  const named = fields.map((f) => {
    const relative = single?.(f.path);
    if (relative && pushed[0]) return { profile: pushed[0].name, path: relative, message: f.message };
    const [head, index, ...rest] = f.path;
    const profile = head === "profiles" && typeof index === "number" ? pushed[index] : undefined;
    return profile ? { profile: profile.name, path: rest, message: f.message } : f;
  });
  return new SentinelApiError(err.remoteCode, err.message, {
    httpStatus: err.httpStatus,
    details: { fields: named },
    cause: err,
    local: err.code,
  });
}

/** A stored profile as the set pushed to the sentinel holds it. */
export function viewOf(row: Profile): ProfileInput {
  return { name: row.name, enabled: row.enabled, definition: definitionOf(row) };
}
