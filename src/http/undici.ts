/**
 * undici's two dispatchers the connector uses, without the rest of undici. The package's index
 * loads fetch, WebSocket, cookies, caches and mocks as well: about 110 ms of every `check`,
 * `discover` and `read` start (a third of `check`), for nothing the connector calls. The request
 * API (request, connect...) is what the index adds to every dispatcher; it is added here the same way.
 */
import type * as Undici from "undici";
import api from "undici/lib/api/index.js";
import DispatcherBase from "undici/lib/dispatcher/dispatcher.js";
import PoolImpl from "undici/lib/dispatcher/pool.js";
import ProxyAgentImpl from "undici/lib/dispatcher/proxy-agent.js";

// What the index does: every dispatcher gets request(), and connect() that ProxyAgent tunnels with.
Object.assign(DispatcherBase.prototype, api);

export const Pool: typeof Undici.Pool = PoolImpl;
export const ProxyAgent: typeof Undici.ProxyAgent = ProxyAgentImpl;
