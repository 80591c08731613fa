/**
 * Typed service references, in the spirit of Backstage's `createServiceRef`: a plugin names the
 * services it provides and consumes by ref, and gets instances typed by the ref, never from globals.
 */
export interface ServiceRef<T> {
  /** Unique id, `plugin.service` by convention (e.g. `tenants.directory`). */
  readonly id: string;
  /** Phantom member carrying the service's type; never set at run time. */
  readonly $type?: T;
}

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-zA-Z0-9]*)+$/;

/** Creates a ref for a service of type T. */
export function createServiceRef<T>(options: { id: string }): ServiceRef<T> {
  if (!ID.test(options.id)) {
    throw new Error(`Service ref id "${options.id}" must look like "plugin-name.serviceName"`);
  }
  return Object.freeze({ id: options.id });
}

/** Read access to services, limited to what the asking plugin declared it consumes. */
export interface ServiceLookup {
  /** The service; fails when it is not provided or the plugin did not declare it. */
  get<T>(ref: ServiceRef<T>): T;
  /** The service, or undefined when no loaded plugin provides it (for optional features). */
  getOptional<T>(ref: ServiceRef<T>): T | undefined;
}
