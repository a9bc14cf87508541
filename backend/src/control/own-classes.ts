import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * Request and response classes of the control server's own, carrying express's methods, so that
 * express never changes the prototype of a request or response node made (issue 13).
 *
 * express gives every request and response it handles a new prototype (`app.request`,
 * `app.response`). Node's own request path (http server, outgoing message, streams) is shared with
 * the data plane's server in this process, and objects whose maps change under it leave its inline
 * caches megamorphic for good: after 300 control API requests (a dashboard's worth) the data plane
 * answered 0.57–0.72× the bare server without these classes and 0.69–0.77× with them
 * (docs/benchmarks.md). With these classes given to node's server, express finds each request
 * already on its prototype.
 */
export function ownClasses(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  class ControlRequest extends IncomingMessage {}
  class ControlResponse extends ServerResponse {}
  adopt(app.request, ControlRequest.prototype, IncomingMessage.prototype);
  adopt(app.response, ControlResponse.prototype, ServerResponse.prototype);
  app.request = ControlRequest.prototype as unknown as Express['request'];
  app.response = ControlResponse.prototype as unknown as Express['response'];
  return { IncomingMessage: ControlRequest, ServerResponse: ControlResponse as unknown as typeof ServerResponse };
}

/** Every property on `from`'s prototype chain above `base` (the nearest wins), defined on `to`. */
function adopt(from: object, to: object, base: object): void {
  const chain: object[] = [];
  for (let p: object | null = from; p && p !== base; p = Object.getPrototypeOf(p) as object | null) chain.push(p);
  if (!chain.length || Object.getPrototypeOf(chain.at(-1)!) !== base) throw new Error("express's request or response prototype does not extend node's own");
  for (const p of chain.reverse()) Object.defineProperties(to, Object.getOwnPropertyDescriptors(p));
}
