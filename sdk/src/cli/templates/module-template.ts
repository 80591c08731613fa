import type { ModuleManifest } from '@dogan/module-manifest';

/**
 * Where the generated module's `npm install` gets the SDK: by default the published packages; `init
 * --packages <dir>` names the tarballs `npm run sdk:pack` wrote, as `file:` specs.
 */
export const PUBLISHED_SDK: Readonly<Record<string, string>> = { '@dogan/sdk': '^0.1.0', '@dogan/module-testing': '^0.1.0' };

// Native builds the harness needs; npm 11 runs only the install scripts a project allows.
const ALLOW_SCRIPTS = { 'better-sqlite3': true, esbuild: true, 'isolated-vm': true };

/** The files `dogan-module init` writes, by path. The result builds, tests, packs and publishes as is. */
export function moduleTemplate(id: string, sdkPackages: Readonly<Record<string, string>> = PUBLISHED_SDK): Record<string, string> {
  const [publisher, name] = id.split('.') as [string, string];
  const manifest: ModuleManifest = {
    id,
    version: '0.1.0',
    engine: '^0.1.0',
    name: { en: `${name} notes`, ar: `ملاحظات ${name}` },
    description: { en: 'Keeps short notes for your team.', ar: 'يحفظ ملاحظات قصيرة لفريقك.' },
    category: 'productivity',
    pricing: { model: 'free' },
    permissions: [
      { name: 'notes-storage', kind: 'storage', required: true, description: { en: 'Store the notes you write', ar: 'حفظ الملاحظات التي تكتبها' } },
    ],
    collections: [
      {
        name: 'notes',
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['text', 'createdAt'],
          properties: { text: { type: 'string', minLength: 1, maxLength: 2000 }, createdAt: { type: 'string' } },
        },
        indexes: [{ fields: ['createdAt'] }],
      },
    ],
    routes: [
      { method: 'GET', path: '/notes', handler: 'listNotes' },
      { method: 'POST', path: '/notes', handler: 'createNote' },
    ],
    events: [],
    jobs: [],
    agentTools: [],
    dependencies: {},
  };
  return {
    'manifest.json': JSON.stringify({ $schema: 'https://dogan.dev/schemas/module-manifest.json', ...manifest }, null, 2) + '\n',
    'src/index.ts': `import { defineModule, storage } from 'dogan:module';

/** Handlers by the names manifest.json gives them; the platform's capabilities are imports. */
export default defineModule({
  routes: {
    async listNotes() {
      const page = await storage.query('notes', { sort: '-createdAt', limit: 50 });
      return { status: 200, body: { notes: page.items } };
    },
    async createNote(request) {
      const text = (request.body as { text?: unknown } | null)?.text;
      if (typeof text !== 'string' || text.length === 0) return { status: 400, body: { error: 'text is required' } };
      const note = await storage.insert('notes', { text, createdAt: new Date().toISOString() });
      return { status: 201, body: note };
    },
  },
});
`,
    'test/notes.test.ts': `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

// Each test runs in a new tenant of its own, with the module enabled in the production sandbox.
export default defineModuleTests({
  async 'a note written can be read back'(t) {
    const created = await t.request('POST', '/notes', { body: { text: 'hello' } });
    assert.equal(created.status, 201);
    const list = await t.request('GET', '/notes');
    assert.equal(list.status, 200);
    assert.deepEqual((list.body as { notes: Array<{ text: string }> }).notes.map((n) => n.text), ['hello']);
  },
  async 'an empty note is refused'(t) {
    assert.equal((await t.request('POST', '/notes', { body: { text: '' } })).status, 400);
  },
});
`,
    'README.md': `# ${manifest.name.en}

${manifest.description.en}

${manifest.description.ar}

Module \`${id}\` by publisher \`${publisher}\`.

## Routes

| method | path | what |
| --- | --- | --- |
| GET | /notes | the 50 newest notes |
| POST | /notes | add a note: \`{ "text": "..." }\` |

## Develop

\`\`\`sh
npm install                # the SDK and the local platform its tests run in
npm run typecheck          # tsc --noEmit over src/ and test/
npx dogan-module build     # bundles src/index.ts into dist/module.js
npx dogan-module test      # builds, then runs test/*.test.ts in the production sandbox
npx dogan-module dev       # a local platform with this module, rebuilt when you save
npx dogan-module publish   # builds, packs, signs and uploads
\`\`\`
`,
    'package.json': JSON.stringify(
      {
        name: `${publisher}-${name}`,
        version: manifest.version,
        private: true,
        type: 'module',
        scripts: {
          build: 'dogan-module build',
          typecheck: 'tsc --noEmit',
          test: 'dogan-module test',
          dev: 'dogan-module dev',
          pack: 'dogan-module pack',
          publish: 'dogan-module publish',
        },
        devDependencies: { ...sdkPackages, '@types/node': '^20.19.0', typescript: '^5.9.0' },
        allowScripts: ALLOW_SCRIPTS,
      },
      null,
      2,
    ) + '\n',
    'tsconfig.json': JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          // The sandbox provides `dogan:module`; for the type checker it is the SDK's declaration.
          paths: { 'dogan:module': ['./node_modules/@dogan/sdk/src/dogan-module.ts'] },
        },
        include: ['src', 'test'],
      },
      null,
      2,
    ) + '\n',
    // .dogan/ holds the data of "dogan-module dev" (its tenant's database).
    '.gitignore': 'node_modules/\ndist/\n.dogan/\n',
  };
}
