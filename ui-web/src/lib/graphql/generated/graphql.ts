/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ProfileInput = {
  definition: unknown;
  enabled: boolean;
  name: string;
};

export type AlertFieldsFragment = { id: string, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, readAt: string | null, reasons: Array<{ kind: string, term: string | null, weight: number, start: number | null, end: number | null, detail: string | null }> };

export type AlertsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  minScore?: number | null | undefined;
  chatId?: string | null | undefined;
  profile?: string | null | undefined;
  query?: string | null | undefined;
}>;


export type AlertsQuery = { alerts: { edges: Array<{ cursor: string, node: { id: string, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, readAt: string | null, reasons: Array<{ kind: string, term: string | null, weight: number, start: number | null, end: number | null, detail: string | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AlertAddedSubscriptionVariables = Exact<{
  minScore?: number | null | undefined;
}>;


export type AlertAddedSubscription = { alertAdded: { id: string, chatId: string, chatTitle: string, messageId: number, profile: string, score: number, text: string, senderName: string | null, link: string | null, messageDate: string, createdAt: string, readAt: string | null, reasons: Array<{ kind: string, term: string | null, weight: number, start: number | null, end: number | null, detail: string | null }> } };

export type MarkAlertReadMutationVariables = Exact<{
  id: string | number;
}>;


export type MarkAlertReadMutation = { markAlertRead: { id: string, readAt: string | null } };

export type AuditLogQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { edges: Array<{ cursor: string, node: { id: string, at: string, actor: string | null, action: string, target: string | null, outcome: string, detail: string | null, clientAddress: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, username: string } | null };

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login: { id: string, username: string } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type ChangePasswordMutationVariables = Exact<{
  currentPassword: string;
  newPassword: string;
}>;


export type ChangePasswordMutation = { changePassword: boolean };

export type ChatsQueryVariables = Exact<{ [key: string]: never; }>;


export type ChatsQuery = { chats: Array<{ id: string, title: string, type: string | null, username: string | null, included: boolean, messageCount: number | null, lastMessageAt: string | null }> };

export type SetChatIncludedMutationVariables = Exact<{
  chatId: string | number;
  included: boolean;
}>;


export type SetChatIncludedMutation = { setChatIncluded: { id: string, included: boolean } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { stats: { messagesIngested: number, messagesToday: number, alertsToday: number, alertsTotal: number, messagesPerMinute: number, lastMessageAt: string | null, topChats: Array<{ chatId: string, chatTitle: string, messages: number, alerts: number }>, activity: Array<{ at: string, messages: number, alerts: number }> } };

export type DigestRunFieldsFragment = { id: string, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, content: unknown, delivered: boolean, error: string | null };

export type DigestRunsQueryVariables = Exact<{ [key: string]: never; }>;


export type DigestRunsQuery = { digestRuns: Array<{ id: string, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, content: unknown, delivered: boolean, error: string | null }> };

export type RunDigestMutationVariables = Exact<{ [key: string]: never; }>;


export type RunDigestMutation = { runDigest: { id: string, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, content: unknown, delivered: boolean, error: string | null } };

export type DigestCompletedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DigestCompletedSubscription = { digestCompleted: { id: string, trigger: string, schedule: string | null, since: string, until: string, startedAt: string, finishedAt: string | null, alertCount: number, content: unknown, delivered: boolean, error: string | null } };

export type ProfileFieldsFragment = { id: string, name: string, enabled: boolean, definition: unknown, updatedAt: string };

export type ProfilesQueryVariables = Exact<{ [key: string]: never; }>;


export type ProfilesQuery = { profiles: Array<{ id: string, name: string, enabled: boolean, definition: unknown, updatedAt: string }> };

export type CreateProfileMutationVariables = Exact<{
  input: ProfileInput;
}>;


export type CreateProfileMutation = { createProfile: { id: string, name: string, enabled: boolean, definition: unknown, updatedAt: string } };

export type UpdateProfileMutationVariables = Exact<{
  id: string | number;
  input: ProfileInput;
}>;


export type UpdateProfileMutation = { updateProfile: { id: string, name: string, enabled: boolean, definition: unknown, updatedAt: string } };

export type DeleteProfileMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteProfileMutation = { deleteProfile: boolean };

export type TestProfileMutationVariables = Exact<{
  input: ProfileInput;
  texts: Array<string> | string;
}>;


export type TestProfileMutation = { testProfile: Array<{ text: string, score: number, matched: boolean, wouldAlert: boolean, reasons: Array<{ kind: string, term: string | null, weight: number, start: number | null, end: number | null, detail: string | null }> }> };

export type UploadSessionMutationVariables = Exact<{
  file: File;
}>;


export type UploadSessionMutation = { uploadSession: { size: number, importedAt: string, authorized: boolean, status: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { floodWaitUntil: string | null } } } };

export type LogoutTelegramMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutTelegramMutation = { logoutTelegram: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { floodWaitUntil: string | null } } };

export type SettingsQueryVariables = Exact<{ [key: string]: never; }>;


export type SettingsQuery = { settings: Array<{ key: string, value: unknown, updatedAt: string | null }> };

export type SetSettingMutationVariables = Exact<{
  key: string;
  value: unknown;
}>;


export type SetSettingMutation = { setSetting: { key: string, value: unknown, updatedAt: string | null } };

export type WorkerStatusFieldsFragment = { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { floodWaitUntil: string | null } };

export type WorkerStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type WorkerStatusQuery = { workerStatus: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { floodWaitUntil: string | null } } };

export type WorkerStatusChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type WorkerStatusChangedSubscription = { workerStatus: { authorized: boolean, connected: boolean, lastSync: string | null, lastError: string | null, sentinelReachable: boolean, observedAt: string, user: { id: string, username: string | null, firstName: string | null } | null, rateLimit: { floodWaitUntil: string | null } } };

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
    weight
    start
    end
    detail
  }
  text
  senderName
  link
  messageDate
  createdAt
  readAt
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
  content
  delivered
  error
}
    `, {"fragmentName":"DigestRunFields"}) as unknown as TypedDocumentString<DigestRunFieldsFragment, unknown>;
export const ProfileFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProfileFields on Profile {
  id
  name
  enabled
  definition
  updatedAt
}
    `, {"fragmentName":"ProfileFields"}) as unknown as TypedDocumentString<ProfileFieldsFragment, unknown>;
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
    floodWaitUntil
  }
  sentinelReachable
  observedAt
}
    `, {"fragmentName":"WorkerStatusFields"}) as unknown as TypedDocumentString<WorkerStatusFieldsFragment, unknown>;
export const AlertsDocument = new TypedDocumentString(`
    query Alerts($first: Int, $after: String, $minScore: Float, $chatId: String, $profile: String, $query: String) {
  alerts(
    first: $first
    after: $after
    minScore: $minScore
    chatId: $chatId
    profile: $profile
    query: $query
  ) {
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
    weight
    start
    end
    detail
  }
  text
  senderName
  link
  messageDate
  createdAt
  readAt
}`) as unknown as TypedDocumentString<AlertsQuery, AlertsQueryVariables>;
export const AlertAddedDocument = new TypedDocumentString(`
    subscription AlertAdded($minScore: Float) {
  alertAdded(minScore: $minScore) {
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
    weight
    start
    end
    detail
  }
  text
  senderName
  link
  messageDate
  createdAt
  readAt
}`) as unknown as TypedDocumentString<AlertAddedSubscription, AlertAddedSubscriptionVariables>;
export const MarkAlertReadDocument = new TypedDocumentString(`
    mutation MarkAlertRead($id: ID!) {
  markAlertRead(id: $id) {
    id
    readAt
  }
}
    `) as unknown as TypedDocumentString<MarkAlertReadMutation, MarkAlertReadMutationVariables>;
export const AuditLogDocument = new TypedDocumentString(`
    query AuditLog($first: Int, $after: String) {
  auditLog(first: $first, after: $after) {
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
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    id
    username
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
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
}
    `) as unknown as TypedDocumentString<ChangePasswordMutation, ChangePasswordMutationVariables>;
export const ChatsDocument = new TypedDocumentString(`
    query Chats {
  chats {
    id
    title
    type
    username
    included
    messageCount
    lastMessageAt
  }
}
    `) as unknown as TypedDocumentString<ChatsQuery, ChatsQueryVariables>;
export const SetChatIncludedDocument = new TypedDocumentString(`
    mutation SetChatIncluded($chatId: ID!, $included: Boolean!) {
  setChatIncluded(chatId: $chatId, included: $included) {
    id
    included
  }
}
    `) as unknown as TypedDocumentString<SetChatIncludedMutation, SetChatIncludedMutationVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard {
  stats {
    messagesIngested
    messagesToday
    alertsToday
    alertsTotal
    messagesPerMinute
    lastMessageAt
    topChats {
      chatId
      chatTitle
      messages
      alerts
    }
    activity {
      at
      messages
      alerts
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const DigestRunsDocument = new TypedDocumentString(`
    query DigestRuns {
  digestRuns {
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
  content
  delivered
  error
}`) as unknown as TypedDocumentString<DigestRunsQuery, DigestRunsQueryVariables>;
export const RunDigestDocument = new TypedDocumentString(`
    mutation RunDigest {
  runDigest {
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
  content
  delivered
  error
}`) as unknown as TypedDocumentString<RunDigestMutation, RunDigestMutationVariables>;
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
  content
  delivered
  error
}`) as unknown as TypedDocumentString<DigestCompletedSubscription, DigestCompletedSubscriptionVariables>;
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
    mutation UpdateProfile($id: ID!, $input: ProfileInput!) {
  updateProfile(id: $id, input: $input) {
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
    mutation DeleteProfile($id: ID!) {
  deleteProfile(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteProfileMutation, DeleteProfileMutationVariables>;
export const TestProfileDocument = new TypedDocumentString(`
    mutation TestProfile($input: ProfileInput!, $texts: [String!]!) {
  testProfile(input: $input, texts: $texts) {
    text
    score
    matched
    wouldAlert
    reasons {
      kind
      term
      weight
      start
      end
      detail
    }
  }
}
    `) as unknown as TypedDocumentString<TestProfileMutation, TestProfileMutationVariables>;
export const UploadSessionDocument = new TypedDocumentString(`
    mutation UploadSession($file: Upload!) {
  uploadSession(file: $file) {
    size
    importedAt
    authorized
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
    floodWaitUntil
  }
  sentinelReachable
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
    floodWaitUntil
  }
  sentinelReachable
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
export const SetSettingDocument = new TypedDocumentString(`
    mutation SetSetting($key: String!, $value: JSON!) {
  setSetting(key: $key, value: $value) {
    key
    value
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<SetSettingMutation, SetSettingMutationVariables>;
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
    floodWaitUntil
  }
  sentinelReachable
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
    floodWaitUntil
  }
  sentinelReachable
  observedAt
}`) as unknown as TypedDocumentString<WorkerStatusChangedSubscription, WorkerStatusChangedSubscriptionVariables>;