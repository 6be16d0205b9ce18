import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { Api } from "telegram";
import { BinaryReader } from "telegram/extensions/BinaryReader.js";
import { returnBigInt } from "telegram/Helpers.js";
import { GZIPPacked, MessageContainer } from "telegram/tl/core/index.js";
import { serializeBytes } from "telegram/tl/generationHelpers.js";
import { AuthKeyExchange, HandshakeError } from "./auth-key-exchange.ts";
import { type AuthKeyEntry, AuthKeyLimitError } from "./auth-keys.ts";
import type { Long, MessageCipher } from "./message-cipher.ts";
import { RpcFailure, type RpcResult } from "./rpc-methods.ts";
import type { ServerSalts } from "./server-salts.ts";
import { ServerTransport, type TransportKind } from "./transport.ts";

const RPC_RESULT_ID = 0xf35c6d01;
const GZIP_PACKED_ID = 0x3072cfa1;
const MSG_CONTAINER_ID = 0x73f1f8dc;
const VECTOR_ID = 0x1cb5c415;
const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;
/** Payloads above this travel gzip-packed, as Telegram does for large answers. */
const GZIP_THRESHOLD = 512;
/** msg_ids more than 300 s old or 30 s ahead are refused (bad_msg_notification 16/17). */
const MSG_ID_PAST_SECONDS = 300;
const MSG_ID_FUTURE_SECONDS = 30;
/**
 * A transport-level error code the client reads as "auth key unknown to the server"; Telegram also
 * answers it to a key exchange it refuses, then closes the connection.
 */
const TRANSPORT_AUTH_KEY_NOT_FOUND = -404;
/** Unencrypted messages: auth_key_id (0), message_id, message_data_length, then the data. */
const PLAIN_HEADER = 20;

/** What a connection needs from the DC it belongs to. */
export interface ConnectionHost {
  /** The DC's auth key named by a packet's auth_key_id, if it knows it. */
  findKey(packet: Buffer): AuthKeyEntry | undefined;
  /**
   * One step of the DH key exchange (an unencrypted message's TL object). Resolves to the answer;
   * rejects when the step is refused (the connection then answers -404 and closes).
   */
  exchangeKey(request: unknown): Promise<{ getBytes(): Buffer }>;
  readonly salts: ServerSalts;
  /** Runs one API request (possibly wrapped) for this connection; throws RpcFailure for rpc_error. */
  invoke(request: Api.AnyRequest, connection: MtprotoConnection): RpcResult;
  /** Extra latency for answers (the control API's /delay), in ms. */
  answerDelayMs(): number;
  /** Service messages and acks that arrive (for the state report). */
  countServiceMessage(name: string): void;
  /** Registers a client session id of a key; true the first time the DC sees it (new_session_created). */
  registerSession(key: AuthKeyEntry, sessionId: bigint): boolean;
  connectionClosed(connection: MtprotoConnection): void;
  /** Something unexpected went wrong while handling a client message (never a secret). */
  reportError(error: unknown): void;
}

interface Outgoing {
  body: Buffer;
  contentRelated: boolean;
  /** Answers and server-initiated messages use msg_id ≡ 1 and ≡ 3 (mod 4). */
  response: boolean;
}

function serializeResult(result: RpcResult): Buffer {
  if (typeof result === "boolean") {
    const out = Buffer.alloc(4);
    out.writeUInt32LE(result ? BOOL_TRUE : BOOL_FALSE, 0);
    return out;
  }
  if (Array.isArray(result)) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(VECTOR_ID, 0);
    head.writeInt32LE(result.length, 4);
    return Buffer.concat([head, ...result.map((item) => item.getBytes())]);
  }
  return result.getBytes();
}

function gzipPacked(data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(GZIP_PACKED_ID, 0);
  return Buffer.concat([head, serializeBytes(gzipSync(data))]);
}

function maybeGzip(data: Buffer): Buffer {
  if (data.length <= GZIP_THRESHOLD) return data;
  const packed = gzipPacked(data);
  return packed.length < data.length ? packed : data;
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value, 0);
  return out;
}

function toLong(value: bigint): Long {
  return returnBigInt(value);
}

function asBigint(value: Long): bigint {
  return BigInt(value.toString());
}

let nextConnectionId = 1;

/**
 * One client TCP connection speaking MTProto 2.0: transport framing, the unencrypted DH key
 * exchange, decryption with one of the DC's auth keys and checks of each message (salt, msg_id,
 * seq_no), service messages (ping, acks, containers, gzip, future salts), and encrypted answers,
 * batched into containers when several are ready at once.
 */
export class MtprotoConnection {
  readonly id = nextConnectionId++;
  private readonly transport = new ServerTransport();
  /** The auth key the client encrypts with (the last one seen on this connection). */
  key: AuthKeyEntry | undefined;
  /** The client's current session id (it changes when GramJS resets its state). */
  private sessionId: bigint | undefined;
  private readonly seenMsgIds = new Set<bigint>();
  private readonly seenOrder: bigint[] = [];
  private serverSeq = 0;
  private lastServerMsgId = 0n;
  private queue: Outgoing[] = [];
  private flushScheduled = false;
  private processing: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pingDisconnect: NodeJS.Timeout | undefined;
  private closed = false;
  /** A successful call that needs authorisation was made: the connection now receives updates. */
  authorised = false;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  /** The transport the client chose, e.g. "full" or "obfuscated-abridged"; undefined until detected. */
  get transportName(): string | undefined {
    const kind: TransportKind | undefined = this.transport.kind;
    if (!kind) return undefined;
    return this.transport.obfuscated ? `obfuscated-${kind}` : kind;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Drops the TCP connection (as a network failure or a server restart would). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.pingDisconnect) clearTimeout(this.pingDisconnect);
    this.socket.destroy();
    this.host.connectionClosed(this);
  }

  /** Pushes an Updates object to the client as a server-initiated message. */
  pushUpdates(updates: Api.TypeUpdates): void {
    if (this.closed || this.sessionId === undefined) return;
    this.enqueue({ body: maybeGzip(updates.getBytes()), contentRelated: true, response: false });
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let packets: Buffer[];
    try {
      packets = this.transport.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const packet of packets) {
      // Packets are handled strictly in order, even though decoding a container is asynchronous.
      this.processing = this.processing
        .then(() => (this.closed ? undefined : this.onPacket(packet)))
        .catch((error: unknown) => {
          this.host.reportError(error);
          this.close();
        });
    }
  }

  /** Transport error -404 and close: an unknown auth key, or a refused key exchange. */
  private refuse(): void {
    if (this.closed) return;
    this.socket.write(this.transport.frame(int32(TRANSPORT_AUTH_KEY_NOT_FOUND)));
    this.close();
  }

  private async onPacket(packet: Buffer): Promise<void> {
    if (packet.length >= 8 && packet.readBigUInt64LE(0) === 0n) {
      await this.onPlainPacket(packet);
      return;
    }
    const key = this.host.findKey(packet);
    if (!key) {
      this.refuse();
      return;
    }
    if (key !== this.key) {
      // A client that switches keys starts over: nothing queued for the old key goes out.
      this.key = key;
      this.sessionId = undefined;
      this.queue = [];
    }
    let message: ReturnType<MessageCipher["decryptClientMessage"]>;
    try {
      message = key.cipher.decryptClientMessage(packet);
    } catch {
      this.close();
      return;
    }
    const msgId = asBigint(message.msgId);
    const bad = this.checkEnvelope(msgId, message.seqNo);
    if (bad !== undefined) {
      this.sendBadMsg(message.msgId, message.seqNo, bad);
      return;
    }
    const salt = asBigint(message.salt);
    this.adoptSession(asBigint(message.sessionId));
    if (!this.host.salts.accepts(salt)) {
      const badSalt = new Api.BadServerSalt({
        badMsgId: message.msgId,
        badMsgSeqno: message.seqNo,
        errorCode: 48,
        newServerSalt: toLong(this.host.salts.current()),
      });
      this.enqueue({ body: badSalt.getBytes(), contentRelated: false, response: true });
      return;
    }
    if (this.seenMsgIds.has(msgId)) return; // a duplicate: Telegram ignores it
    if (this.host.registerSession(key, this.sessionId!)) {
      const created = new Api.NewSessionCreated({
        firstMsgId: message.msgId,
        uniqueId: toLong(randomBytes(8).readBigInt64LE(0)),
        serverSalt: toLong(this.host.salts.current()),
      });
      this.enqueue({ body: created.getBytes(), contentRelated: true, response: false });
    }
    this.remember(msgId);
    const obj = await new BinaryReader(message.body).tgReadObject();
    await this.process(message.msgId, message.seqNo, obj);
  }

  /**
   * An unencrypted message: only the steps of the key exchange may come this way. Anything
   * malformed or refused gets -404 and the connection closes; the DC itself never fails on it.
   */
  private async onPlainPacket(packet: Buffer): Promise<void> {
    if (packet.length < PLAIN_HEADER + 4 || packet.readInt32LE(16) !== packet.length - PLAIN_HEADER) {
      this.refuse();
      return;
    }
    if (this.checkEnvelope(packet.readBigInt64LE(8), 0) !== undefined) {
      this.refuse();
      return;
    }
    let request: unknown;
    try {
      request = new BinaryReader(packet.subarray(PLAIN_HEADER)).tgReadObject();
    } catch {
      this.refuse();
      return;
    }
    if (!AuthKeyExchange.handles(request)) {
      this.refuse();
      return;
    }
    this.host.countServiceMessage((request as { className: string }).className);
    let answer: Buffer;
    try {
      answer = (await this.host.exchangeKey(request)).getBytes();
    } catch (error) {
      // A refused step is the client's doing; anything else is a DC bug worth reporting.
      if (!(error instanceof HandshakeError || error instanceof AuthKeyLimitError))
        this.host.reportError(error);
      this.refuse();
      return;
    }
    if (this.closed) return;
    const head = Buffer.alloc(PLAIN_HEADER);
    head.writeBigInt64LE(this.nextMsgId(true), 8);
    head.writeInt32LE(answer.length, 16);
    this.socket.write(this.transport.frame(Buffer.concat([head, answer])));
  }

  /** Answers go to the session the client last wrote from (GramJS starts a new one on reconnect). */
  private adoptSession(sessionId: bigint): void {
    if (this.sessionId === sessionId) return;
    this.sessionId = sessionId;
    this.serverSeq = 0;
  }

  /** Telegram's msg_id checks; returns a bad_msg_notification error code or undefined. */
  private checkEnvelope(msgId: bigint, seqNo: number): number | undefined {
    if (msgId % 4n !== 0n) return 18;
    const seconds = Number(msgId >> 32n);
    const now = Date.now() / 1000;
    if (seconds < now - MSG_ID_PAST_SECONDS) return 16;
    if (seconds > now + MSG_ID_FUTURE_SECONDS) return 17;
    if (seqNo < 0) return 32;
    return undefined;
  }

  private sendBadMsg(badMsgId: Long, badMsgSeqno: number, errorCode: number): void {
    const bad = new Api.BadMsgNotification({ badMsgId, badMsgSeqno, errorCode });
    this.enqueue({ body: bad.getBytes(), contentRelated: false, response: true });
  }

  private remember(msgId: bigint): void {
    this.seenMsgIds.add(msgId);
    this.seenOrder.push(msgId);
    if (this.seenOrder.length > 1000) this.seenMsgIds.delete(this.seenOrder.shift()!);
  }

  private async process(msgId: Long, seqNo: number, obj: unknown): Promise<void> {
    if (obj instanceof MessageContainer) {
      this.host.countServiceMessage("MsgContainer");
      const inner = (obj as unknown as { messages: { msgId: Long; seqNo: number; obj: unknown }[] }).messages;
      for (const message of inner) {
        const innerId = asBigint(message.msgId);
        if (this.seenMsgIds.has(innerId)) continue;
        this.remember(innerId);
        await this.process(message.msgId, message.seqNo, await message.obj);
      }
      return;
    }
    if (obj instanceof GZIPPacked) {
      await this.process(msgId, seqNo, await new BinaryReader(obj.data).tgReadObject());
      return;
    }
    const contentRelated = (obj as { classType?: string }).classType === "request";
    // Requests must carry odd seq_nos, everything else even ones (errors 34 and 35).
    if (contentRelated !== (seqNo % 2 === 1)) {
      this.sendBadMsg(msgId, seqNo, contentRelated ? 34 : 35);
      return;
    }
    if (obj instanceof Api.MsgsAck) {
      this.host.countServiceMessage("MsgsAck");
      return;
    }
    if (obj instanceof Api.Ping || obj instanceof Api.PingDelayDisconnect) {
      this.host.countServiceMessage(obj.className);
      if (obj instanceof Api.PingDelayDisconnect) this.armPingDisconnect(obj.disconnectDelay);
      this.enqueue({
        body: new Api.Pong({ msgId, pingId: obj.pingId }).getBytes(),
        contentRelated: true,
        response: true,
      });
      return;
    }
    if (obj instanceof Api.GetFutureSalts) {
      this.host.countServiceMessage(obj.className);
      this.enqueue({ body: this.futureSalts(msgId, obj.num), contentRelated: true, response: true });
      return;
    }
    if (obj instanceof Api.DestroySession) {
      this.host.countServiceMessage(obj.className);
      const sessionId = asBigint(obj.sessionId);
      const answer =
        sessionId === this.sessionId
          ? new Api.DestroySessionNone({ sessionId: obj.sessionId })
          : new Api.DestroySessionOk({ sessionId: obj.sessionId });
      this.enqueue({ body: answer.getBytes(), contentRelated: true, response: true });
      return;
    }
    if (!contentRelated) {
      // msgs_state_req, http_wait and friends: nothing GramJS relies on.
      this.host.countServiceMessage((obj as { className?: string }).className ?? "unknown");
      return;
    }
    this.answer(msgId, obj as Api.AnyRequest);
  }

  private answer(msgId: Long, request: Api.AnyRequest): void {
    let body: Buffer;
    try {
      body = maybeGzip(serializeResult(this.host.invoke(request, this)));
    } catch (error) {
      const failure = error instanceof RpcFailure ? error : new RpcFailure(500, "INTERNAL");
      if (!(error instanceof RpcFailure)) this.host.reportError(error);
      body = new Api.RpcError({
        errorCode: failure.errorCode,
        errorMessage: failure.errorMessage,
      }).getBytes();
    }
    const head = Buffer.alloc(4);
    head.writeUInt32LE(RPC_RESULT_ID, 0);
    const result = {
      body: Buffer.concat([head, this.longBytes(msgId), body]),
      contentRelated: true,
      response: true,
    };
    const delay = this.host.answerDelayMs();
    if (delay <= 0) {
      this.enqueue(result);
      return;
    }
    // A slow answer is acknowledged first, as Telegram does for requests that take a while.
    this.enqueue({
      body: new Api.MsgsAck({ msgIds: [msgId] }).getBytes(),
      contentRelated: false,
      response: true,
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(result);
    }, delay);
    this.timers.add(timer);
  }

  private futureSalts(reqMsgId: Long, num: number): Buffer {
    // future_salts holds a bare vector of bare future_salt: written by hand, read back by GramJS.
    const salts = this.host.salts.future(num);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(Api.FutureSalts.CONSTRUCTOR_ID, 0);
    const parts = [head, this.longBytes(reqMsgId), int32(Math.floor(Date.now() / 1000)), int32(salts.length)];
    for (const salt of salts) {
      const entry = Buffer.alloc(16);
      entry.writeInt32LE(salt.validSince, 0);
      entry.writeInt32LE(salt.validUntil, 4);
      entry.writeBigInt64LE(salt.salt, 8);
      parts.push(entry);
    }
    return Buffer.concat(parts);
  }

  private armPingDisconnect(seconds: number): void {
    if (this.pingDisconnect) clearTimeout(this.pingDisconnect);
    // Telegram closes the connection when no ping follows within disconnect_delay seconds.
    const ms = Math.min(Math.max(seconds, 1) * 1000, 2 ** 31 - 1);
    this.pingDisconnect = setTimeout(() => this.close(), ms);
    this.pingDisconnect.unref();
  }

  private longBytes(value: Long): Buffer {
    const out = Buffer.alloc(8);
    out.writeBigInt64LE(BigInt.asIntN(64, asBigint(value)), 0);
    return out;
  }

  private enqueue(message: Outgoing): void {
    if (this.closed) return;
    this.queue.push(message);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private nextMsgId(response: boolean): bigint {
    const ms = Date.now();
    let id =
      (BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(Math.floor(((ms % 1000) / 1000) * 2 ** 32)) & ~3n);
    id |= response ? 1n : 3n;
    if (id <= this.lastServerMsgId) id = ((this.lastServerMsgId + 4n) & ~3n) | (response ? 1n : 3n);
    this.lastServerMsgId = id;
    return id;
  }

  private nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.serverSeq * 2;
    return this.serverSeq++ * 2 + 1;
  }

  private flush(): void {
    const key = this.key;
    if (this.closed || this.queue.length === 0 || this.sessionId === undefined || !key) return;
    const batch = this.queue;
    this.queue = [];
    let msgId: bigint;
    let seqNo: number;
    let body: Buffer;
    if (batch.length === 1) {
      const only = batch[0]!;
      msgId = this.nextMsgId(only.response);
      seqNo = this.nextSeqNo(only.contentRelated);
      body = only.body;
    } else {
      const parts: Buffer[] = [];
      const head = Buffer.alloc(8);
      head.writeUInt32LE(MSG_CONTAINER_ID, 0);
      head.writeInt32LE(batch.length, 4);
      parts.push(head);
      for (const item of batch) {
        const envelope = Buffer.alloc(16);
        envelope.writeBigInt64LE(this.nextMsgId(item.response), 0);
        envelope.writeInt32LE(this.nextSeqNo(item.contentRelated), 8);
        envelope.writeInt32LE(item.body.length, 12);
        parts.push(envelope, item.body);
      }
      msgId = this.nextMsgId(false);
      seqNo = this.nextSeqNo(false);
      body = Buffer.concat(parts);
    }
    const encrypted = key.cipher.encryptServerMessage({
      salt: toLong(this.host.salts.current()),
      sessionId: toLong(this.sessionId),
      msgId: toLong(msgId),
      seqNo,
      body,
    });
    this.socket.write(this.transport.frame(encrypted));
  }
}
