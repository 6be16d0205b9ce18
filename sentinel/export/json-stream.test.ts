import { describe, expect, it } from "vitest";
import { SeededRandom } from "../scoring/seeded-random.ts";
import { type JsonPath, JsonStreamError, JsonStreamParser } from "./json-stream.ts";

function parseInChunks(
  text: string,
  chunkSizes: () => number,
  stream: (path: JsonPath) => boolean = () => false,
) {
  const elements: Array<[string, number, unknown]> = [];
  const parser = new JsonStreamParser({
    streamArray: stream,
    onElement: (path, index, value) => elements.push([path.join("/"), index, value]),
  });
  for (let at = 0; at < text.length; ) {
    const size = Math.max(1, chunkSizes());
    parser.write(text.slice(at, at + size));
    at += size;
  }
  return { root: parser.end(), elements };
}

const DOCUMENT = {
  name: 'quote " and \\ backslash',
  unicode: "zéro-day 🚨 \u2028 ﬁ",
  numbers: [0, -1, 3.25, 1e21, -2.5e-3, 12345678901234],
  literals: [true, false, null],
  empty: { a: [], b: {} },
  nested: [[1, [2, [3]]], { deep: { deeper: ["x"] } }],
  messages: [
    { id: 1, text: ["a", { type: "bold", text: "b" }] },
    { id: 2, text: "escaped \n\t\u0001 \\u1234" },
  ],
};

describe("JsonStreamParser", () => {
  it("parses exactly like JSON.parse whatever the chunk boundaries", () => {
    const text = JSON.stringify(DOCUMENT, null, 1);
    const random = new SeededRandom(5);
    for (const sizes of [() => 1, () => 2, () => 7, () => random.int(1, 40), () => text.length]) {
      expect(parseInChunks(text, sizes).root).toEqual(JSON.parse(text));
    }
  });

  it("hands streamed array elements over one by one and leaves the array empty", () => {
    const text = JSON.stringify(DOCUMENT);
    const { root, elements } = parseInChunks(
      text,
      () => 3,
      (path) => path.length === 1 && path[0] === "messages",
    );
    expect(elements).toEqual([
      ["messages", 0, DOCUMENT.messages[0]],
      ["messages", 1, DOCUMENT.messages[1]],
    ]);
    expect(root).toEqual({ ...DOCUMENT, messages: [] });
  });

  it("keeps a __proto__ key as a plain property", () => {
    const { root } = parseInChunks('{"__proto__": {"polluted": true}}', () => 4);
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(Object.keys(root as object)).toEqual(["__proto__"]);
  });

  it.each([
    ['{"a": 1,}', /expected a quoted key at character 8/],
    ["[1, 2", /unexpected end of input/],
    ['{"a" 1}', /expected ":"/],
    ["[1] [2]", /unexpected text after the document/],
    ['["x]', /unterminated string/],
    ["[tru]", /unexpected character/],
    ["[01]", /malformed number/],
    ["[1.]", /malformed number/],
    ["[-]", /malformed number/],
    ["{]", /expected a quoted key/],
    ["", /unexpected end of input at character 0/],
  ])("rejects %j with a position", (text, message) => {
    expect(() => parseInChunks(text, () => 2)).toThrow(message);
    expect(() => parseInChunks(text, () => 2)).toThrow(JsonStreamError);
  });
});
