/**
 * The org chart as pure functions over manager links: no SQL, no I/O. The service loads a tenant's
 * agents once (a few hundred at most) and asks these; every walk is bounded by MAX_ORG_DEPTH and
 * remembers where it has been, so even links a bug left in a cycle cannot make it loop.
 */

/** The most managers any agent may have above it; writes that pass it are refused. */
export const MAX_ORG_DEPTH = 32;

/** An agent as the chart needs it: who it is and whom it reports to. */
export interface OrgLink {
  readonly id: string;
  readonly managerId: string | null;
}

/** One agent in the org-chart tree, with the agents reporting to it. */
export interface OrgTreeNode<T> {
  readonly item: T;
  readonly reports: Array<OrgTreeNode<T>>;
}

/** A tenant's agents indexed by id and by manager, in the order given (the service gives creation order). */
export class OrgChart<T extends OrgLink = OrgLink> {
  private readonly byId = new Map<string, T>();
  private readonly children = new Map<string, T[]>();

  constructor(items: Iterable<T>) {
    for (const item of items) {
      this.byId.set(item.id, item);
      if (item.managerId === null) continue;
      const siblings = this.children.get(item.managerId);
      if (siblings) siblings.push(item);
      else this.children.set(item.managerId, [item]);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  items(): T[] {
    return [...this.byId.values()];
  }

  directReports(id: string): T[] {
    return [...(this.children.get(id) ?? [])];
  }

  /** Every agent below `id`, level by level (direct reports first), each once. */
  allReports(id: string): T[] {
    const out: T[] = [];
    const seen = new Set([id]);
    let level = [id];
    for (let depth = 0; depth < MAX_ORG_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const managerId of level) {
        for (const report of this.children.get(managerId) ?? []) {
          if (seen.has(report.id)) continue;
          seen.add(report.id);
          out.push(report);
          next.push(report.id);
        }
      }
      level = next;
    }
    return out;
  }

  /** The management chain above `id`: its manager first, the top last; empty for an agent nobody manages. */
  chain(id: string): T[] {
    const out: T[] = [];
    const seen = new Set([id]);
    let next = this.byId.get(id)?.managerId ?? null;
    while (next !== null && out.length < MAX_ORG_DEPTH) {
      const manager = this.byId.get(next);
      if (!manager || seen.has(manager.id)) break;
      out.push(manager);
      seen.add(manager.id);
      next = manager.managerId;
    }
    return out;
  }

  /**
   * The chart as a tree of the agents `include` keeps: an agent whose manager is left out (or has
   * none) is a root. Roots and reports keep the chart's order.
   */
  tree(include: (item: T) => boolean = () => true): Array<OrgTreeNode<T>> {
    const kept = [...this.byId.values()].filter(include);
    const keptIds = new Set(kept.map((item) => item.id));
    const placed = new Set<string>();
    const build = (item: T, depth: number): OrgTreeNode<T> => {
      placed.add(item.id);
      const below = depth < MAX_ORG_DEPTH ? (this.children.get(item.id) ?? []).filter((c) => keptIds.has(c.id) && !placed.has(c.id)) : [];
      return { item, reports: below.map((c) => build(c, depth + 1)) };
    };
    const roots = kept.filter((item) => item.managerId === null || !keptIds.has(item.managerId)).map((item) => build(item, 0));
    // Agents no root reaches (links in a cycle, which writes refuse) still appear, as roots.
    for (const item of kept) if (!placed.has(item.id)) roots.push(build(item, 0));
    return roots;
  }
}

/** The links after a change: `changes` gives agents new managers (null: none), `removed` agents are gone. */
export function withManagers(links: Iterable<OrgLink>, changes: ReadonlyMap<string, string | null>, removed: ReadonlySet<string> = new Set()): OrgLink[] {
  const out: OrgLink[] = [];
  for (const link of links) {
    if (removed.has(link.id)) continue;
    out.push(changes.has(link.id) ? { id: link.id, managerId: changes.get(link.id) ?? null } : link);
  }
  for (const [id, managerId] of changes) if (!out.some((l) => l.id === id) && !removed.has(id)) out.push({ id, managerId });
  return out;
}

/**
 * A management cycle reached by walking up from the agents in `from` (every agent when left out):
 * its ids from an agent round to itself (`[a, b, a]`: a reports to b, b to a); null when there is none.
 */
export function findCycle(links: Iterable<OrgLink>, from?: Iterable<string>): string[] | null {
  const managerOf = new Map<string, string | null>();
  for (const link of links) managerOf.set(link.id, link.managerId);
  for (const start of from ?? managerOf.keys()) {
    const path: string[] = [];
    const index = new Map<string, number>();
    let current: string | null = start;
    while (current !== null && managerOf.has(current)) {
      const at = index.get(current);
      if (at !== undefined) return [...path.slice(at), current];
      index.set(current, path.length);
      path.push(current);
      current = managerOf.get(current) ?? null;
    }
  }
  return null;
}

/** The most managers any agent has above it (0 when nobody has a manager). Links in a cycle count as if it were cut. */
export function maxDepth(links: Iterable<OrgLink>): number {
  const managerOf = new Map<string, string | null>();
  for (const link of links) managerOf.set(link.id, link.managerId);
  const depthOf = new Map<string, number>();
  let deepest = 0;
  for (const start of managerOf.keys()) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | null = start;
    let depth = 0;
    while (current !== null && managerOf.has(current)) {
      const known = depthOf.get(current);
      if (known !== undefined) {
        depth = known + 1;
        break;
      }
      if (onPath.has(current)) break;
      path.push(current);
      onPath.add(current);
      current = managerOf.get(current) ?? null;
    }
    for (let i = path.length - 1; i >= 0; i--, depth++) {
      depthOf.set(path[i]!, depth);
      deepest = Math.max(deepest, depth);
    }
  }
  return deepest;
}

/** An agent as delegation needs it. */
export interface DelegationParty {
  readonly id: string;
  readonly managerId: string | null;
  readonly teamId: string | null;
}

/**
 * Whether `from` may hand work to `to`: `to` reports to `from` directly, is a member of a team `from`
 * leads, or is `from`'s own manager (escalation). Never to itself.
 */
export function canDelegate(from: DelegationParty, to: DelegationParty, leadOf: (teamId: string) => string | null | undefined): boolean {
  if (from.id === to.id) return false;
  if (to.managerId === from.id) return true;
  if (to.teamId !== null && leadOf(to.teamId) === from.id) return true;
  return from.managerId === to.id;
}
