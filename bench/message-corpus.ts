/**
 * A seeded stream of Telegram messages as GramJS delivers them: `Api.Message` objects with the
 * users and chats of their update attached (`_entities`), from channels, supergroups, basic
 * groups and private chats. Texts mix languages (accents, Cyrillic, CJK, emoji), lengths from a
 * word to a long channel post, entities (bold, links, hashtags, mentions), replies, forwards,
 * reactions and occasional edits; some mention topic terms and patterns that profiles watch.
 */
import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import { getPeerId } from "telegram/Utils.js";
import { SeededRandom } from "../sentinel/scoring/seeded-random.ts";
import type { SelfIdentity } from "../sentinel/telegram/normalize.ts";
import { pickLanguage, type TopicTerm, ZipfRanks } from "./topic-terms.ts";
import { EMOJI, FIRST_NAMES, LAST_NAMES, type Language } from "./vocabulary.ts";
import { COMMON_PATTERNS, profilePatterns } from "./watched-patterns.ts";

/** Users of the corpus world. */
export const CORPUS_USERS = 2_000;
/** Chats of the corpus world (channels, supergroups, basic groups, private chats). */
export const CORPUS_CHATS = 300;
/** The account owner (mentions and replies to the owner's messages). */
export const CORPUS_OWNER: SelfIdentity = { id: "777000111", username: "bench_owner" };
/** Telegram's message length limit: no message text is longer. */
const MAX_TEXT = 4_096;

/** The marked id of corpus user `index`. */
export function corpusUserId(index: number): string {
  return String(5_000_000 + index);
}

type ChatKind = "channel" | "supergroup" | "group" | "private";

interface CorpusChat {
  kind: ChatKind;
  entity: Api.Channel | Api.Chat | Api.User;
  peer: Api.TypePeer;
  key: string;
  nextId: number;
}

/** Options of {@link MessageCorpus}. */
export interface MessageCorpusOptions {
  seed: number;
  /** Topic terms, most popular first (messages mention them Zipf-distributed). */
  terms: readonly TopicTerm[];
  /** How many profile tags ticket-like fragments are drawn from (default 40). */
  profileTags?: number;
}

interface Segment {
  text: string;
  entity?: (offset: number, length: number) => Api.TypeMessageEntity;
  /** Joins to the previous segment without a space (CJK runs). */
  glue?: boolean;
}

export class MessageCorpus {
  readonly owner = CORPUS_OWNER;
  private readonly random: SeededRandom;
  private readonly users: Api.User[] = [];
  private readonly ownerUser: Api.User;
  private readonly chats: CorpusChat[] = [];
  private readonly chatRanks: ZipfRanks;
  private readonly userRanks: ZipfRanks;
  private readonly termRanks: ZipfRanks;
  private readonly recent: Api.Message[] = [];
  private clock = 1_750_000_000;

  constructor(private readonly options: MessageCorpusOptions) {
    this.random = new SeededRandom(options.seed);
    const r = this.random;
    for (let i = 0; i < CORPUS_USERS; i++) {
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      this.users.push(
        new Api.User({
          id: returnBigInt(corpusUserId(i)),
          accessHash: returnBigInt(String(r.int(1, 2 ** 50))),
          firstName: first,
          ...(last ? { lastName: last } : {}),
          ...(r.chance(0.5) ? { username: `user_${i}_${first.length}` } : {}),
        }),
      );
    }
    this.ownerUser = new Api.User({
      id: returnBigInt(CORPUS_OWNER.id),
      accessHash: returnBigInt("4242"),
      firstName: "Bench",
      lastName: "Owner",
      username: CORPUS_OWNER.username ?? undefined,
      self: true,
    });
    for (let i = 0; i < CORPUS_CHATS; i++) this.chats.push(this.makeChat(i));
    this.chatRanks = new ZipfRanks(CORPUS_CHATS, 0.9);
    this.userRanks = new ZipfRanks(CORPUS_USERS, 0.8);
    this.termRanks = new ZipfRanks(Math.max(1, options.terms.length), 1);
  }

  /** The next `count` messages (a few of them edits of recent ones). */
  next(count: number): Api.Message[] {
    const out: Api.Message[] = [];
    for (let i = 0; i < count; i++) out.push(this.nextMessage());
    return out;
  }

  private nextMessage(): Api.Message {
    const r = this.random;
    this.clock += r.int(0, 2);
    if (this.recent.length > 50 && r.chance(0.02)) return this.editOf(r.pick(this.recent));

    const chat = this.chats[this.chatRanks.draw(r)]!;
    const id = chat.nextId++;
    const entities = new Map<string, Api.User | Api.Chat | Api.Channel>([[chat.key, chat.entity]]);
    const language = pickLanguage(r);
    const { text, messageEntities } = this.compose(language);

    let fromId: Api.TypePeer | undefined;
    let out = false;
    let post = false;
    if (chat.kind === "channel") post = true;
    else if (chat.kind === "private") out = r.chance(0.1);
    else if (r.chance(0.03)) {
      out = true;
      fromId = new Api.PeerUser({ userId: this.ownerUser.id });
      entities.set(CORPUS_OWNER.id, this.ownerUser);
    } else {
      const sender = this.users[this.userRanks.draw(r)]!;
      fromId = new Api.PeerUser({ userId: sender.id });
      entities.set(getPeerId(sender), sender);
    }

    let fwdFrom: Api.MessageFwdHeader | undefined;
    if (r.chance(0.08)) {
      const origin = this.chats[r.int(0, this.chats.length - 1)]!;
      fwdFrom = r.chance(0.7)
        ? new Api.MessageFwdHeader({ date: this.clock - 3_600, fromId: origin.peer })
        : new Api.MessageFwdHeader({ date: this.clock - 3_600, fromName: r.pick(FIRST_NAMES) });
      if (fwdFrom.fromId) entities.set(origin.key, origin.entity);
    }
    const replyTo =
      chat.kind !== "channel" && id > 2 && r.chance(0.15)
        ? new Api.MessageReplyHeader({ replyToMsgId: id - r.int(1, Math.min(50, id - 1)) })
        : undefined;

    const message = new Api.Message({
      id,
      peerId: chat.peer,
      date: this.clock,
      message: text,
      out,
      post,
      mentioned: text.includes(`@${CORPUS_OWNER.username}`) ? true : undefined,
      fromId,
      fwdFrom,
      replyTo,
      entities: messageEntities.length > 0 ? messageEntities : undefined,
      reactions: post && r.chance(0.4) ? this.reactions() : undefined,
      forwards: post ? r.int(0, 500) : undefined,
      views: post ? r.int(100, 200_000) : undefined,
      _entities: entities,
    });
    this.recent.push(message);
    if (this.recent.length > 200) this.recent.shift();
    return message;
  }

  private editOf(original: Api.Message): Api.Message {
    const text = `${original.message} ✏️ ${this.random.pick(["upd", "обновлено", "corrección", "追記"])}`;
    return new Api.Message({
      id: original.id,
      peerId: original.peerId,
      date: original.date,
      editDate: this.clock,
      message: text.length > MAX_TEXT ? original.message : text,
      out: original.out,
      post: original.post,
      fromId: original.fromId,
      fwdFrom: original.fwdFrom,
      replyTo: original.replyTo,
      entities: original.entities,
      reactions: original.reactions,
      forwards: original.forwards,
      _entities: original._entities,
    });
  }

  private reactions(): Api.MessageReactions {
    const r = this.random;
    const results = ["👍", "🔥", "❤", "😁"].slice(0, r.int(1, 4)).map(
      (emoticon) =>
        new Api.ReactionCount({
          reaction: new Api.ReactionEmoji({ emoticon }),
          count: Math.floor(1_000 / r.int(1, 200)),
        }),
    );
    return new Api.MessageReactions({ results });
  }

  /** Message text and its entities (UTF-16 offsets, as Telegram sends them). */
  private compose(language: Language): { text: string; messageEntities: Api.TypeMessageEntity[] } {
    const r = this.random;
    const roll = r.next();
    const words = roll < 0.5 ? r.int(1, 12) : roll < 0.85 ? r.int(15, 60) : r.int(80, 400);
    const segments: Segment[] = [];
    let sentence = 0;
    for (let w = 0; w < words; w++) {
      let word = r.pick(language.words);
      if (sentence === 0 && !language.unspaced) word = word[0]!.toUpperCase() + word.slice(1);
      sentence += 1;
      if (sentence > r.int(6, 16)) {
        word += language.unspaced ? "。" : r.pick([".", ".", "!", "?", ","]);
        sentence = 0;
      }
      if (r.chance(0.01)) word = `${word.slice(0, 1)}\u200b${word.slice(1)}`;
      const styled = r.chance(0.03);
      segments.push({
        text: word,
        glue: language.unspaced && !styled,
        ...(styled
          ? {
              entity: (offset, length) =>
                r.chance(0.5)
                  ? new Api.MessageEntityBold({ offset, length })
                  : new Api.MessageEntityItalic({ offset, length }),
            }
          : {}),
      });
    }

    const inserts: Segment[] = [];
    const topicRoll = r.next();
    const topics = topicRoll < 0.55 ? 0 : topicRoll < 0.85 ? 1 : topicRoll < 0.95 ? 2 : r.int(3, 6);
    for (let t = 0; t < topics && this.options.terms.length > 0; t++) {
      inserts.push({ text: this.options.terms[this.termRanks.draw(r)]!.term });
    }
    if (r.chance(0.03)) inserts.push({ text: r.pick(COMMON_PATTERNS).sample(r) });
    if (r.chance(0.02)) {
      const tag = r.int(0, (this.options.profileTags ?? 40) - 1);
      inserts.push({ text: r.pick(profilePatterns(tag)).sample(r) });
    }
    if (r.chance(0.1)) {
      inserts.push({
        text: `https://example.org/${r.pick(["news", "post", "r", "t"])}/${r.int(1, 999_999)}`,
        entity: (offset, length) => new Api.MessageEntityUrl({ offset, length }),
      });
    }
    if (r.chance(0.05)) {
      inserts.push({
        text: r.pick(language.words),
        entity: (offset, length) =>
          new Api.MessageEntityTextUrl({ offset, length, url: `https://example.org/${r.int(1, 9_999)}` }),
      });
    }
    if (r.chance(0.1)) {
      inserts.push({
        text: `#${r.pick(language.words).toLowerCase()}`,
        entity: (offset, length) => new Api.MessageEntityHashtag({ offset, length }),
      });
    }
    if (r.chance(0.05)) {
      const user = this.users[r.int(0, this.users.length - 1)]!;
      inserts.push(
        user.username
          ? {
              text: `@${user.username}`,
              entity: (offset, length) => new Api.MessageEntityMention({ offset, length }),
            }
          : {
              text: user.firstName ?? "someone",
              entity: (offset, length) =>
                new Api.MessageEntityMentionName({ offset, length, userId: user.id }),
            },
      );
    }
    if (r.chance(0.003)) {
      inserts.push({
        text: `@${CORPUS_OWNER.username}`,
        entity: (offset, length) => new Api.MessageEntityMention({ offset, length }),
      });
    }
    if (r.chance(0.3)) inserts.push({ text: r.pick(EMOJI), glue: r.chance(0.5) });
    for (const insert of inserts) segments.splice(r.int(0, segments.length), 0, insert);

    let text = "";
    const messageEntities: Api.TypeMessageEntity[] = [];
    for (const segment of segments) {
      if (text.length > 0 && !segment.glue) text += " ";
      if (text.length + segment.text.length > MAX_TEXT) break;
      if (segment.entity) messageEntities.push(segment.entity(text.length, segment.text.length));
      text += segment.text;
    }
    return { text, messageEntities };
  }

  private makeChat(index: number): CorpusChat {
    const r = this.random;
    const roll = r.next();
    const title = `${r.pick(["News", "Новости", "Noticias", "Nachrichten", "新闻", "Crypto", "Dev", "Ops", "Чат"])} ${index}`;
    const username = r.chance(0.5) ? `chat_${index}` : undefined;
    if (roll < 0.55 || roll < 0.85) {
      const broadcast = roll < 0.55;
      const entity = new Api.Channel({
        id: returnBigInt(String(1_500_000_000 + index)),
        accessHash: returnBigInt(String(r.int(1, 2 ** 50))),
        title,
        username,
        broadcast: broadcast ? true : undefined,
        megagroup: broadcast ? undefined : true,
        photo: new Api.ChatPhotoEmpty(),
        date: this.clock,
      });
      return {
        kind: broadcast ? "channel" : "supergroup",
        entity,
        peer: new Api.PeerChannel({ channelId: entity.id }),
        key: getPeerId(entity),
        nextId: r.int(1, 50_000),
      };
    }
    if (roll < 0.9) {
      const entity = new Api.Chat({
        id: returnBigInt(String(900_000 + index)),
        title,
        photo: new Api.ChatPhotoEmpty(),
        participantsCount: r.int(3, 200),
        date: this.clock,
        version: 1,
      });
      return {
        kind: "group",
        entity,
        peer: new Api.PeerChat({ chatId: entity.id }),
        key: getPeerId(entity),
        nextId: r.int(1, 5_000),
      };
    }
    const entity = this.users[index % this.users.length]!;
    return {
      kind: "private",
      entity,
      peer: new Api.PeerUser({ userId: entity.id }),
      key: getPeerId(entity),
      nextId: r.int(1, 5_000),
    };
  }
}
