import type { GraphQLClient, SocketStatus } from "../graphql/client.ts";

/** The live link to the server, as the banner shows it. */
export class Connection {
  status = $state<SocketStatus>({ state: "idle" });
  /** The link has been up at least once since sign-in (the first connect is not a "drop"). */
  everConnected = $state(false);
  /** True while the server cannot be reached after having been reached. */
  lost = $derived(
    this.everConnected && (this.status.state === "waiting" || this.status.state === "connecting"),
  );

  constructor(private readonly client: GraphQLClient) {
    client.onStatus((status) => {
      this.status = status;
      if (status.state === "connected") this.everConnected = true;
      if (status.state === "idle") this.everConnected = false;
    });
  }

  retryNow(): void {
    this.client.retryNow();
  }
}
