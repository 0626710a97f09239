import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ReadinessCheck } from '@kverse/runtime';
import { Type } from 'typebox';

const Check = Type.Object({ ok: Type.Boolean(), required: Type.Boolean(), detail: Type.Optional(Type.String()) });
const ReadyAnswer = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Check),
});

export interface HealthRoutesOptions {
  readonly checks: readonly ReadinessCheck[];
}

/** `/health`: the process serves (liveness). `/ready`: its dependencies are usable (readiness), with detail. */
const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { checks }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness',
        tags: ['ops'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      logLevel: 'warn',
      config: { access: 'public' },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness, with the state of every dependency',
        tags: ['ops'],
        response: { 200: ReadyAnswer, 503: ReadyAnswer },
      },
      logLevel: 'warn',
      config: { access: 'public' },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        checks.map(async (c) => {
          try {
            return [c.name, { ...(await c.check()), required: c.required }] as const;
          } catch (err) {
            return [c.name, { ok: false, required: c.required, detail: (err as Error).message }] as const;
          }
        }),
      );
      const down = results.filter(([, r]) => !r.ok);
      const status = down.some(([, r]) => r.required) ? 'unavailable' : down.length > 0 ? 'degraded' : 'ready';
      return reply.code(status === 'unavailable' ? 503 : 200).send({ status, checks: Object.fromEntries(results) });
    },
  );
};

export default healthRoutes;
