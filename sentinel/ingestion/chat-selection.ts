/** A chat as far as include/exclude rules can see it. */
export interface SelectableChat {
  /** Marked id ("-100…" channels, "-…" basic groups, positive users). */
  id: string;
  title: string;
  username: string | null;
}

/** `chats.include` / `chats.exclude` from config/tgsentinel.yml. */
export interface ChatSelectionRules {
  include: readonly string[];
  exclude: readonly string[];
}

/**
 * Builds the predicate "is this chat ingested?". A rule matches a chat by id (marked "-100123"
 * or bare "123"), by "@username" (case-insensitive), or else by exact title (case-insensitive).
 * An empty include list means every chat; exclude always wins.
 */
export function chatSelection(rules: ChatSelectionRules): (chat: SelectableChat) => boolean {
  const include = rules.include.map(parseRule);
  const exclude = rules.exclude.map(parseRule);
  return (chat) => {
    if (exclude.some((rule) => rule(chat))) return false;
    return include.length === 0 || include.some((rule) => rule(chat));
  };
}

function parseRule(raw: string): (chat: SelectableChat) => boolean {
  const rule = raw.trim();
  if (/^-?\d+$/.test(rule))
    return (chat) => chat.id === rule || bare(chat.id) === rule.replace(/^-(100)?/, "");
  if (rule.startsWith("@")) {
    const username = rule.slice(1).toLowerCase();
    return (chat) => chat.username?.toLowerCase() === username;
  }
  const title = rule.toLowerCase();
  return (chat) => chat.title.trim().toLowerCase() === title;
}

function bare(id: string): string {
  return id.replace(/^-(100)?/, "");
}
