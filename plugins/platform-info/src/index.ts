import { definePlugin, KERNEL_VERSION, PUBLIC_POLICY } from '@dogan/runtime';

const pluginSchema = {
  type: 'object',
  required: ['name', 'version', 'dependencies'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    dependencies: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

/** The smallest real plugin: what is running, for operators and health dashboards. */
export default definePlugin({
  name: 'platform-info',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Platform version, uptime and the loaded plugins at GET /api/v1/system/status',
  routes(app, ctx) {
    const startedAt = new Date();
    app.get(
      '/api/v1/system/status',
      {
        config: { policy: PUBLIC_POLICY },
        schema: {
          tags: ['system'],
          summary: 'Platform version, uptime and loaded plugins',
          response: {
            200: {
              type: 'object',
              required: ['status', 'kernelVersion', 'startedAt', 'uptimeSeconds', 'plugins'],
              properties: {
                status: { type: 'string', enum: ['ok'] },
                kernelVersion: { type: 'string' },
                startedAt: { type: 'string', format: 'date-time' },
                uptimeSeconds: { type: 'integer' },
                plugins: { type: 'array', items: pluginSchema },
              },
            },
          },
        },
      },
      async () => ({
        status: 'ok' as const,
        kernelVersion: KERNEL_VERSION,
        startedAt: startedAt.toISOString(),
        uptimeSeconds: Math.floor((Date.now() - startedAt.getTime()) / 1000),
        plugins: ctx.loadedPlugins,
      }),
    );
  },
});
