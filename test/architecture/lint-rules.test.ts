import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import t from 'tap';

/**
 * The boundary rules of `npm run lint` must be able to fail: before the import resolver knew that
 * `./x.js` is `x.ts`, `import-x/no-relative-packages` passed every file without looking, and
 * `import-x/no-cycle` could not see a cycle at all.
 */

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root, ignore: false });

async function rulesFiredOn(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

t.test('the kernel may not import a plugin or the tenants package', async (t) => {
  t.ok((await rulesFiredOn("import { TenantErrors } from '@dogan/tenants';\nexport const x = TenantErrors;\n", 'runtime/src/lint-probe.ts')).includes('no-restricted-imports'));
  t.same(await rulesFiredOn("import { KERNEL_VERSION } from './kernel-version.js';\nexport const x = KERNEL_VERSION;\n", 'runtime/src/lint-probe.ts'), [], 'its own modules are fine');
});

t.test("a package may not reach into another package's folder by a relative path", async (t) => {
  const fired = await rulesFiredOn("import { TenantErrors } from '../../../tenants/src/errors.js';\nexport const x = TenantErrors;\n", 'plugins/ksa/src/lint-probe.ts');
  t.ok(fired.includes('import-x/no-relative-packages'), fired.join(', '));
});

t.test('an import cycle is reported', async (t) => {
  const [result] = await eslint.lintFiles([resolve(root, 'test/fixtures/lint/cycle-a.ts')]);
  t.ok(result!.messages.some((m) => m.ruleId === 'import-x/no-cycle'), JSON.stringify(result!.messages));
});
