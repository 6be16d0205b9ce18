import { randomBytes } from "node:crypto";
import { Api } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { IGE } from "telegram/crypto/IGE.js";
import { InvalidBufferError } from "telegram/errors/index.js";
import { BinaryReader } from "telegram/extensions/BinaryReader.js";
import { BinaryWriter } from "telegram/extensions/BinaryWriter.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { MessagePacker } from "telegram/extensions/MessagePacker.js";
import { PromisedNetSockets } from "telegram/extensions/PromisedNetSockets.js";
import { returnBigInt } from "telegram/Helpers.js";
import type { Connection } from "telegram/network/index.js";
import { MTProtoState } from "telegram/network/MTProtoState.js";
import { RequestState } from "telegram/network/RequestState.js";
import { MessageContainer, RPCResult, type TLMessage } from "telegram/tl/core/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectionOnPort } from "./client-connection.ts";
import { startTestDc, type TestDc } from "./server.ts";

/**
 * Protocol-level checks with GramJS's own client-side MTProtoState (msg ids, seq_nos, encryption)
 * and its TCPFull connection, but without the TelegramClient on top, so each service message the
 * DC sends can be looked at directly.
 */
class RawClient {
  private constructor(
    readonly state: MTProtoState,
    private readonly connection: Connection,
    private readonly key: Buffer,
  ) {}

  static async open(dc: TestDc, key: Buffer = dc.authKey): Promise<RawClient> {
    const authKey = new AuthKey();
    await authKey.setKey(key);
    const logger = new Logger(LogLevel.NONE);
    const ConnectionClass = connectionOnPort(dc.port);
    const connection = new ConnectionClass({
      ip: "127.0.0.1",
      port: 0,
      dcId: 2,
      loggers: logger,
      socket: PromisedNetSockets,
      testServers: false,
    });
    await connection.connect();
    return new RawClient(new MTProtoState(authKey, logger, false), connection, key);
  }

  async sendRaw(data: Buffer): Promise<void> {
    await this.connection.send(data);
  }

  async encrypt(
    request: { getBytes(): Buffer },
    contentRelated = true,
  ): Promise<{ msgId: bigint; data: Buffer }> {
    const writer = new BinaryWriter(Buffer.alloc(0));
    const msgId = await this.state.writeDataAsMessage(writer, request.getBytes(), contentRelated);
    return { msgId: BigInt(msgId.toString()), data: await this.state.encryptMessageData(writer.getValue()) };
  }

  async send(request: { getBytes(): Buffer }, contentRelated = true): Promise<bigint> {
    const { msgId, data } = await this.encrypt(request, contentRelated);
    await this.connection.send(data);
    return msgId;
  }

  /** The next server message, decrypted by GramJS (objects parsed by its TL reader). */
  async receive(): Promise<{ msgId: bigint; obj: unknown; rawLength: number }> {
    const body: Buffer = await this.connection.recv();
    const message = (await this.state.decryptMessageData(body)) as TLMessage & { obj: unknown };
    return { msgId: BigInt(message.msgId.toString()), obj: await message.obj, rawLength: body.length };
  }

  /** Receives until a message of one of the types arrives (containers are opened). */
  async receiveUntil<T>(match: (obj: unknown) => obj is T): Promise<T> {
    for (;;) {
      const { obj } = await this.receive();
      const objs = obj instanceof MessageContainer ? await Promise.all(containerObjects(obj)) : [obj];
      const found = objs.find(match);
      if (found) return found;
    }
  }

  /** Gets past the first bad_server_salt, as GramJS does on every fresh connection. */
  async handshake(): Promise<Api.BadServerSalt> {
    await this.send(new Api.Ping({ pingId: returnBigInt(1) }));
    const badSalt = await this.receiveUntil((o): o is Api.BadServerSalt => o instanceof Api.BadServerSalt);
    this.state.salt = badSalt.newServerSalt;
    return badSalt;
  }

  /** Makes the client's msg_ids run `seconds` off the real clock. */
  setClockOffset(seconds: number): void {
    this.state.timeOffset = seconds;
    (this.state as unknown as { _lastMsgId: unknown })._lastMsgId = returnBigInt(0);
  }

  /**
   * Receives one message and decrypts it with GramJS's key derivation, without parsing the body:
   * for answers GramJS's TL reader cannot read (future_salts has a bare vector of bare objects).
   */
  async receivePlain(): Promise<Buffer> {
    const body: Buffer = await this.connection.recv();
    const msgKey = body.subarray(8, 24);
    const { key: aesKey, iv } = await (
      this.state as unknown as {
        _calcKey(k: Buffer, m: Buffer, client: boolean): Promise<{ key: Buffer; iv: Buffer }>;
      }
    )._calcKey(this.key, msgKey, false);
    const plain = new IGE(aesKey, iv).decryptIge(body.subarray(24));
    return plain.subarray(32, 32 + plain.readInt32LE(28));
  }

  async close(): Promise<void> {
    await this.connection.disconnect();
  }
}

function containerObjects(container: MessageContainer): Promise<unknown>[] {
  return (container as unknown as { messages: { obj: unknown }[] }).messages.map(async (m) => await m.obj);
}

/** RPCResult's fields, which GramJS's typings mark private. */
interface RpcAnswer {
  reqMsgId: ReturnType<typeof returnBigInt>;
  body?: Buffer;
}
const isRpcResult = (o: unknown): o is RpcAnswer => o instanceof RPCResult;

/** Reads an answer with the request's own result reader (an instance method at runtime). */
function readAnswer<T>(request: object, body: Buffer): T {
  return (request as { readResult(reader: BinaryReader): T }).readResult(new BinaryReader(body));
}

let dc: TestDc;
let raw: RawClient | undefined;

beforeEach(async () => {
  dc = await startTestDc({ controlPort: false });
});

afterEach(async () => {
  await raw?.close();
  raw = undefined;
  await dc.stop();
});

describe("MTProto envelope handling", () => {
  it("answers a wrong salt with bad_server_salt, then a new session and the answer", async () => {
    raw = await RawClient.open(dc);
    const firstId = await raw.send(new Api.help.GetConfig());
    const { obj } = await raw.receive();
    expect(obj).toBeInstanceOf(Api.BadServerSalt);
    const badSalt = obj as Api.BadServerSalt;
    expect(BigInt(badSalt.badMsgId.toString())).toBe(firstId);
    expect(badSalt.errorCode).toBe(48);
    raw.state.salt = badSalt.newServerSalt;

    const request = new Api.help.GetConfig();
    const msgId = await raw.send(request);
    const { obj: answer } = await raw.receive();
    expect(answer).toBeInstanceOf(MessageContainer);
    const [created, result] = await Promise.all(containerObjects(answer as MessageContainer));
    expect(created).toBeInstanceOf(Api.NewSessionCreated);
    expect(BigInt((created as Api.NewSessionCreated).firstMsgId.toString())).toBe(msgId);
    expect(isRpcResult(result) && BigInt(result.reqMsgId.toString())).toBe(msgId);
    const config = readAnswer<Api.Config>(request, (result as RpcAnswer).body!);
    expect(config.thisDc).toBe(2);
  });

  it("returns future salts whose first entry is the salt in use", async () => {
    raw = await RawClient.open(dc);
    const badSalt = await raw.handshake();
    await raw.send(new Api.Ping({ pingId: returnBigInt(2) }));
    await raw.receiveUntil((o): o is Api.Pong => o instanceof Api.Pong);
    const msgId = await raw.send(new Api.GetFutureSalts({ num: 3 }));
    // future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt>, read field by field.
    const reader = new BinaryReader(await raw.receivePlain());
    expect(reader.readInt(false)).toBe(Api.FutureSalts.CONSTRUCTOR_ID);
    expect(BigInt(reader.readLong().toString())).toBe(msgId);
    const now = reader.readInt();
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(5);
    const count = reader.readInt();
    expect(count).toBe(3);
    const salts = Array.from({ length: count }, () => ({
      validSince: reader.readInt(),
      validUntil: reader.readInt(),
      salt: reader.readLong(),
    }));
    expect(salts[0]!.salt.equals(badSalt.newServerSalt)).toBe(true);
    expect(salts[0]!.validSince).toBeLessThanOrEqual(now);
    expect(salts[0]!.validUntil).toBeGreaterThan(now);
    expect(salts[1]!.validSince).toBeGreaterThan(salts[0]!.validSince);
  });

  it("refuses msg_ids from a clock ten minutes off with bad_msg_notification 16 and 17", async () => {
    raw = await RawClient.open(dc);
    await raw.handshake();
    raw.setClockOffset(-600);
    await raw.send(new Api.help.GetConfig());
    const old = await raw.receiveUntil(
      (o): o is Api.BadMsgNotification => o instanceof Api.BadMsgNotification,
    );
    expect(old.errorCode).toBe(16);
    raw.setClockOffset(600);
    await raw.send(new Api.help.GetConfig());
    const future = await raw.receiveUntil(
      (o): o is Api.BadMsgNotification => o instanceof Api.BadMsgNotification,
    );
    expect(future.errorCode).toBe(17);
  });

  it("ignores a repeated msg_id and answers each request once", async () => {
    raw = await RawClient.open(dc);
    await raw.handshake();
    const { msgId, data } = await raw.encrypt(new Api.updates.GetState());
    await raw.sendRaw(data);
    await raw.sendRaw(data);
    await raw.send(new Api.Ping({ pingId: returnBigInt(77) }));
    const answers: unknown[] = [];
    for (;;) {
      const { obj } = await raw.receive();
      const objs = obj instanceof MessageContainer ? await Promise.all(containerObjects(obj)) : [obj];
      answers.push(...objs);
      if (objs.some((o) => o instanceof Api.Pong)) break;
    }
    const results = answers.filter(isRpcResult);
    expect(results.map((r) => BigInt(r.reqMsgId.toString()))).toEqual([msgId]);
  });

  it("answers a container of requests, and gzips a large answer", async () => {
    for (let i = 1; i <= 60; i++) {
      dc.pushMessage({
        chat: { id: 3000 + i, title: `Group ${i}`, type: "supergroup" },
        sender: { id: 9, first_name: "Bo" },
        text: `hi ${i}`,
      });
    }
    raw = await RawClient.open(dc);
    await raw.handshake();
    const packer = new MessagePacker(raw.state, new Logger(LogLevel.NONE));
    const getState = new RequestState(new Api.updates.GetState());
    const dialogs = new Api.messages.GetDialogs({
      offsetDate: 0,
      offsetId: 0,
      offsetPeer: new Api.InputPeerEmpty(),
      limit: 100,
      hash: returnBigInt(0),
    });
    packer.append(getState);
    packer.append(new RequestState(dialogs));
    const batch = await packer.get();
    expect(batch!.batch).toHaveLength(2);
    await raw.sendRaw(await raw.state.encryptMessageData(batch!.data));
    const results: RpcAnswer[] = [];
    let rawLength = 0;
    while (results.length < 2) {
      const received = await raw.receive();
      rawLength = Math.max(rawLength, received.rawLength);
      const objs =
        received.obj instanceof MessageContainer
          ? await Promise.all(containerObjects(received.obj))
          : [received.obj];
      results.push(...objs.filter(isRpcResult));
    }
    const dialogsResult = results.find((r) => r.reqMsgId.equals(batch!.batch[1]!.msgId!))!;
    const parsed = readAnswer<Api.messages.Dialogs>(dialogs, dialogsResult.body!);
    expect(parsed.dialogs).toHaveLength(60);
    // Sent gzip-packed: the encrypted packet is far smaller than the serialized answer.
    expect(rawLength).toBeLessThan(parsed.getBytes().length / 2);
  });

  it("closes the connection when no ping follows ping_delay_disconnect in time", async () => {
    raw = await RawClient.open(dc);
    await raw.handshake();
    await raw.send(new Api.PingDelayDisconnect({ pingId: returnBigInt(5), disconnectDelay: 1 }));
    await raw.receiveUntil((o): o is Api.Pong => o instanceof Api.Pong);
    expect(dc.state().connections).toBe(1);
    const started = Date.now();
    await expect(raw.receive()).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(dc.state().connections).toBe(0);
  });
});

describe("auth keys", () => {
  it("answers a client with an unknown auth key with transport error -404 and closes", async () => {
    raw = await RawClient.open(dc, randomBytes(256));
    await raw.send(new Api.help.GetConfig());
    const error = await raw.receive().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBufferError);
    expect((error as InvalidBufferError).code).toBe(404);
  });
});
