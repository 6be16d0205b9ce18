/**
 * An incremental JSON parser for very large documents whose bulk sits in a few arrays (a Telegram
 * export's `messages`). Text is fed in chunks; arrays the caller marks as streamed hand each
 * element to a callback as soon as it is complete and are not kept, so memory holds one element
 * (plus the small rest of the document) instead of the whole tree. Pure: no I/O.
 */

/** A path from the root: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

export interface JsonStreamHandlers {
  /** Whether the array at `path` is streamed (its elements go to `onElement` and are not kept). */
  streamArray(path: JsonPath): boolean;
  /**
   * A streamed array starts. `container` is the object or array that holds it and `root` the
   * document's root, both as parsed so far (keys that come before the array in the text are present).
   */
  onArrayStart?(path: JsonPath, container: unknown, root: unknown): void;
  /** One complete element of a streamed array. */
  onElement(path: JsonPath, index: number, value: unknown): void;
  /** A streamed array ends. */
  onArrayEnd?(path: JsonPath): void;
}

/** Malformed JSON; `position` counts UTF-16 code units from the start of the document. */
export class JsonStreamError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at character ${position}`);
    this.name = "JsonStreamError";
    this.position = position;
  }
}

/** Documents nested deeper than this are refused (exports are about 6 levels deep). */
export const MAX_JSON_DEPTH = 256;

enum Expect {
  Value,
  KeyOrEnd,
  Key,
  Colon,
  CommaOrObjectEnd,
  ValueOrArrayEnd,
  CommaOrArrayEnd,
  Done,
}

interface Frame {
  kind: "object" | "array";
  value: Record<string, unknown> | unknown[];
  path: (string | number)[];
  streamed: boolean;
  key: string;
  index: number;
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NUMBER_CHARS = /[-+0-9.eE]+/y;
const WHITESPACE = new Set([0x20, 0x0a, 0x0d, 0x09]);

export class JsonStreamParser {
  private buffer = "";
  /** Characters consumed before `buffer` starts. */
  private offset = 0;
  private readonly stack: Frame[] = [];
  private expect: Expect = Expect.Value;
  private root: unknown = undefined;
  /** Where to resume looking for a string's closing quote (a string may span chunks). */
  private stringScanFrom = 0;
  private first = true;

  constructor(private readonly handlers: JsonStreamHandlers) {}

  /** Feeds the next chunk of text. */
  write(chunk: string): void {
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) {
        chunk = chunk.slice(1);
        this.offset = 1;
      }
    }
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    this.run(false);
  }

  /** Ends the document and returns the root value (streamed arrays appear empty in it). */
  end(): unknown {
    this.run(true);
    if (this.expect !== Expect.Done) throw new JsonStreamError("unexpected end of input", this.offset);
    return this.root;
  }

  private fail(message: string, at: number): never {
    throw new JsonStreamError(message, this.offset + at);
  }

  private run(final: boolean): void {
    const buf = this.buffer;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (WHITESPACE.has(c)) {
        i++;
        continue;
      }
      const consumed = this.step(buf, i, c, final);
      if (consumed === -1) break; // incomplete token: wait for more text
      i = consumed;
    }
    this.buffer = i >= n ? "" : buf.slice(i);
    this.stringScanFrom = i >= n ? 0 : Math.max(0, this.stringScanFrom - i);
    this.offset += i;
  }

  /** Handles the token at `i`; returns the index after it, or -1 when it is incomplete. */
  private step(buf: string, i: number, c: number, final: boolean): number {
    switch (this.expect) {
      case Expect.Done:
        return this.fail("unexpected text after the document", i);
      case Expect.Colon:
        if (c !== 0x3a) this.fail('expected ":"', i);
        this.expect = Expect.Value;
        return i + 1;
      case Expect.CommaOrObjectEnd:
        if (c === 0x2c) {
          this.expect = Expect.Key;
          return i + 1;
        }
        if (c === 0x7d) return this.closeContainer(i, "object");
        return this.fail('expected "," or "}"', i);
      case Expect.CommaOrArrayEnd:
        if (c === 0x2c) {
          this.expect = Expect.Value;
          return i + 1;
        }
        if (c === 0x5d) return this.closeContainer(i, "array");
        return this.fail('expected "," or "]"', i);
      case Expect.KeyOrEnd:
        if (c === 0x7d) return this.closeContainer(i, "object");
        return this.key(buf, i, c, final);
      case Expect.Key:
        return this.key(buf, i, c, final);
      case Expect.ValueOrArrayEnd:
        if (c === 0x5d) return this.closeContainer(i, "array");
        return this.value(buf, i, c, final);
      case Expect.Value:
        return this.value(buf, i, c, final);
    }
  }

  private key(buf: string, i: number, c: number, final: boolean): number {
    if (c !== 0x22) this.fail("expected a quoted key", i);
    const end = this.stringEnd(buf, i, final);
    if (end === -1) return -1;
    this.stack[this.stack.length - 1]!.key = this.decodeString(buf, i, end);
    this.expect = Expect.Colon;
    return end;
  }

  private value(buf: string, i: number, c: number, final: boolean): number {
    if (c === 0x7b || c === 0x5b) {
      if (this.stack.length >= MAX_JSON_DEPTH) this.fail("document nested too deeply", i);
      const path = this.childPath();
      const kind = c === 0x7b ? "object" : "array";
      const streamed = kind === "array" && this.handlers.streamArray(path);
      const frame: Frame = { kind, value: kind === "object" ? {} : [], path, streamed, key: "", index: 0 };
      if (streamed)
        this.handlers.onArrayStart?.(path, this.stack[this.stack.length - 1]?.value, this.stack[0]?.value);
      this.stack.push(frame);
      this.expect = kind === "object" ? Expect.KeyOrEnd : Expect.ValueOrArrayEnd;
      return i + 1;
    }
    if (c === 0x22) {
      const end = this.stringEnd(buf, i, final);
      if (end === -1) return -1;
      this.attach(this.decodeString(buf, i, end));
      return end;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // Take the whole run of number characters first: a number may continue in the next chunk.
      NUMBER_CHARS.lastIndex = i;
      const end = i + NUMBER_CHARS.exec(buf)![0].length;
      if (end === buf.length && !final) return -1;
      const token = buf.slice(i, end);
      if (!NUMBER.test(token)) return this.fail("malformed number", i);
      this.attach(Number(token));
      return end;
    }
    for (const [word, literal] of LITERALS) {
      if (buf.charCodeAt(i) !== word.charCodeAt(0)) continue;
      if (buf.length - i < word.length && !final) return -1;
      if (!buf.startsWith(word, i)) break;
      this.attach(literal);
      return i + word.length;
    }
    return this.fail(`unexpected character ${JSON.stringify(buf[i])}`, i);
  }

  private childPath(): (string | number)[] {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) return [];
    return [...parent.path, parent.kind === "object" ? parent.key : parent.index];
  }

  /** Index just after the closing quote of the string starting at `i`, or -1 if not in `buf` yet. */
  private stringEnd(buf: string, i: number, final: boolean): number {
    let from = Math.max(i + 1, this.stringScanFrom);
    for (;;) {
      const quote = buf.indexOf('"', from);
      if (quote === -1) {
        if (final) this.fail("unterminated string", i);
        this.stringScanFrom = buf.length;
        return -1;
      }
      let backslashes = 0;
      for (let k = quote - 1; k > i && buf.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes % 2 === 0) {
        this.stringScanFrom = 0;
        return quote + 1;
      }
      from = quote + 1;
    }
  }

  private decodeString(buf: string, start: number, end: number): string {
    const raw = buf.slice(start, end);
    if (raw.indexOf("\\") === -1 && !/[\u0000-\u001f]/.test(raw)) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return this.fail("malformed string", start);
    }
  }

  private attach(value: unknown): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.root = value;
      this.expect = Expect.Done;
      return;
    }
    if (parent.kind === "object") {
      // defineProperty: a "__proto__" key must stay a plain property, as JSON.parse makes it.
      Object.defineProperty(parent.value, parent.key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.expect = Expect.CommaOrObjectEnd;
    } else {
      if (parent.streamed) this.handlers.onElement(parent.path, parent.index, value);
      else (parent.value as unknown[]).push(value);
      parent.index++;
      this.expect = Expect.CommaOrArrayEnd;
    }
  }

  private closeContainer(i: number, kind: "object" | "array"): number {
    const frame = this.stack.pop()!;
    if (frame.kind !== kind) this.fail(`unexpected "${kind === "object" ? "}" : "]"}"`, i);
    if (frame.streamed) this.handlers.onArrayEnd?.(frame.path);
    this.attach(frame.value);
    return i + 1;
  }
}

const LITERALS: ReadonlyArray<readonly [string, unknown]> = [
  ["true", true],
  ["false", false],
  ["null", null],
];
