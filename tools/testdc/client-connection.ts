// Through the network index: loading TCPFull.js on its own first hits a GramJS circular import.
import { type Connection, ConnectionTCPFull } from "telegram/network/index.js";

type ConnectionParams = ConstructorParameters<typeof Connection>[0];
/** A GramJS connection class (TCPFull, TCPAbridged, TCPObfuscated, …). */
export type ConnectionClass = new (params: ConnectionParams) => Connection;

/**
 * A GramJS connection class that dials `port` instead of the fixed 80 (443 with WSS) that
 * `TelegramClient.connect()` passes, whatever the session says. Give it to the unmodified client:
 * `new TelegramClient(session, apiId, apiHash, { connection: connectionOnPort(session.port) })`.
 * GramJS rebuilds connections with `new connection.constructor(...)` on reconnect, so the port
 * stays pinned across reconnects. `base` picks the transport (TCPFull by default, as GramJS does).
 */
export function connectionOnPort(port: number, base: ConnectionClass = ConnectionTCPFull): ConnectionClass {
  return class PortPinnedConnection extends base {
    constructor(params: ConnectionParams) {
      super({ ...params, port });
    }
  };
}
