import { createPublicKey } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { generateToken, hashToken } from '@dogan/runtime';
import { PLATFORM_EVENT_NAMESPACES, PUBLISHER_NAME_PATTERN, publicKeyId } from '@dogan/module-manifest';
import { PublisherKeySchema, PublisherSchema, PublisherTokenSchema, type Publisher, type PublisherKey } from '../db/entities.js';
import { RegistryErrors } from '../errors.js';

/** A publisher as the API shows it. */
export interface PublisherView {
  name: string;
  displayName: string;
  verified: boolean;
  createdAt: string;
  keys: Array<{ keyId: string; publicKey: string; createdAt: string }>;
}

const NAME = new RegExp(PUBLISHER_NAME_PATTERN);

/** Publishers, their tokens (stored as SHA-256 only) and their registered signing keys. */
export class PublisherService {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** Creates a publisher and its first token; the token is returned here and never again. */
  async create(name: string, displayName?: string): Promise<{ publisher: PublisherView; token: string }> {
    if (!NAME.test(name)) throw RegistryErrors.PUBLISHER_NAME_INVALID(name);
    // The manifest check refuses every module id under these names; an account there could publish nothing.
    if (PLATFORM_EVENT_NAMESPACES.includes(name)) throw RegistryErrors.PUBLISHER_NAME_RESERVED(name, PLATFORM_EVENT_NAMESPACES.join(', '));
    const em = this.em();
    if (await em.findOne(PublisherSchema, { name })) throw RegistryErrors.PUBLISHER_EXISTS(name);
    const publisher = em.create(PublisherSchema, { name, displayName: displayName?.trim() || name, verified: false, createdAt: new Date() });
    const token = this.newToken(em, publisher);
    await em.flush();
    return { publisher: await this.view(name), token };
  }

  /** Issues another token for an existing publisher (rotation); returned once. */
  async issueToken(name: string): Promise<string> {
    const em = this.em();
    const publisher = await this.require(em, name);
    const token = this.newToken(em, publisher);
    await em.flush();
    return token;
  }

  private newToken(em: EntityManager, publisher: Publisher): string {
    const token = generateToken('dgr');
    em.create(PublisherTokenSchema, { publisher, hash: hashToken(token), prefix: token.slice(0, 12), createdAt: new Date() });
    return token;
  }

  /** The publisher a bearer token belongs to, or undefined. Lookup is by hash: the token is never stored. */
  async authenticate(token: string): Promise<Publisher | undefined> {
    const row = await this.em().findOne(PublisherTokenSchema, { hash: hashToken(token), revokedAt: null }, { populate: ['publisher'] });
    return row?.publisher;
  }

  async setVerified(name: string, verified: boolean): Promise<PublisherView> {
    const em = this.em();
    const publisher = await this.require(em, name);
    publisher.verified = verified;
    await em.flush();
    return this.view(name);
  }

  /** Registers an Ed25519 public key (SPKI PEM) for the publisher; returns its key id. */
  async addKey(name: string, publicKeyPem: unknown): Promise<{ keyId: string }> {
    if (typeof publicKeyPem !== 'string' || publicKeyPem.length > 1000) throw RegistryErrors.KEY_INVALID('send it as a PEM string');
    let keyId: string;
    try {
      const key = createPublicKey(publicKeyPem);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`);
      keyId = publicKeyId(key);
    } catch (err) {
      throw RegistryErrors.KEY_INVALID((err as Error).message.slice(0, 200));
    }
    const em = this.em();
    const publisher = await this.require(em, name);
    if (await em.findOne(PublisherKeySchema, { keyId })) throw RegistryErrors.KEY_EXISTS(keyId);
    em.create(PublisherKeySchema, { publisher, keyId, publicKeyPem: createPublicKey(publicKeyPem).export({ type: 'spki', format: 'pem' }).toString(), createdAt: new Date() });
    await em.flush();
    return { keyId };
  }

  /** The publisher's current (not revoked) key with this id, or undefined. */
  async key(publisherName: string, keyId: string): Promise<PublisherKey | undefined> {
    const key = await this.em().findOne(PublisherKeySchema, { keyId, revokedAt: null }, { populate: ['publisher'] });
    return key && key.publisher.name === publisherName ? key : undefined;
  }

  async view(name: string): Promise<PublisherView> {
    const em = this.em();
    const publisher = await this.require(em, name);
    const keys = await em.find(PublisherKeySchema, { publisher, revokedAt: null }, { orderBy: { id: 'asc' } });
    return {
      name: publisher.name,
      displayName: publisher.displayName,
      verified: publisher.verified,
      createdAt: publisher.createdAt.toISOString(),
      keys: keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKeyPem, createdAt: k.createdAt.toISOString() })),
    };
  }

  private async require(em: EntityManager, name: string): Promise<Publisher> {
    const publisher = NAME.test(name) ? await em.findOne(PublisherSchema, { name }) : null;
    if (!publisher) throw RegistryErrors.PUBLISHER_NOT_FOUND(name);
    return publisher;
  }
}
