import type {} from "@fastify/cookie";
import type { EventBus } from "@tgsentinel/contract/event-bus.ts";
import type { FastifyReply } from "fastify";
import type { AlertCache } from "./alert-cache.ts";
import type { AuditLog } from "./audit-log.ts";
import type { LoginService } from "./auth/login.ts";
import type { AuthSession, UiSessions } from "./auth/sessions.ts";
import type { PrismaClient } from "./db/generated/client.ts";
import type { DigestCache } from "./digest-cache.ts";
import type { UiConfig } from "./environment.ts";
import type { FeedbackStore } from "./feedback-store.ts";
import type { ProfileStore } from "./profile-store.ts";
import type { UiPubSub } from "./pubsub.ts";
import type { SentinelClient } from "./sentinel-client.ts";
import type { SessionUploader } from "./session-upload.ts";
import type { WorkerStatusTracker } from "./worker-status.ts";

/** Long-lived services of one UI app, built once in app.ts and shared by every request. */
export interface UiServices {
  config: UiConfig;
  db: PrismaClient;
  bus: EventBus;
  sentinel: SentinelClient;
  sessions: UiSessions;
  login: LoginService;
  audit: AuditLog;
  alerts: AlertCache;
  digests: DigestCache;
  profiles: ProfileStore;
  /** 👍/👎 on alerts and the threshold adjustments they cause. */
  feedback: FeedbackStore;
  worker: WorkerStatusTracker;
  uploads: SessionUploader;
  pubsub: UiPubSub;
}

/** What every resolver sees: the services and who is asking. */
export interface GraphQLContext {
  services: UiServices;
  /** The caller's UI session, or null when not logged in. */
  session: AuthSession | null;
  clientAddress: string | null;
  userAgent: string | null;
  /** Present on HTTP requests (cookies are set through it); absent on WebSocket operations. */
  reply: FastifyReply | null;
  /** The request came over https (directly or through a trusted proxy). */
  secure: boolean;
  /** Targets/details resolvers add to their mutation's audit entry, by response key. */
  auditNotes?: Map<string, { target?: string; detail?: string }>;
}
