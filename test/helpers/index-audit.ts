/**
 * Which index a query can use and whether it names its collection's shard key: the rules of the
 * index audit (test/e2e/index-audit.test.ts), kept pure so they are unit-tested on their own.
 */

export type Filter = Readonly<Record<string, unknown>>;
export type IndexKey = Readonly<Record<string, unknown>>;

export interface IndexSpec {
  readonly name: string;
  readonly key: IndexKey;
}

/** A field the filter constrains: by equality (a value, `$eq`, `$in`) or by a range. */
function constraintOf(filter: Filter, field: string): 'equality' | 'range' | null {
  if (!(field in filter)) return null;
  const condition = filter[field];
  if (condition === null || typeof condition !== 'object' || condition instanceof Date) return 'equality';
  const operators = Object.keys(condition);
  if (operators.length === 0 || !operators.every((operator) => operator.startsWith('$'))) return 'equality';
  if (operators.includes('$eq') || operators.includes('$in')) return 'equality';
  if (operators.some((operator) => ['$gt', '$gte', '$lt', '$lte'].includes(operator))) return 'range';
  return null; // $ne, $exists, $not, $regex: no index bound
}

/**
 * The index a planner would pick by the usual rules: the one whose leading fields the filter
 * constrains most (equalities, then at most one range), preferring one that also yields the sort.
 * A top-level `$or` uses indexes only if every branch has one; branches on different indexes
 * make an index union, named "a + b". Null when no index bounds the query: a collection scan.
 */
export function indexFor(filter: Filter, sort: IndexKey | undefined, indexes: readonly IndexSpec[]): string | null {
  const branches = Array.isArray(filter['$or']) ? (filter['$or'] as Filter[]) : null;
  if (branches) {
    const { $or: _branches, ...rest } = filter;
    const chosen = new Set(branches.map((branch) => indexFor({ ...rest, ...branch }, sort, indexes)));
    return chosen.has(null) ? null : [...chosen].sort().join(' + ');
  }
  let best: { name: string; score: number } | null = null;
  for (const index of indexes) {
    const fields = Object.keys(index.key);
    let bound = 0;
    let equalities = 0;
    for (const field of fields) {
      const constraint = constraintOf(filter, field);
      if (!constraint) break;
      bound += 1;
      if (constraint === 'range') break;
      equalities += 1;
    }
    if (bound === 0) continue;
    // The index returns documents in the sort's order when the sort fields follow its equalities.
    const sortFields = Object.keys(sort ?? {});
    const yieldsSort = sortFields.length > 0 && sortFields.every((field, i) => fields[equalities + i] === field);
    const score = bound * 2 + (yieldsSort ? 1 : 0);
    if (!best || score > best.score) best = { name: index.name, score };
  }
  return best?.name ?? null;
}

/**
 * Whether the filter names the shard key (every field by equality or `$in`, or a ranged key by a
 * bounded range), so a sharded cluster routes it to the shards owning those values instead of
 * asking all of them.
 */
export function targetsShards(filter: Filter, shardKey: IndexKey): boolean {
  const branches = Array.isArray(filter['$or']) ? (filter['$or'] as Filter[]) : null;
  if (branches) {
    const { $or: _branches, ...rest } = filter;
    if (Object.keys(shardKey).every((field) => routes(rest, field, shardKey))) return true;
    return branches.every((branch) => targetsShards({ ...rest, ...branch }, shardKey));
  }
  return Object.keys(shardKey).every((field) => routes(filter, field, shardKey));
}

/**
 * A shard key field routes a query when the filter fixes it, or, for a ranged (not hashed) key,
 * bounds it on both sides: the router then asks only the chunks that cover the range.
 */
function routes(filter: Filter, field: string, shardKey: IndexKey): boolean {
  const constraint = constraintOf(filter, field);
  if (constraint === 'equality') return true;
  if (constraint !== 'range' || shardKey[field] !== 1) return false;
  const operators = Object.keys(filter[field] as object);
  return operators.some((op) => op === '$gt' || op === '$gte') && operators.some((op) => op === '$lt' || op === '$lte');
}
