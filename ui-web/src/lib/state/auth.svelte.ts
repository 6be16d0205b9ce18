import type { GraphQLClient } from "../graphql/client.ts";
import { GraphQLRequestError, SIGNED_OUT_CODES } from "../graphql/errors.ts";
import { LoginDocument, LogoutDocument, MeDocument, type MeQuery } from "../graphql/generated/graphql.ts";

export type SignedInUser = MeQuery["me"];

/**
 * Who is signed in to the UI. `checking` until the first `me` answer; the socket is opened only
 * once signed in, because its upgrade request must carry the session cookie.
 */
export class Auth {
  user = $state<SignedInUser | null>(null);
  phase = $state<"checking" | "signed-out" | "signed-in">("checking");
  /** Why the user is on the login page (e.g. the session expired), when there is a reason. */
  notice = $state<string | null>(null);

  constructor(private readonly client: GraphQLClient) {
    client.onUnauthorized(() => {
      if (this.phase === "signed-in") this.signedOut("Your session has ended. Please sign in again.");
    });
  }

  /** Asks the server whether the cookie still holds a session. */
  async check(): Promise<void> {
    try {
      const { me } = await this.client.request(MeDocument);
      this.signedIn(me);
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.code !== null && SIGNED_OUT_CODES.has(error.code))
        this.signedOut(null);
      else throw error;
    }
  }

  async login(username: string, password: string): Promise<void> {
    const { login } = await this.client.request(LoginDocument, { username, password });
    this.notice = null;
    this.signedIn(login);
  }

  async logout(): Promise<void> {
    try {
      await this.client.request(LogoutDocument);
    } finally {
      this.signedOut(null);
    }
  }

  private signedIn(user: SignedInUser): void {
    this.user = user;
    this.phase = "signed-in";
    this.client.connect();
  }

  private signedOut(notice: string | null): void {
    this.client.disconnect();
    this.user = null;
    this.notice = notice;
    this.phase = "signed-out";
  }
}
