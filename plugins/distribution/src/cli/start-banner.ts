import type { Kernel } from '@dogan/runtime';

/** What a person needs after `npm start`: where to go, and the admin token if it was just made. */
export function printStartBanner(kernel: Kernel, url: string, out: (line?: string) => void): void {
  const base = url.replace('://0.0.0.0', '://localhost').replace('://127.0.0.1', '://localhost');
  out('');
  out(`Dogan is running at ${base}`);
  out(`  API docs:     ${base}/docs`);
  out(`  Health:       ${base}/health   Ready: ${base}/ready   Metrics: ${base}/metrics`);
  out(`  Plugins:      ${kernel.host.plugins.map((p) => `${p.definition.name}@${p.definition.version}`).join(', ')}`);
  for (const line of kernel.host.announcements) out(`  ${line}`);
  if (kernel.adminAuth.generatedToken) {
    out('');
    out(`  Platform admin token (shown once, stored hashed in ${kernel.config.DOGAN_DATA_DIR}/admin-token.json):`);
    out(`    ${kernel.adminAuth.generatedToken}`);
  }
  out('');
}
