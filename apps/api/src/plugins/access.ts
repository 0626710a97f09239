import { type Access, type AccessControl, ANONYMOUS, type AuditOutcome, type Scope } from '@kverse/access';
import { isKvError, type KvError } from '@kverse/kv-core';
import type {
  FastifyInstance,
  FastifyRequest,
  onErrorHookHandler,
  onRequestHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { toKvError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: `public`, or a token of scope `read` or `write`. Every route must say. */
    access?: Access;
    /** The route also accepts the token as `?access_token=` (EventSource cannot send headers). */
    queryToken?: boolean;
    /**
     * Requests of this route that need no token after all: ones it answers without touching data (a browser's visit
     * to `/`, sent on to the public web UI).
     */
    publicWhen?: (request: FastifyRequest) => boolean;
  }
  interface FastifyRequest {
    /** The token id the request was let through with, or `anonymous`. */
    principal: string;
    /** The write a write route did, for its audit line (set by `sendWrite`). */
    written: { readonly keys: readonly string[]; readonly version: string; readonly applied: boolean } | null;
    /** The `KV_ERR_*` code the request was answered with, if it failed. */
    failure: string | null;
    /**
     * For a long-lived request (a watch): calls `revoked` when the token it was let through with is revoked (never
     * without auth); returns the function that stops watching. See `AccessControl.watchRevocation`.
     */
    watchRevocation: (revoked: (reason: KvError) => void) => () => void;
  }
}

export interface AccessPluginOptions {
  readonly access: AccessControl;
}

const ACCESS: readonly unknown[] = ['public', 'read', 'write'] satisfies Access[];
const noRevocation = () => () => undefined;

/**
 * Access control on every route: each route declares `config: { access: 'public' | 'read' | 'write' }`, and a route
 * that does not stops the server from starting. Before the body is even read, a non-public request passes the
 * per-address limit, the bearer token and its scope, and the per-token limit, or is refused — 401 with
 * `WWW-Authenticate: Bearer`, 403, or 429 with `Retry-After` — in the usual error body, and nothing is written.
 * Every request to a write route leaves one audit line when auditing is on.
 */
export const accessPlugin = fp<AccessPluginOptions>(
  async (app: FastifyInstance, { access }) => {
    app.decorateRequest('principal', ANONYMOUS);
    app.decorateRequest('written', null);
    app.decorateRequest('failure', null);
    app.decorateRequest('watchRevocation', noRevocation);

    // One hook per route, bound to its declaration: `request.routeOptions` builds a frozen object on every access.
    const checkFor =
      (need: Scope, queryToken: boolean, publicWhen?: (request: FastifyRequest) => boolean): onRequestHookHandler =>
      (request, reply, done) => {
        if (publicWhen?.(request)) return done();
        let authorization = request.headers.authorization;
        if (authorization === undefined && queryToken) {
          const token = (request.query as { access_token?: unknown }).access_token;
          if (typeof token === 'string') authorization = `Bearer ${token}`;
        }
        const { principal, refusal } = access.decide({ need, authorization, address: request.ip });
        request.principal = principal;
        if (!refusal) {
          if (access.enabled)
            request.watchRevocation = (revoked) => access.watchRevocation(authorization, need, revoked);
          return done();
        }
        request.failure = refusal.code;
        const challenge = CHALLENGES[refusal.code];
        if (challenge) reply.header('www-authenticate', challenge);
        done(refusal);
      };
    const audit = access.audit;
    const noteFailure: onErrorHookHandler = (request, _reply, error, done) => {
      request.failure ??= (isKvError(error) ? error : toKvError(error)).code;
      done();
    };
    // Recorded as the answer is sent, not once it has been (onResponse): a client that hangs up first gets no
    // 'finish', so its write — made all the same — would go unaudited. onSend runs once the handler is done, however
    // the socket fares; the set keeps a second send (a failing onSend hook's error answer) from recording twice.
    const audited = new WeakSet<FastifyRequest>();
    const auditWrite: onSendHookHandler = (request, reply, payload, done) => {
      if (audited.has(request)) return done(null, payload);
      audited.add(request);
      const written = request.written;
      const outcome: AuditOutcome = written
        ? written.applied
          ? 'applied'
          : 'accepted'
        : REFUSALS.has(request.failure ?? '')
          ? 'refused'
          : 'failed';
      audit?.record({
        tokenId: request.principal,
        op: request.method === 'DELETE' ? 'delete' : request.method === 'PUT' ? 'put' : 'txn',
        keys: written?.keys ?? requestedKeys(request),
        ...(written ? { version: written.version } : {}),
        outcome,
        ...(written ? {} : { code: request.failure ?? `HTTP_${reply.statusCode}` }),
        via: 'rest',
        address: request.ip,
        requestId: request.id,
      });
      done(null, payload);
    };

    // The hooks go on the routes that need them, not on every request: public routes, and every route when access
    // control has nothing to do (npm start's default), pay nothing for it.
    const routes: RouteOptions[] = [];
    app.addHook('onRoute', (route) => {
      routes.push(route);
      const need = route.config?.access;
      if (access.active && (need === 'read' || need === 'write')) {
        const check = checkFor(need, route.config?.queryToken === true, route.config?.publicWhen);
        route.onRequest = [...hooks(route.onRequest), check];
      }
      if (audit && need === 'write') {
        route.onError = [...hooks(route.onError), noteFailure];
        route.onSend = [...hooks(route.onSend), auditWrite];
      }
    });
    // Checked once every plugin has added its routes (and marked third-party ones public, see markPublic).
    app.addHook('onReady', async () => {
      const undeclared = routes.filter((r) => !ACCESS.includes(r.config?.access));
      if (undeclared.length > 0) {
        const names = undeclared.map((r) => `${r.method} ${r.url}`).join(', ');
        throw new Error(`routes without config.access ('public', 'read' or 'write'): ${names}`);
      }
    });
  },
  { name: 'kverse-access', dependencies: ['kverse-errors'] },
);

/** A route's own hooks of one kind, as a list. */
function hooks<H>(own: H | H[] | undefined): H[] {
  return own === undefined ? [] : Array.isArray(own) ? own : [own];
}

/**
 * Marks every route added in `app`'s context from now on that declares no access as `public` — for routes that
 * plugins of others add (static files, Swagger UI), which cannot declare it themselves. Call it inside an
 * encapsulated context holding only public routes.
 */
export function markPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: route.config?.access ?? 'public' };
  });
}

// RFC 6750 §3: which problem the bearer credential has.
const CHALLENGES: Readonly<Partial<Record<string, string>>> = {
  KV_ERR_UNAUTHENTICATED: 'Bearer realm="kverse"',
  KV_ERR_PERMISSION_DENIED: 'Bearer realm="kverse", error="insufficient_scope"',
};

const REFUSALS = new Set(['KV_ERR_UNAUTHENTICATED', 'KV_ERR_PERMISSION_DENIED', 'KV_ERR_RATE_LIMITED']);

// The key a write asked for, when the request got far enough to be read (a refused body never is).
function requestedKeys(request: FastifyRequest): string[] {
  const body = request.body as { key?: unknown; key_name?: unknown } | undefined;
  const query = request.query as { key?: unknown; key_name?: unknown } | undefined;
  const key = body?.key ?? body?.key_name ?? query?.key ?? query?.key_name;
  return typeof key === 'string' ? [key] : [];
}
