import { definePlugin, PUBLIC_POLICY } from '@dogan/runtime';

/** The benchmark's plugin route: the same work as the bare Fastify hello, through the whole kernel pipeline. */
export default definePlugin({
  name: 'bench-hello',
  version: '1.0.0',
  kernel: '^0.1.0',
  routes(app) {
    app.get(
      '/api/v1/bench/hello',
      { config: { policy: PUBLIC_POLICY }, schema: { response: { 200: { type: 'object', properties: { hello: { type: 'string' } } } } } },
      async () => ({ hello: 'world' }),
    );
  },
});
