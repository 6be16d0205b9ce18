/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AlertOrder =
  /** Newest first (by creation time) */
  | 'NEWEST'
  /** Highest score first */
  | 'SCORE';

/** The user's feedback on an alert */
export type AlertVerdict =
  /** 👎 a false positive */
  | 'DOWN'
  /** No vote (clears an earlier one) */
  | 'NONE'
  /** 👍 a useful alert */
  | 'UP';

export type ProfileInput = {
  definition: unknown;
  enabled?: boolean | null | undefined;
  name: string;
};

export type ProfilePatch = {
  definition?: unknown;
  enabled?: boolean | null | undefined;
  name?: string | null | undefined;
};

/** How Telegram delivers a login code */
export type TelegramLoginCodeType =
  /** In a Telegram app where the account is logged in */
  | 'APP'
  /** Read out in a phone call */
  | 'CALL'
  /** By email to the account's login email address */
  | 'EMAIL'
  /** The calling number of a call that is hung up at once */
  | 'FLASH_CALL'
  /** To the account's anonymous number on fragment.com */
  | 'FRAGMENT'
  /** The last digits of the number of a missed call */
  | 'MISSED_CALL'
  /** A way this UI does not know */
  | 'OTHER'
  /** By SMS */
  | 'SMS';

/** Where a login to Telegram from the UI stands */
export type TelegramLoginStep =
  /** Telegram sent a login code: submit it */
  | 'CODE'
  /** Logged in; the session is stored and the worker connects with it */
  | 'DONE'
  /** No login is pending */
  | 'IDLE'
  /** The account has a 2FA password: submit it */
  | 'PASSWORD';

export type AlertFieldsFragment = { id: number, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, updatedAt: string, edited: boolean, read: boolean, readAt: string | null, feedback: AlertVerdict, reasons: Array<{ kind: string, term: string | null, text: string | null, weight: number | null, start: number | null, end: number | null, similarity: number | null }> };

export type AlertsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  minScore?: number | null | undefined;
  chatId?: string | null | undefined;
  profile?: string | null | undefined;
  query?: string | null | undefined;
  unreadOnly?: boolean | null | undefined;
  since?: string | null | undefined;
  orderBy?: AlertOrder | null | undefined;
}>;


export type AlertsQuery = { alerts: { totalCount: number, edges: Array<{ cursor: string, node: { id: number, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, updatedAt: string, edited: boolean, read: boolean, readAt: string | null, feedback: AlertVerdict, reasons: Array<{ kind: string, term: string | null, text: string | null, weight: number | null, start: number | null, end: number | null, similarity: number | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AlertsAddedSubscriptionVariables = Exact<{
  minScore?: number | null | undefined;
}>;


export type AlertsAddedSubscription = { alertsAdded: Array<{ id: number, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, updatedAt: string, edited: boolean, read: boolean, readAt: string | null, feedback: AlertVerdict, reasons: Array<{ kind: string, term: string | null, text: string | null, weight: number | null, start: number | null, end: number | null, similarity: number | null }> }> };

export type MarkAlertReadMutationVariables = Exact<{
  id: number;
  read?: boolean | null | undefined;
}>;


export type MarkAlertReadMutation = { markAlertRead: { id: number, read: boolean, readAt: string | null } };

export type MarkAllAlertsReadMutationVariables = Exact<{ [key: string]: never; }>;


export type MarkAllAlertsReadMutation = { markAllAlertsRead: number };

export type AlertUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AlertUpdatedSubscription = { alertUpdated: { id: number, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, updatedAt: string, edited: boolean, read: boolean, readAt: string | null, feedback: AlertVerdict, reasons: Array<{ kind: string, term: string | null, text: string | null, weight: number | null, start: number | null, end: number | null, similarity: number | null }> } };

export type AlertCountSinceQueryVariables = Exact<{
  since: string;
}>;


export type AlertCountSinceQuery = { alerts: { totalCount: number } };

export type AuditLogQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { totalCount: number, edges: Array<{ cursor: string, node: { id: number, at: string, actor: string | null, action: string, target: string | null, outcome: string, detail: string | null, clientAddress: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: number, username: string, passwordChangedAt: string | null } };

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login: { id: number, username: string, passwordChangedAt: string | null } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type ChangePasswordMutationVariables = Exact<{
  currentPassword: string;
  newPassword: string;
}>;


export type ChangePasswordMutation = { changePassword: { id: number, passwordChangedAt: string | null } };

export type UiSessionsQueryVariables = Exact<{ [key: string]: never; }>;


export type UiSessionsQuery = { uiSessions: Array<{ id: string, current: boolean, createdAt: string, lastSeenAt: string, expiresAt: string, clientAddress: string | null, userAgent: string | null }> };

export type RevokeUiSessionMutationVariables = Exact<{
  id: string;
}>;


export type RevokeUiSessionMutation = { revokeUiSession: boolean };

export type ChatsQueryVariables = Exact<{ [key: string]: never; }>;


export type ChatsQuery = { chats: Array<{ id: string, title: string, type: string | null, username: string | null, included: boolean, includedOverride: boolean | null, messageCount: number | null, lastMessageAt: string | null }> };

export type SetChatIncludedMutationVariables = Exact<{
  chatId: string;
  included: boolean;
}>;


export type SetChatIncludedMutation = { setChatIncluded: { id: string, included: boolean, includedOverride: boolean | null } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { stats: { messagesIngested: number | null, alertsCreated: number | null, cachedAlerts: number, unreadAlerts: number, messagesPerMinute: number | null, lastMessageAt: string | null, uptimeSeconds: number | null, perChat: Array<{ chatId: string, title: string | null, messages: number | null, alerts: number | null }>, activity: { timeZone: string | null, hourly: Array<{ at: string, messages: number, alerts: number }>, daily: Array<{ at: string, messages: number, alerts: number }> } | null, today: { since: string | null, messages: number, alerts: number } | null } };

export type DigestRunFieldsFragment = { id: number, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, delivered: boolean, failure: string | null, deliveryError: string | null, groups: Array<{ chatId: string, chatTitle: string, bestScore: number, entries: Array<{ alertId: number, messageId: number, score: number, profiles: Array<string>, text: string, senderName: string | null, link: string | null, messageDate: string | null }> }> };

export type DigestRunsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type DigestRunsQuery = { digestRuns: Array<{ id: number, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, delivered: boolean, failure: string | null, deliveryError: string | null, groups: Array<{ chatId: string, chatTitle: string, bestScore: number, entries: Array<{ alertId: number, messageId: number, score: number, profiles: Array<string>, text: string, senderName: string | null, link: string | null, messageDate: string | null }> }> }> };

export type RunDigestMutationVariables = Exact<{ [key: string]: never; }>;


export type RunDigestMutation = { runDigest: boolean };

export type DigestCompletedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DigestCompletedSubscription = { digestCompleted: { id: number, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, delivered: boolean, failure: string | null, deliveryError: string | null, groups: Array<{ chatId: string, chatTitle: string, bestScore: number, entries: Array<{ alertId: number, messageId: number, score: number, profiles: Array<string>, text: string, senderName: string | null, link: string | null, messageDate: string | null }> }> } };

export type ProfileAdjustmentFieldsFragment = { id: number, profileId: number, field: string, from: number, to: number, downVotes: number, upVotes: number, windowDays: number, baseline: number | null, at: string, revertedAt: string | null };

export type AlertFeedbackMutationVariables = Exact<{
  alertId: number;
  verdict: AlertVerdict;
}>;


export type AlertFeedbackMutation = { alertFeedback: { verdict: AlertVerdict, adjustmentError: string | null, alert: { id: number, feedback: AlertVerdict }, adjustment: { id: number, profileId: number, field: string, from: number, to: number, downVotes: number, upVotes: number, windowDays: number, baseline: number | null, at: string, revertedAt: string | null } | null } };

export type ProfileAdjustmentsQueryVariables = Exact<{
  profile: number;
}>;


export type ProfileAdjustmentsQuery = { profileAdjustments: Array<{ id: number, profileId: number, field: string, from: number, to: number, downVotes: number, upVotes: number, windowDays: number, baseline: number | null, at: string, revertedAt: string | null }> };

export type RevertProfileAdjustmentMutationVariables = Exact<{
  id: number;
}>;


export type RevertProfileAdjustmentMutation = { revertProfileAdjustment: { id: number, profileId: number, field: string, from: number, to: number, downVotes: number, upVotes: number, windowDays: number, baseline: number | null, at: string, revertedAt: string | null } };

export type ProfileFieldsFragment = { id: number, name: string, enabled: boolean, definition: unknown, updatedAt: string };

export type ProfilesQueryVariables = Exact<{ [key: string]: never; }>;


export type ProfilesQuery = { profiles: Array<{ id: number, name: string, enabled: boolean, definition: unknown, updatedAt: string }> };

export type CreateProfileMutationVariables = Exact<{
  input: ProfileInput;
}>;


export type CreateProfileMutation = { createProfile: { id: number, name: string, enabled: boolean, definition: unknown, updatedAt: string } };

export type UpdateProfileMutationVariables = Exact<{
  id: number;
  patch: ProfilePatch;
}>;


export type UpdateProfileMutation = { updateProfile: { id: number, name: string, enabled: boolean, definition: unknown, updatedAt: string } };

export type DeleteProfileMutationVariables = Exact<{
  id: number;
}>;


export type DeleteProfileMutation = { deleteProfile: { id: number, name: string } };

export type TestProfileMutationVariables = Exact<{
  profile: ProfileInput;
  texts: Array<string> | string;
}>;


export type TestProfileMutation = { testProfile: Array<{ text: string, score: number, matched: boolean, reasons: unknown }> };

export type UploadSessionMutationVariables = Exact<{
  file: File;
}>;


export type UploadSessionMutation = { uploadSession: { imported: boolean, authorized: boolean, sessionSize: number, importedAt: string | null, error: { code: string, message: string } | null, user: { id: string, username: string | null, firstName: string | null } | null, status: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, sessionPresent: boolean | null, sessionImportedAt: string | null, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { active: boolean, floodWaitSeconds: number, floodWaitUntil: string | null } } | null } };

export type LogoutTelegramMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutTelegramMutation = { logoutTelegram: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, sessionPresent: boolean | null, sessionImportedAt: string | null, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { active: boolean, floodWaitSeconds: number, floodWaitUntil: string | null } } };

export type SettingsQueryVariables = Exact<{ [key: string]: never; }>;


export type SettingsQuery = { settings: Array<{ key: string, value: unknown, updatedAt: string }> };

export type PreferencesQueryVariables = Exact<{ [key: string]: never; }>;


export type PreferencesQuery = { preferences: { alertsDefaultMinScore: number, alertsDefaultOrder: string, displayTimeZone: string | null, digestsRunNowTopN: number } };

export type SetSettingMutationVariables = Exact<{
  key: string;
  value?: unknown;
}>;


export type SetSettingMutation = { setSetting: { key: string, value: unknown, updatedAt: string } };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { status: string, service: string, sentinelReachable: boolean, eventBus: string, eventBusConnected: boolean, timestamp: string } };

export type SystemStatsQueryVariables = Exact<{ [key: string]: never; }>;


export type SystemStatsQuery = { stats: { delivery: { mode: string, peer: string | null, alsoDigest: boolean, sent: number, queued: number, dropped: number, failed: number, lastSentAt: string | null, lastError: string | null } | null, webhooks: { count: number, delivered: number, failed: number, pending: number, failedStored: number, recentFailures: Array<{ id: number, webhook: string, profile: string, alertId: number, attempts: number, responseStatus: number | null, lastError: string | null, finishedAt: string | null }> } | null, retention: { enabled: boolean, messagesDays: number | null, alertedMessagesDays: number | null, deletedMessagesTotal: number, lastPurgeAt: string | null, lastPurgeMessages: number | null, nextPurgeAt: string | null, lastError: string | null } | null } };

export type TelegramLoginFieldsFragment = { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null };

export type TelegramLoginQueryVariables = Exact<{ [key: string]: never; }>;


export type TelegramLoginQuery = { telegramLogin: { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null } };

export type StartTelegramLoginMutationVariables = Exact<{
  phone: string;
}>;


export type StartTelegramLoginMutation = { startTelegramLogin: { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null } };

export type SubmitTelegramLoginCodeMutationVariables = Exact<{
  code: string;
}>;


export type SubmitTelegramLoginCodeMutation = { submitTelegramLoginCode: { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null } };

export type SubmitTelegramLoginPasswordMutationVariables = Exact<{
  password: string;
}>;


export type SubmitTelegramLoginPasswordMutation = { submitTelegramLoginPassword: { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null } };

export type CancelTelegramLoginMutationVariables = Exact<{ [key: string]: never; }>;


export type CancelTelegramLoginMutation = { cancelTelegramLogin: { step: TelegramLoginStep, phoneMasked: string | null, codeType: TelegramLoginCodeType | null, codeLength: number | null, nextType: TelegramLoginCodeType | null, passwordHint: string | null, expiresAt: string | null, attemptsLeft: number | null, user: { id: string, username: string | null, firstName: string | null } | null } };

export type WorkerStatusFieldsFragment = { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, sessionPresent: boolean | null, sessionImportedAt: string | null, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { active: boolean, floodWaitSeconds: number, floodWaitUntil: string | null } };

export type WorkerStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type WorkerStatusQuery = { workerStatus: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, sessionPresent: boolean | null, sessionImportedAt: string | null, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { active: boolean, floodWaitSeconds: number, floodWaitUntil: string | null } } };

export type WorkerStatusChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type WorkerStatusChangedSubscription = { workerStatus: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, sessionPresent: boolean | null, sessionImportedAt: string | null, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { active: boolean, floodWaitSeconds: number, floodWaitUntil: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AlertFieldsFragmentDoc = new TypedDocumentString(`
    fragment AlertFields on Alert {
  id
  chatId
  chatTitle
  messageId
  profile
  score
  reasons {
    kind
    term
    text
    weight
    start
    end
    similarity
  }
  text
  senderName
  link
  messageDate
  createdAt
  updatedAt
  edited
  read
  readAt
  feedback
}
    `, {"fragmentName":"AlertFields"}) as unknown as TypedDocumentString<AlertFieldsFragment, unknown>;
export const DigestRunFieldsFragmentDoc = new TypedDocumentString(`
    fragment DigestRunFields on DigestRun {
  id
  trigger
  schedule
  since
  until
  startedAt
  finishedAt
  alertCount
  groups {
    chatId
    chatTitle
    bestScore
    entries {
      alertId
      messageId
      score
      profiles
      text
      senderName
      link
      messageDate
    }
  }
  delivered
  failure
  deliveryError
}
    `, {"fragmentName":"DigestRunFields"}) as unknown as TypedDocumentString<DigestRunFieldsFragment, unknown>;
export const ProfileAdjustmentFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProfileAdjustmentFields on ProfileAdjustment {
  id
  profileId
  field
  from
  to
  downVotes
  upVotes
  windowDays
  baseline
  at
  revertedAt
}
    `, {"fragmentName":"ProfileAdjustmentFields"}) as unknown as TypedDocumentString<ProfileAdjustmentFieldsFragment, unknown>;
export const ProfileFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProfileFields on Profile {
  id
  name
  enabled
  definition
  updatedAt
}
    `, {"fragmentName":"ProfileFields"}) as unknown as TypedDocumentString<ProfileFieldsFragment, unknown>;
export const TelegramLoginFieldsFragmentDoc = new TypedDocumentString(`
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}
    `, {"fragmentName":"TelegramLoginFields"}) as unknown as TypedDocumentString<TelegramLoginFieldsFragment, unknown>;
export const WorkerStatusFieldsFragmentDoc = new TypedDocumentString(`
    fragment WorkerStatusFields on WorkerStatus {
  authorized
  connected
  user {
    id
    username
    firstName
  }
  lastSync
  lastError
  rateLimit {
    active
    floodWaitSeconds
    floodWaitUntil
  }
  sentinelReachable
  sessionPresent
  sessionImportedAt
  observedAt
}
    `, {"fragmentName":"WorkerStatusFields"}) as unknown as TypedDocumentString<WorkerStatusFieldsFragment, unknown>;
export const AlertsDocument = new TypedDocumentString(`
    query Alerts($first: Int, $after: String, $minScore: Float, $chatId: String, $profile: String, $query: String, $unreadOnly: Boolean, $since: DateTime, $orderBy: AlertOrder) {
  alerts(
    first: $first
    after: $after
    minScore: $minScore
    chatId: $chatId
    profile: $profile
    query: $query
    unreadOnly: $unreadOnly
    since: $since
    orderBy: $orderBy
  ) {
    totalCount
    edges {
      cursor
      node {
        ...AlertFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment AlertFields on Alert {
  id
  chatId
  chatTitle
  messageId
  profile
  score
  reasons {
    kind
    term
    text
    weight
    start
    end
    similarity
  }
  text
  senderName
  link
  messageDate
  createdAt
  updatedAt
  edited
  read
  readAt
  feedback
}`) as unknown as TypedDocumentString<AlertsQuery, AlertsQueryVariables>;
export const AlertsAddedDocument = new TypedDocumentString(`
    subscription AlertsAdded($minScore: Float) {
  alertsAdded(minScore: $minScore) {
    ...AlertFields
  }
}
    fragment AlertFields on Alert {
  id
  chatId
  chatTitle
  messageId
  profile
  score
  reasons {
    kind
    term
    text
    weight
    start
    end
    similarity
  }
  text
  senderName
  link
  messageDate
  createdAt
  updatedAt
  edited
  read
  readAt
  feedback
}`) as unknown as TypedDocumentString<AlertsAddedSubscription, AlertsAddedSubscriptionVariables>;
export const MarkAlertReadDocument = new TypedDocumentString(`
    mutation MarkAlertRead($id: Int!, $read: Boolean) {
  markAlertRead(id: $id, read: $read) {
    id
    read
    readAt
  }
}
    `) as unknown as TypedDocumentString<MarkAlertReadMutation, MarkAlertReadMutationVariables>;
export const MarkAllAlertsReadDocument = new TypedDocumentString(`
    mutation MarkAllAlertsRead {
  markAllAlertsRead
}
    `) as unknown as TypedDocumentString<MarkAllAlertsReadMutation, MarkAllAlertsReadMutationVariables>;
export const AlertUpdatedDocument = new TypedDocumentString(`
    subscription AlertUpdated {
  alertUpdated {
    ...AlertFields
  }
}
    fragment AlertFields on Alert {
  id
  chatId
  chatTitle
  messageId
  profile
  score
  reasons {
    kind
    term
    text
    weight
    start
    end
    similarity
  }
  text
  senderName
  link
  messageDate
  createdAt
  updatedAt
  edited
  read
  readAt
  feedback
}`) as unknown as TypedDocumentString<AlertUpdatedSubscription, AlertUpdatedSubscriptionVariables>;
export const AlertCountSinceDocument = new TypedDocumentString(`
    query AlertCountSince($since: DateTime!) {
  alerts(first: 1, since: $since) {
    totalCount
  }
}
    `) as unknown as TypedDocumentString<AlertCountSinceQuery, AlertCountSinceQueryVariables>;
export const AuditLogDocument = new TypedDocumentString(`
    query AuditLog($first: Int, $after: String) {
  auditLog(first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node {
        id
        at
        actor
        action
        target
        outcome
        detail
        clientAddress
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<AuditLogQuery, AuditLogQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    username
    passwordChangedAt
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    id
    username
    passwordChangedAt
  }
}
    `) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const ChangePasswordDocument = new TypedDocumentString(`
    mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
    id
    passwordChangedAt
  }
}
    `) as unknown as TypedDocumentString<ChangePasswordMutation, ChangePasswordMutationVariables>;
export const UiSessionsDocument = new TypedDocumentString(`
    query UiSessions {
  uiSessions {
    id
    current
    createdAt
    lastSeenAt
    expiresAt
    clientAddress
    userAgent
  }
}
    `) as unknown as TypedDocumentString<UiSessionsQuery, UiSessionsQueryVariables>;
export const RevokeUiSessionDocument = new TypedDocumentString(`
    mutation RevokeUiSession($id: String!) {
  revokeUiSession(id: $id)
}
    `) as unknown as TypedDocumentString<RevokeUiSessionMutation, RevokeUiSessionMutationVariables>;
export const ChatsDocument = new TypedDocumentString(`
    query Chats {
  chats {
    id
    title
    type
    username
    included
    includedOverride
    messageCount
    lastMessageAt
  }
}
    `) as unknown as TypedDocumentString<ChatsQuery, ChatsQueryVariables>;
export const SetChatIncludedDocument = new TypedDocumentString(`
    mutation SetChatIncluded($chatId: String!, $included: Boolean!) {
  setChatIncluded(chatId: $chatId, included: $included) {
    id
    included
    includedOverride
  }
}
    `) as unknown as TypedDocumentString<SetChatIncludedMutation, SetChatIncludedMutationVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard {
  stats {
    messagesIngested
    alertsCreated
    cachedAlerts
    unreadAlerts
    messagesPerMinute
    lastMessageAt
    uptimeSeconds
    perChat {
      chatId
      title
      messages
      alerts
    }
    activity {
      timeZone
      hourly {
        at
        messages
        alerts
      }
      daily {
        at
        messages
        alerts
      }
    }
    today {
      since
      messages
      alerts
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const DigestRunsDocument = new TypedDocumentString(`
    query DigestRuns($first: Int) {
  digestRuns(first: $first) {
    ...DigestRunFields
  }
}
    fragment DigestRunFields on DigestRun {
  id
  trigger
  schedule
  since
  until
  startedAt
  finishedAt
  alertCount
  groups {
    chatId
    chatTitle
    bestScore
    entries {
      alertId
      messageId
      score
      profiles
      text
      senderName
      link
      messageDate
    }
  }
  delivered
  failure
  deliveryError
}`) as unknown as TypedDocumentString<DigestRunsQuery, DigestRunsQueryVariables>;
export const RunDigestDocument = new TypedDocumentString(`
    mutation RunDigest {
  runDigest
}
    `) as unknown as TypedDocumentString<RunDigestMutation, RunDigestMutationVariables>;
export const DigestCompletedDocument = new TypedDocumentString(`
    subscription DigestCompleted {
  digestCompleted {
    ...DigestRunFields
  }
}
    fragment DigestRunFields on DigestRun {
  id
  trigger
  schedule
  since
  until
  startedAt
  finishedAt
  alertCount
  groups {
    chatId
    chatTitle
    bestScore
    entries {
      alertId
      messageId
      score
      profiles
      text
      senderName
      link
      messageDate
    }
  }
  delivered
  failure
  deliveryError
}`) as unknown as TypedDocumentString<DigestCompletedSubscription, DigestCompletedSubscriptionVariables>;
export const AlertFeedbackDocument = new TypedDocumentString(`
    mutation AlertFeedback($alertId: Int!, $verdict: AlertVerdict!) {
  alertFeedback(alertId: $alertId, verdict: $verdict) {
    verdict
    alert {
      id
      feedback
    }
    adjustment {
      ...ProfileAdjustmentFields
    }
    adjustmentError
  }
}
    fragment ProfileAdjustmentFields on ProfileAdjustment {
  id
  profileId
  field
  from
  to
  downVotes
  upVotes
  windowDays
  baseline
  at
  revertedAt
}`) as unknown as TypedDocumentString<AlertFeedbackMutation, AlertFeedbackMutationVariables>;
export const ProfileAdjustmentsDocument = new TypedDocumentString(`
    query ProfileAdjustments($profile: Int!) {
  profileAdjustments(profile: $profile) {
    ...ProfileAdjustmentFields
  }
}
    fragment ProfileAdjustmentFields on ProfileAdjustment {
  id
  profileId
  field
  from
  to
  downVotes
  upVotes
  windowDays
  baseline
  at
  revertedAt
}`) as unknown as TypedDocumentString<ProfileAdjustmentsQuery, ProfileAdjustmentsQueryVariables>;
export const RevertProfileAdjustmentDocument = new TypedDocumentString(`
    mutation RevertProfileAdjustment($id: Int!) {
  revertProfileAdjustment(id: $id) {
    ...ProfileAdjustmentFields
  }
}
    fragment ProfileAdjustmentFields on ProfileAdjustment {
  id
  profileId
  field
  from
  to
  downVotes
  upVotes
  windowDays
  baseline
  at
  revertedAt
}`) as unknown as TypedDocumentString<RevertProfileAdjustmentMutation, RevertProfileAdjustmentMutationVariables>;
export const ProfilesDocument = new TypedDocumentString(`
    query Profiles {
  profiles {
    ...ProfileFields
  }
}
    fragment ProfileFields on Profile {
  id
  name
  enabled
  definition
  updatedAt
}`) as unknown as TypedDocumentString<ProfilesQuery, ProfilesQueryVariables>;
export const CreateProfileDocument = new TypedDocumentString(`
    mutation CreateProfile($input: ProfileInput!) {
  createProfile(input: $input) {
    ...ProfileFields
  }
}
    fragment ProfileFields on Profile {
  id
  name
  enabled
  definition
  updatedAt
}`) as unknown as TypedDocumentString<CreateProfileMutation, CreateProfileMutationVariables>;
export const UpdateProfileDocument = new TypedDocumentString(`
    mutation UpdateProfile($id: Int!, $patch: ProfilePatch!) {
  updateProfile(id: $id, patch: $patch) {
    ...ProfileFields
  }
}
    fragment ProfileFields on Profile {
  id
  name
  enabled
  definition
  updatedAt
}`) as unknown as TypedDocumentString<UpdateProfileMutation, UpdateProfileMutationVariables>;
export const DeleteProfileDocument = new TypedDocumentString(`
    mutation DeleteProfile($id: Int!) {
  deleteProfile(id: $id) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<DeleteProfileMutation, DeleteProfileMutationVariables>;
export const TestProfileDocument = new TypedDocumentString(`
    mutation TestProfile($profile: ProfileInput!, $texts: [String!]!) {
  testProfile(profile: $profile, texts: $texts) {
    text
    score
    matched
    reasons
  }
}
    `) as unknown as TypedDocumentString<TestProfileMutation, TestProfileMutationVariables>;
export const UploadSessionDocument = new TypedDocumentString(`
    mutation UploadSession($file: Upload!) {
  uploadSession(file: $file) {
    imported
    authorized
    sessionSize
    importedAt
    error {
      code
      message
    }
    user {
      id
      username
      firstName
    }
    status {
      ...WorkerStatusFields
    }
  }
}
    fragment WorkerStatusFields on WorkerStatus {
  authorized
  connected
  user {
    id
    username
    firstName
  }
  lastSync
  lastError
  rateLimit {
    active
    floodWaitSeconds
    floodWaitUntil
  }
  sentinelReachable
  sessionPresent
  sessionImportedAt
  observedAt
}`) as unknown as TypedDocumentString<UploadSessionMutation, UploadSessionMutationVariables>;
export const LogoutTelegramDocument = new TypedDocumentString(`
    mutation LogoutTelegram {
  logoutTelegram {
    ...WorkerStatusFields
  }
}
    fragment WorkerStatusFields on WorkerStatus {
  authorized
  connected
  user {
    id
    username
    firstName
  }
  lastSync
  lastError
  rateLimit {
    active
    floodWaitSeconds
    floodWaitUntil
  }
  sentinelReachable
  sessionPresent
  sessionImportedAt
  observedAt
}`) as unknown as TypedDocumentString<LogoutTelegramMutation, LogoutTelegramMutationVariables>;
export const SettingsDocument = new TypedDocumentString(`
    query Settings {
  settings {
    key
    value
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<SettingsQuery, SettingsQueryVariables>;
export const PreferencesDocument = new TypedDocumentString(`
    query Preferences {
  preferences {
    alertsDefaultMinScore
    alertsDefaultOrder
    displayTimeZone
    digestsRunNowTopN
  }
}
    `) as unknown as TypedDocumentString<PreferencesQuery, PreferencesQueryVariables>;
export const SetSettingDocument = new TypedDocumentString(`
    mutation SetSetting($key: String!, $value: JSON) {
  setSetting(key: $key, value: $value) {
    key
    value
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<SetSettingMutation, SetSettingMutationVariables>;
export const HealthDocument = new TypedDocumentString(`
    query Health {
  health {
    status
    service
    sentinelReachable
    eventBus
    eventBusConnected
    timestamp
  }
}
    `) as unknown as TypedDocumentString<HealthQuery, HealthQueryVariables>;
export const SystemStatsDocument = new TypedDocumentString(`
    query SystemStats {
  stats {
    delivery {
      mode
      peer
      alsoDigest
      sent
      queued
      dropped
      failed
      lastSentAt
      lastError
    }
    webhooks {
      count
      delivered
      failed
      pending
      failedStored
      recentFailures {
        id
        webhook
        profile
        alertId
        attempts
        responseStatus
        lastError
        finishedAt
      }
    }
    retention {
      enabled
      messagesDays
      alertedMessagesDays
      deletedMessagesTotal
      lastPurgeAt
      lastPurgeMessages
      nextPurgeAt
      lastError
    }
  }
}
    `) as unknown as TypedDocumentString<SystemStatsQuery, SystemStatsQueryVariables>;
export const TelegramLoginDocument = new TypedDocumentString(`
    query TelegramLogin {
  telegramLogin {
    ...TelegramLoginFields
  }
}
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}`) as unknown as TypedDocumentString<TelegramLoginQuery, TelegramLoginQueryVariables>;
export const StartTelegramLoginDocument = new TypedDocumentString(`
    mutation StartTelegramLogin($phone: String!) {
  startTelegramLogin(phone: $phone) {
    ...TelegramLoginFields
  }
}
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}`) as unknown as TypedDocumentString<StartTelegramLoginMutation, StartTelegramLoginMutationVariables>;
export const SubmitTelegramLoginCodeDocument = new TypedDocumentString(`
    mutation SubmitTelegramLoginCode($code: String!) {
  submitTelegramLoginCode(code: $code) {
    ...TelegramLoginFields
  }
}
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}`) as unknown as TypedDocumentString<SubmitTelegramLoginCodeMutation, SubmitTelegramLoginCodeMutationVariables>;
export const SubmitTelegramLoginPasswordDocument = new TypedDocumentString(`
    mutation SubmitTelegramLoginPassword($password: String!) {
  submitTelegramLoginPassword(password: $password) {
    ...TelegramLoginFields
  }
}
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}`) as unknown as TypedDocumentString<SubmitTelegramLoginPasswordMutation, SubmitTelegramLoginPasswordMutationVariables>;
export const CancelTelegramLoginDocument = new TypedDocumentString(`
    mutation CancelTelegramLogin {
  cancelTelegramLogin {
    ...TelegramLoginFields
  }
}
    fragment TelegramLoginFields on TelegramLogin {
  step
  phoneMasked
  codeType
  codeLength
  nextType
  passwordHint
  expiresAt
  attemptsLeft
  user {
    id
    username
    firstName
  }
}`) as unknown as TypedDocumentString<CancelTelegramLoginMutation, CancelTelegramLoginMutationVariables>;
export const WorkerStatusDocument = new TypedDocumentString(`
    query WorkerStatus {
  workerStatus {
    ...WorkerStatusFields
  }
}
    fragment WorkerStatusFields on WorkerStatus {
  authorized
  connected
  user {
    id
    username
    firstName
  }
  lastSync
  lastError
  rateLimit {
    active
    floodWaitSeconds
    floodWaitUntil
  }
  sentinelReachable
  sessionPresent
  sessionImportedAt
  observedAt
}`) as unknown as TypedDocumentString<WorkerStatusQuery, WorkerStatusQueryVariables>;
export const WorkerStatusChangedDocument = new TypedDocumentString(`
    subscription WorkerStatusChanged {
  workerStatus {
    ...WorkerStatusFields
  }
}
    fragment WorkerStatusFields on WorkerStatus {
  authorized
  connected
  user {
    id
    username
    firstName
  }
  lastSync
  lastError
  rateLimit {
    active
    floodWaitSeconds
    floodWaitUntil
  }
  sentinelReachable
  sessionPresent
  sessionImportedAt
  observedAt
}`) as unknown as TypedDocumentString<WorkerStatusChangedSubscription, WorkerStatusChangedSubscriptionVariables>;