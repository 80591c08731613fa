import { randomBytes } from 'node:crypto';
import net from 'node:net';
import t from 'tap';
import { MikroORM } from '@mikro-orm/postgresql';
import { createPublisher } from './helpers/publisher.js';
import { startTestRegistry } from './helpers/registry-server.js';
import { manifestFor, signedRelease, upload } from './helpers/releases.js';

const SERVER = 'postgresql://postgres@127.0.0.1:5432';

async function postgresAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(5432, '127.0.0.1');
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

t.test('the registry on PostgreSQL: publish, immutability, search', { skip: !(await postgresAnswers()) && 'PostgreSQL is not running' }, async (t) => {
  const dbName = `dogan_registry_test_${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const admin = await MikroORM.init({ clientUrl: `${SERVER}/postgres`, entities: [], discovery: { warnWhenNoEntities: false } });
    await admin.em.getConnection().execute(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.close(true);
  });
  const reg = await startTestRegistry(t, { env: { REGISTRY_DATABASE_URL: `${SERVER}/${dbName}` } });
  const acme = await createPublisher(reg.url, 'acme');
  const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.0.0'));
  t.equal((await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', release)).status, 201);
  t.equal((await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', release)).body.code, 'VERSION_EXISTS');
  const found = (await (await fetch(new URL(`v1/packages?q=${encodeURIComponent('الفواتير')}`, reg.url))).json()) as { total: number };
  t.equal(found.total, 1);
});
