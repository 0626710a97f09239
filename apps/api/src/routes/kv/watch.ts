import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KvError, type Mutation, parseVersion } from '@kverse/kv-core';
import { Type } from 'typebox';
import { commonErrors, ErrorBody } from '../../schemas.js';

/**
 * `GET /kv/watch?key=|prefix=&fromVersion=`: a Server-Sent Events stream of changes. Each change is an event
 * named `put` or `delete` whose id is the version (so `Last-Event-ID` resumes after a reconnect; the stream opens with
 * an `id` alone, where it starts, so a reconnect resumes even before the first change) and whose data is
 * `{"key","value"?,"version","timestamp","expiresAt"?}` (`expiresAt`: a put with a TTL, ms since the epoch). A watcher that falls behind, or the server shutting down, ends the stream
 * with an `error` event carrying the code and the version to resume from.
 */
const watchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Open streams, ended before the server closes: a hijacked response would otherwise hold shutdown open.
  const streams = new Set<(err: KvError) => void>();
  app.addHook('preClose', async () => {
    const reason = new KvError('KV_ERR_SHUTTING_DOWN', 'the server is shutting down; reconnect to resume');
    for (const end of [...streams]) end(reason);
  });

  app.get(
    '/kv/watch',
    {
      // EventSource cannot send an Authorization header, so this one route also takes `?access_token=`.
      config: { access: 'read', queryToken: true },
      schema: {
        summary: 'Watch a key or a prefix (Server-Sent Events)',
        tags: ['kv'],
        querystring: Type.Object({
          key: Type.Optional(Type.String()),
          prefix: Type.Optional(Type.String({ description: "Every key under this prefix; '' watches everything" })),
          fromVersion: Type.Optional(Type.String({ description: 'Replay retained changes after this version first' })),
          access_token: Type.Optional(
            Type.String({ description: 'Bearer token, for clients that cannot send an Authorization header' }),
          ),
        }),
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          404: ErrorBody,
          410: ErrorBody,
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const { key, prefix } = request.query;
      if ((key === undefined) === (prefix === undefined)) {
        throw new KvError('KV_ERR_INVALID_ARGUMENT', 'give exactly one of `key` or `prefix`');
      }
      // An EventSource reconnects to the URL it was opened with, `fromVersion` included, and says in Last-Event-ID
      // where it got to: that is where it resumes, not the start it asked for the first time.
      const resumeText = request.headers['last-event-id'] ?? request.query.fromVersion;
      const fromVersion = typeof resumeText === 'string' ? parseVersion(resumeText) : undefined;
      if (typeof resumeText === 'string' && fromVersion === undefined) {
        throw new KvError('KV_ERR_INVALID_ARGUMENT', 'fromVersion must be a version (a decimal number)');
      }

      const raw = reply.raw;
      let heartbeat: NodeJS.Timeout | undefined;
      // Replayed changes are written while the watch starts, so the head goes out with the first byte.
      const head = () => {
        if (raw.headersSent) return;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(': watching\n\n');
      };
      let ended = false;
      let stop: ((err: KvError) => void) | undefined;
      let stopWatchingTokens: (() => void) | undefined;
      const finish = (err?: KvError) => {
        if (ended) return;
        ended = true;
        stopWatchingTokens?.();
        if (stop) streams.delete(stop);
        clearInterval(heartbeat);
        head();
        if (err && !raw.writableEnded) {
          const data = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
          raw.write(`event: error\ndata: ${JSON.stringify(data)}\n\n`);
        }
        raw.end();
      };
      const subscription = app.kv.watch(
        key !== undefined ? { key } : { prefix: prefix ?? '' },
        {
          // An id without data sets the client's Last-Event-ID: a reconnect resumes from here even before a change.
          start: (position) => {
            head();
            raw.write(`id: ${position}\n\n`);
          },
          write: (change: Mutation) => {
            head();
            return raw.write(sseEvent(change));
          },
          end: finish,
        },
        fromVersion !== undefined ? { fromVersion } : {},
      );

      reply.hijack();
      head();
      stop = (err) => {
        finish(err);
        subscription.close();
      };
      if (ended) return;
      streams.add(stop);
      // A revoked token ends the watches it opened: a watch never comes back for another check on its own.
      stopWatchingTokens = request.watchRevocation((reason) => stop?.(reason));
      raw.on('drain', () => subscription.resume());
      heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), app.apiConfig.sseHeartbeatMs);
      heartbeat.unref();
      // Disconnected watchers are cleaned up at once.
      request.raw.on('close', () => subscription.close());
    },
  );
};

function sseEvent(change: Mutation): string {
  const data =
    change.op === 'put'
      ? {
          key: change.key,
          value: change.value,
          version: change.version.toString(),
          timestamp: change.timestamp,
          ...(change.expiresAt === undefined ? {} : { expiresAt: change.expiresAt }),
        }
      : { key: change.key, version: change.version.toString(), timestamp: change.timestamp };
  // JSON never contains a raw newline, so one `data:` line is always enough.
  return `id: ${change.version}\nevent: ${change.op}\ndata: ${JSON.stringify(data)}\n\n`;
}

export default watchRoutes;
