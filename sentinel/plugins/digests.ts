/**
 * Digests: the best alerts of a period, grouped by chat (digest/digest-content.ts), stored as a
 * `digest_runs` row, announced on `digest_completed`, and optionally sent to the account's
 * Saved Messages (config `digest.deliver_to_saved_messages`).
 *
 * - Scheduled: config `digest.schedules` (cron, top_n). A schedule's period runs from the end of
 *   its previous run (or from when the schedule was first seen) to now. A timer wakes at the next
 *   occurrence (at most a minute apart, so clock jumps are noticed); `runDue()` does the work and
 *   is driven by the injected clock, so tests advance a fake clock and call it.
 * - Per profile: a profile's `digests` (up to 3: hourly, every 4/6/12 h, daily or weekly at an
 *   hour) each run a digest of that profile's alerts, stored with schedule
 *   "profile:<name>:<every>" and `profile`. The profile set is read on every check, so removing
 *   (or disabling) a profile or a schedule stops it, and a renamed profile starts a new line.
 * - Catch-up and restarts: a schedule's period starts at the end of its last committed run, so
 *   occurrences missed while down collapse into one run covering the gap. A run is committed
 *   (content and whether it is to be delivered) before delivery; the one delivery attempt is
 *   claimed in the row first, so a restart delivers a committed-but-unsent run once and never
 *   sends again a run whose attempt was cut short (its outcome is unknown).
 * - `POST /api/digests/run` `{ since?, top_n?, deliver? }`: a manual run covering the time since
 *   the last run of any kind (or `since`; 24 hours when there was none).
 * - `GET /api/digests?limit&cursor&since`: runs newest first.
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../alerts/page-cursor.ts";
import type { DigestSchedule } from "../config-file.ts";
import type { DigestRun, PrismaClient } from "../db/generated/client.ts";
import {
  composeDigest,
  type DigestGroup,
  digestEntryCount,
  digestMessageText,
} from "../digest/digest-content.ts";
import {
  dueSchedules,
  nextDue,
  profileDigestCron,
  profileScheduleName,
  type ScheduleMark,
} from "../digest/digest-schedule.ts";
import { PROFILE_DEFAULTS, type Profile } from "../scoring/profile.ts";
import type { TelegramGateway } from "../telegram/gateway.ts";
import { publishEvent } from "./events.ts";

declare module "fastify" {
  interface FastifyInstance {
    digests: DigestService;
  }
}

/** WorkerState key prefix: when a schedule was first seen (its first period starts there). */
export const DIGEST_ANCHOR_KEY = "digest.anchor.";
/** Anchors of profile schedules (removed with the schedule, so one added again starts afresh). */
const PROFILE_ANCHOR_PREFIX = `${DIGEST_ANCHOR_KEY}profile:`;
/** The error of a run whose delivery attempt was cut short by a restart. */
export const DELIVERY_INTERRUPTED =
  "not delivered: the sentinel stopped during the delivery; not sent again to avoid a duplicate";
export const DEFAULT_TOP_N = 20;
/** A manual run with no earlier run covers this much time. */
export const FIRST_MANUAL_PERIOD_MS = 24 * 3_600_000;
/** Alerts read per digest, best first, before one entry is kept per message. */
export const DIGEST_READ_FACTOR = 10;
const DIGEST_READ_MAX = 5_000;
/** The timer never sleeps longer than this (clock changes), nor shorter (a fake, frozen clock). */
const WAKE_MAX_MS = 60_000;
const WAKE_MIN_MS = 250;
export const DIGESTS_PAGE_MAX = 200;
export const DIGESTS_PAGE_DEFAULT = 50;

/** A digest run as the API sends it. */
export interface DigestRunJson {
  id: number;
  trigger: "schedule" | "manual";
  schedule: string | null;
  /** The profile of a profile digest (only its alerts), else null. */
  profile: string | null;
  since: string;
  until: string;
  started_at: string;
  finished_at: string | null;
  alert_count: number;
  content: DigestGroup[];
  delivered: boolean;
  error: string | null;
}

export function digestRunJson(row: DigestRun): DigestRunJson {
  let content: DigestGroup[] = [];
  try {
    const parsed = JSON.parse(row.content);
    if (Array.isArray(parsed)) content = parsed;
  } catch {
    // An unreadable row still lists, without content.
  }
  return {
    id: row.id,
    trigger: row.trigger === "schedule" ? "schedule" : "manual",
    schedule: row.schedule,
    profile: row.profile,
    since: row.since.toISOString(),
    until: row.until.toISOString(),
    started_at: row.startedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
    alert_count: row.alertCount,
    content,
    delivered: row.delivered,
    error: row.error,
  };
}

export interface DigestServiceOptions {
  prisma: PrismaClient;
  telegram: TelegramGateway;
  publish: (run: DigestRun) => Promise<void>;
  schedules: readonly DigestSchedule[];
  /** The profile set in force (read on every check). */
  profiles?: () => readonly Profile[];
  deliverToSavedMessages: boolean;
  now: () => Date;
  log: FastifyBaseLogger;
  faults?: DigestFaults;
}

/**
 * Fault injection for tests: a throw from a hook stands for the process dying at that point
 * (the run's row stays as it was, nothing after it happens).
 */
export interface DigestFaults {
  /** After the run is committed, before its delivery is claimed. */
  afterCommit?: (runId: number) => void | Promise<void>;
  /** After the message was sent, before the outcome is recorded. */
  afterSend?: (runId: number) => void | Promise<void>;
}

export interface ManualRun {
  since?: Date;
  topN?: number;
  /** Overrides `deliver_to_saved_messages` for this run. */
  deliver?: boolean;
}

export class DigestService {
  private marks: ScheduleMark[] = [];
  /** The profile set the lines follow (a new set is a new array). */
  private profilesSeen: readonly Profile[] | null = null;
  /** Profile lines started since the anchors were last stored. */
  private readonly newLines = new Set<string>();
  private anchorsDirty = false;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: DigestServiceOptions) {}

  /**
   * Reads each schedule's mark (its last run's end, else when it was first seen), settles the
   * deliveries a restart left open, and arms the timer.
   */
  async start(options: { timer: boolean }): Promise<void> {
    this.marks = [];
    this.newLines.clear();
    for (const schedule of this.options.schedules)
      this.marks.push({ schedule, mark: await this.markOf(schedule.name, false) });
    await this.serial(async () => {
      await this.loadProfileLines();
      await this.settleDeliveries();
    });
    if (options.timer) this.arm();
  }

  /** The end of the schedule's last committed run, or its anchor (when it was first seen). */
  private async markOf(name: string, profile: boolean): Promise<Date> {
    const { prisma, now } = this.options;
    const last = await prisma.digestRun.findFirst({
      where: { trigger: "schedule", schedule: name },
      orderBy: { id: "desc" },
    });
    const key = DIGEST_ANCHOR_KEY + name;
    const anchor = await prisma.workerState.findUnique({ where: { key } });
    let mark = anchor ? new Date(anchor.value) : null;
    if (mark === null) {
      // A profile schedule seen again after its removal starts afresh, not from its old runs.
      mark = profile || last === null ? now() : last.until;
      await prisma.workerState.create({ data: { key, value: mark.toISOString() } });
    }
    return last && last.until > mark ? last.until : mark;
  }

  /** The profile schedules the profile set in force asks for, by schedule name. */
  private wantedProfileLines(
    profiles: readonly Profile[],
  ): Map<string, Required<Omit<ScheduleMark, "mark">>> {
    const wanted = new Map<string, Required<Omit<ScheduleMark, "mark">>>();
    for (const profile of profiles) {
      if (!profile.enabled) continue;
      for (const spec of profile.digests ?? PROFILE_DEFAULTS.digests) {
        const name = profileScheduleName(profile.name, spec.every);
        wanted.set(name, {
          schedule: { name, cron: profileDigestCron(spec), topN: spec.top_n },
          profile: profile.name,
        });
      }
    }
    return wanted;
  }

  /** At start: the profile lines with their marks from the database. */
  private async loadProfileLines(): Promise<void> {
    const profiles = this.options.profiles?.() ?? [];
    for (const [name, line] of this.wantedProfileLines(profiles))
      this.marks.push({ ...line, mark: await this.markOf(name, true) });
    this.profilesSeen = profiles;
    this.anchorsDirty = true;
    await this.persistAnchors();
  }

  /**
   * Follows a new profile set (synchronously, so `nextRunAt()` is right at once): a removed or
   * disabled schedule goes, a new one starts now, an edited hour or top N keeps its line's mark.
   */
  private followProfiles(): void {
    const profiles = this.options.profiles?.() ?? [];
    if (profiles === this.profilesSeen) return;
    this.profilesSeen = profiles;
    const wanted = this.wantedProfileLines(profiles);
    const kept: ScheduleMark[] = [];
    for (const line of this.marks) {
      if (line.profile === undefined) kept.push(line);
      else {
        const edited = wanted.get(line.schedule.name);
        if (edited) kept.push({ ...line, schedule: edited.schedule });
      }
    }
    const have = new Set(kept.map((line) => line.schedule.name));
    for (const [name, line] of wanted) {
      if (have.has(name)) continue;
      kept.push({ ...line, mark: this.options.now() });
      this.newLines.add(name);
    }
    this.marks = kept;
    this.anchorsDirty = true;
  }

  /** Stores the anchors of new profile lines and drops those of lines that are gone. */
  private async persistAnchors(): Promise<void> {
    if (!this.anchorsDirty) return;
    this.anchorsDirty = false;
    const { prisma } = this.options;
    const lines = this.marks.filter((line) => line.profile !== undefined);
    for (const line of lines) {
      if (!this.newLines.delete(line.schedule.name)) continue;
      const key = DIGEST_ANCHOR_KEY + line.schedule.name;
      const value = line.mark.toISOString();
      await prisma.workerState.upsert({ where: { key }, create: { key, value }, update: { value } });
    }
    this.newLines.clear();
    await prisma.workerState.deleteMany({
      where: {
        key: {
          startsWith: PROFILE_ANCHOR_PREFIX,
          notIn: lines.map((line) => DIGEST_ANCHOR_KEY + line.schedule.name),
        },
      },
    });
  }

  /**
   * Runs a restart left open: a delivery attempt that was cut short is recorded as such and never
   * repeated (the message may have gone out); a committed run never attempted is delivered once,
   * as soon as Telegram is authorized.
   */
  private async settleDeliveries(): Promise<void> {
    const { prisma, telegram } = this.options;
    const interrupted = await prisma.digestRun.findMany({
      where: {
        deliver: true,
        delivered: false,
        deliveryStartedAt: { not: null },
        error: null,
        id: { notIn: [...this.sending] },
      },
    });
    for (const row of interrupted) {
      const settled = await prisma.digestRun.update({
        where: { id: row.id },
        data: { error: DELIVERY_INTERRUPTED },
      });
      await this.options.publish(settled);
    }
    if (!telegram.status().authorized) return;
    const pending = await prisma.digestRun.findMany({
      where: { deliver: true, deliveryStartedAt: null },
      orderBy: { id: "asc" },
    });
    for (const row of pending) await this.options.publish(await this.deliverRun(row));
  }

  /** When the next scheduled digest is due (null without schedules). */
  nextRunAt(): Date | null {
    this.followProfiles();
    return nextDue(this.marks);
  }

  /** Runs every schedule due at the clock's time; returns the runs made. */
  runDue(): Promise<DigestRunJson[]> {
    return this.serial(async () => {
      this.followProfiles();
      await this.persistAnchors();
      await this.settleDeliveries();
      const made: DigestRunJson[] = [];
      for (const due of dueSchedules(this.marks, this.options.now())) {
        const run = await this.run({
          trigger: "schedule",
          schedule: due.schedule.name,
          profile: due.profile ?? null,
          since: due.since,
          topN: due.schedule.topN,
          deliver: this.options.deliverToSavedMessages,
          // The next period starts here even if delivery fails afterwards.
          committed: (until) => {
            const mark = this.marks.find((m) => m.schedule.name === due.schedule.name);
            if (mark) mark.mark = until;
          },
        });
        made.push(run);
      }
      return made;
    });
  }

  /** A manual run (POST /api/digests/run). */
  runNow(request: ManualRun = {}): Promise<DigestRunJson> {
    return this.serial(async () => {
      const now = this.options.now();
      let since = request.since;
      if (since === undefined) {
        const last = await this.options.prisma.digestRun.findFirst({
          where: { profile: null },
          orderBy: { until: "desc" },
        });
        since = last?.until ?? new Date(now.getTime() - FIRST_MANUAL_PERIOD_MS);
      }
      if (since.getTime() > now.getTime())
        throw new SentinelError("VALIDATION_FAILED", "since must not be in the future", {
          details: [{ path: "since", message: "must not be in the future" }],
        });
      return this.run({
        trigger: "manual",
        schedule: null,
        profile: null,
        since,
        topN: request.topN ?? this.options.schedules[0]?.topN ?? DEFAULT_TOP_N,
        deliver: request.deliver ?? this.options.deliverToSavedMessages,
      });
    });
  }

  async list(query: { limit: number; beforeId: number | null; since?: Date }): Promise<{
    runs: DigestRunJson[];
    nextCursor: string | null;
  }> {
    const rows = await this.options.prisma.digestRun.findMany({
      where: {
        ...(query.beforeId !== null ? { id: { lt: query.beforeId } } : {}),
        ...(query.since ? { startedAt: { gte: query.since } } : {}),
      },
      orderBy: { id: "desc" },
      take: query.limit + 1,
    });
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return {
      runs: page.map(digestRunJson),
      nextCursor: more ? encodeCursor("digest", page.at(-1)!.id) : null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.nextRunAt();
    // Without any schedule yet the timer still wakes now and then: a profile may gain one.
    if (next === null && !this.options.profiles) return;
    const delay =
      next === null
        ? WAKE_MAX_MS
        : Math.min(WAKE_MAX_MS, Math.max(WAKE_MIN_MS, next.getTime() - this.options.now().getTime() + 5));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runDue()
        .catch((error: unknown) =>
          this.options.log.error(
            { error: error instanceof Error ? error.message : String(error) },
            "digest run failed",
          ),
        )
        .finally(() => this.arm());
    }, delay);
    this.timer.unref();
  }

  private async run(spec: {
    trigger: "schedule" | "manual";
    schedule: string | null;
    profile: string | null;
    since: Date;
    topN: number;
    deliver: boolean;
    committed?: (until: Date) => void;
  }): Promise<DigestRunJson> {
    const { prisma, now, log, faults } = this.options;
    const until = now();
    const base = {
      trigger: spec.trigger,
      schedule: spec.schedule,
      profile: spec.profile,
      since: spec.since,
      until,
      startedAt: until,
    };
    let groups: DigestGroup[];
    try {
      const alerts = await prisma.alert.findMany({
        where: {
          createdAt: { gte: spec.since, lt: until },
          ...(spec.profile !== null ? { profile: spec.profile } : {}),
        },
        orderBy: [{ score: "desc" }, { id: "asc" }],
        take: Math.min(DIGEST_READ_MAX, spec.topN * DIGEST_READ_FACTOR),
      });
      groups = composeDigest(alerts, spec.topN);
    } catch (error) {
      await prisma.digestRun.create({
        data: { ...base, finishedAt: now(), error: "the alerts could not be read" },
      });
      throw error;
    }
    // One insert commits the run (content and whether to deliver it) before any delivery.
    let finished = await prisma.digestRun.create({
      data: {
        ...base,
        finishedAt: now(),
        alertCount: digestEntryCount(groups),
        content: JSON.stringify(groups),
        deliver: spec.deliver,
      },
    });
    spec.committed?.(finished.until);
    await faults?.afterCommit?.(finished.id);
    if (spec.deliver) finished = await this.deliverRun(finished, groups);
    log.info(
      {
        id: finished.id,
        trigger: spec.trigger,
        schedule: spec.schedule,
        alerts: finished.alertCount,
        delivered: finished.delivered,
      },
      "digest completed",
    );
    await this.options.publish(finished);
    return digestRunJson(finished);
  }

  /** Run ids whose delivery is under way in this process (not interrupted ones). */
  private readonly sending = new Set<number>();

  /** The one delivery attempt of a committed run: claimed in the row before the message is sent. */
  private async deliverRun(row: DigestRun, groups?: DigestGroup[]): Promise<DigestRun> {
    const { prisma, now, faults } = this.options;
    const claim = await prisma.digestRun.updateMany({
      where: { id: row.id, deliveryStartedAt: null, delivered: false },
      data: { deliveryStartedAt: now() },
    });
    if (claim.count === 0) return prisma.digestRun.findUniqueOrThrow({ where: { id: row.id } });
    this.sending.add(row.id);
    try {
      const title =
        row.profile !== null
          ? `${row.profile} (${row.schedule?.split(":").at(-1) ?? ""})`
          : (row.schedule ?? "manual");
      const text = digestMessageText(
        { title, since: row.since, until: row.until },
        groups ?? digestRunJson(row).content,
      );
      const outcome = await this.deliver(text);
      await faults?.afterSend?.(row.id);
      return await prisma.digestRun.update({
        where: { id: row.id },
        data: { delivered: outcome.delivered, error: outcome.error },
      });
    } finally {
      this.sending.delete(row.id);
    }
  }

  private async deliver(text: string): Promise<{ delivered: boolean; error: string | null }> {
    const { telegram, log } = this.options;
    if (!telegram.status().authorized)
      return { delivered: false, error: "not delivered: Telegram is not connected and authorized" };
    try {
      await telegram.sendMessage("me", text);
      return { delivered: true, error: null };
    } catch (error) {
      // Only the message (GramJS errors may carry request objects).
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ error: message }, "digest not delivered to Saved Messages");
      return { delivered: false, error: `not delivered: ${message.slice(0, 200)}` };
    }
  }
}

const runSchema = z
  .strictObject({
    since: z
      .string()
      .refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), "must be an ISO 8601 time")
      .optional(),
    top_n: z.number().int().min(1).max(500).optional(),
    deliver: z.boolean().optional(),
  })
  .optional();

function validationError(issues: readonly z.core.$ZodIssue[]): SentinelError {
  const details = issues.map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message }));
  return new SentinelError("VALIDATION_FAILED", `${details[0]!.path} ${details[0]!.message}`, { details });
}

function parseListQuery(query: Record<string, unknown>): {
  limit: number;
  beforeId: number | null;
  since?: Date;
} {
  const problems: Array<{ path: string; message: string }> = [];
  const out: { limit: number; beforeId: number | null; since?: Date } = {
    limit: DIGESTS_PAGE_DEFAULT,
    beforeId: null,
  };
  const { limit, cursor, since } = query;
  if (limit !== undefined) {
    if (typeof limit === "string" && /^\d{1,4}$/.test(limit) && +limit >= 1 && +limit <= DIGESTS_PAGE_MAX)
      out.limit = Number(limit);
    else problems.push({ path: "limit", message: `must be an integer from 1 to ${DIGESTS_PAGE_MAX}` });
  }
  if (cursor !== undefined && cursor !== "") {
    out.beforeId = typeof cursor === "string" ? decodeCursor("digest", cursor) : null;
    if (out.beforeId === null)
      problems.push({ path: "cursor", message: "is not a cursor from GET /api/digests" });
  }
  if (since !== undefined) {
    if (typeof since === "string" && /^\d{4}-\d{2}-\d{2}/.test(since) && !Number.isNaN(Date.parse(since)))
      out.since = new Date(since);
    else problems.push({ path: "since", message: "must be an ISO 8601 time" });
  }
  if (problems.length > 0)
    throw new SentinelError("VALIDATION_FAILED", `${problems[0]!.path} ${problems[0]!.message}`, {
      details: problems,
    });
  return out;
}

export interface DigestsOptions {
  /** config `digest.schedules`. */
  schedules: readonly DigestSchedule[];
  /** config `digest.deliver_to_saved_messages`. */
  deliverToSavedMessages: boolean;
  /** The clock (tests pass a fake one and call `app.digests.runDue()`). */
  now?: () => Date;
  /** Arm the schedule timer on ready (default true). */
  timer?: boolean;
  /** Tests only: fault injection around delivery. */
  faults?: DigestFaults;
}

const digests: FastifyPluginAsync<DigestsOptions> = async (app, opts) => {
  const log = app.log.child({ component: "digests" });
  const service = new DigestService({
    prisma: app.prisma,
    telegram: app.telegram,
    schedules: opts.schedules,
    profiles: () => app.scoring.profiles,
    ...(opts.faults ? { faults: opts.faults } : {}),
    deliverToSavedMessages: opts.deliverToSavedMessages,
    now: opts.now ?? (() => new Date()),
    log,
    publish: async (run) => {
      await publishEvent(app.bus, log, "digest_completed", {
        id: run.id,
        trigger: run.trigger === "schedule" ? "schedule" : "manual",
        schedule: run.schedule,
        alert_count: run.alertCount,
        finished_at: (run.finishedAt ?? run.until).toISOString(),
      });
    },
  });
  app.decorate("digests", service);
  app.addHook("onReady", async () => {
    await service.start({ timer: opts.timer !== false });
    const next = service.nextRunAt();
    log.info(
      { schedules: opts.schedules.map((s) => s.name), next: next?.toISOString() ?? null },
      "digest schedules",
    );
  });
  // Digests delivered to Saved Messages come back as the account's own messages (on the live
  // stream and on every backfill). Long digests are split in parts, so match the chat rather than
  // the text: the owner's own posts in their Saved Messages are never monitored while delivery is on.
  const unskip = opts.deliverToSavedMessages
    ? app.ingestion.skipWhen((message) => {
        const self = app.telegram.status().user_info?.user_id;
        return self !== undefined && message.chatId === String(self) && message.senderId === String(self);
      })
    : () => {};
  app.addHook("onClose", async () => {
    unskip();
    await service.close();
  });

  app.post("/api/digests/run", async (request) => {
    const body = runSchema.safeParse(request.body ?? undefined);
    if (!body.success) throw validationError(body.error.issues);
    const run = await service.runNow({
      ...(body.data?.since ? { since: new Date(body.data.since) } : {}),
      ...(body.data?.top_n !== undefined ? { topN: body.data.top_n } : {}),
      ...(body.data?.deliver !== undefined ? { deliver: body.data.deliver } : {}),
    });
    return ok(run, "Digest completed");
  });

  app.get("/api/digests", async (request) => {
    const query = parseListQuery((request.query ?? {}) as Record<string, unknown>);
    const page = await service.list(query);
    return ok({ digests: page.runs, next_cursor: page.nextCursor });
  });
};

export default fp(digests, {
  name: "digests",
  dependencies: ["database", "events", "telegram", "ingestion", "scoring"],
  fastify: "5.x",
});
