import { createContext } from "svelte";
import type { GraphQLClient } from "../graphql/client.ts";
import type { Auth } from "./auth.svelte.ts";
import type { Clock } from "./clock.svelte.ts";
import type { Connection } from "./connection.svelte.ts";
import type { PreferencesStore } from "./preferences.svelte.ts";
import type { Router } from "./router.svelte.ts";
import type { WorkerStatusStore } from "./worker-status.svelte.ts";

/** What every page reaches through context; leaf components take props instead. */
export interface AppContext {
  client: GraphQLClient;
  router: Router;
  auth: Auth;
  connection: Connection;
  worker: WorkerStatusStore;
  clock: Clock;
  preferences: PreferencesStore;
}

export const [getAppContext, setAppContext] = createContext<AppContext>();
