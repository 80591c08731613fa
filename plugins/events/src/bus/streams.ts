import { OPEN_FAMILIES, PLATFORM_EVENT_FAMILIES } from '@dogan/runtime';

/**
 * Where events live on JetStream: one stream per platform event family (`DOGAN_TENANT` holds
 * `dogan.events.tenant.>`; open families such as `erpnext` too), and one for every other type (modules' own events, `dogan.other.>`), so
 * retention and limits can differ per family and a consumer of one family never reads the others.
 */
export interface StreamSpec {
  readonly name: string;
  /** The stream's one subject wildcard. */
  readonly subject: string;
  /** The subject prefix an event type is appended to. */
  readonly prefix: string;
}

const familyStream = (family: string): StreamSpec => ({
  name: `DOGAN_${family.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
  subject: `dogan.events.${family}.>`,
  prefix: 'dogan.events.',
});

const OTHER: StreamSpec = { name: 'DOGAN_OTHER', subject: 'dogan.other.>', prefix: 'dogan.other.' };

const FAMILIES: readonly string[] = [...PLATFORM_EVENT_FAMILIES, ...OPEN_FAMILIES];

export const STREAMS: readonly StreamSpec[] = [...FAMILIES.map(familyStream), OTHER];

function familyOf(typeOrPattern: string): string {
  const dot = typeOrPattern.indexOf('.');
  return dot < 0 ? typeOrPattern : typeOrPattern.slice(0, dot);
}

export function streamOf(type: string): StreamSpec {
  return FAMILIES.includes(familyOf(type)) ? familyStream(familyOf(type)) : OTHER;
}

/** The subject an event of `type` is published on. */
export function subjectOf(type: string): string {
  return streamOf(type).prefix + type;
}

/**
 * For each stream a consumer's patterns touch, the one filter subject its JetStream consumer uses
 * (servers before 2.10 take one). Several patterns on one stream widen it to the whole stream; the
 * bus then acknowledges the other types without calling the handler.
 */
export function consumerFilters(patterns: readonly string[]): Map<StreamSpec, string> {
  const byStream = new Map<string, { spec: StreamSpec; filters: string[] }>();
  const add = (spec: StreamSpec, filter: string) => {
    const entry = byStream.get(spec.name) ?? { spec, filters: [] };
    entry.filters.push(filter);
    byStream.set(spec.name, entry);
  };
  for (const pattern of patterns) {
    if (pattern === '*') {
      for (const spec of STREAMS) add(spec, spec.subject);
    } else if (pattern.endsWith('.*')) {
      const spec = streamOf(pattern);
      add(spec, `${spec.prefix}${pattern.slice(0, -2)}.>`);
    } else {
      add(streamOf(pattern), subjectOf(pattern));
    }
  }
  const out = new Map<StreamSpec, string>();
  for (const { spec, filters } of byStream.values()) out.set(spec, new Set(filters).size === 1 ? filters[0]! : spec.subject);
  return out;
}

/** A JetStream durable name from a consumer name (no dots, spaces or wildcards there). */
export function durableName(consumer: string): string {
  return consumer.replace(/[^A-Za-z0-9_-]/g, '_');
}
