// Types of the undici modules http/undici.ts imports by path (the package types only its index).
declare module "undici/lib/api/index.js" {
  const api: Record<string, (this: unknown, ...args: unknown[]) => unknown>;
  export default api;
}
declare module "undici/lib/dispatcher/dispatcher.js" {
  const Dispatcher: typeof import("undici").Dispatcher;
  export default Dispatcher;
}
declare module "undici/lib/dispatcher/pool.js" {
  const Pool: typeof import("undici").Pool;
  export default Pool;
}
declare module "undici/lib/dispatcher/proxy-agent.js" {
  const ProxyAgent: typeof import("undici").ProxyAgent;
  export default ProxyAgent;
}
