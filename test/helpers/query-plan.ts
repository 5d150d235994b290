import type { Db, Document } from 'mongodb';

/**
 * How the store answers a command, read from its own `explain`: the name of the index it searches,
 * or null when it reads the whole collection. On the embedded FerretDB that is SQLite's plan
 * (`SEARCH <table> USING INDEX <table>_<index>`); on MongoDB, the winning plan's IXSCAN.
 */
export async function indexUsed(db: Db, command: Document): Promise<string | null> {
  const explained = await db.command({ explain: command, verbosity: 'queryPlanner' });
  const planner = explained['queryPlanner'] as Document | undefined;
  const sqlitePlan = planner?.['Plan'] as string[] | undefined;
  if (sqlitePlan) {
    const searches = sqlitePlan
      .map((line) => /SEARCH (\S+) USING (?:COVERING )?INDEX (\S+)/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, table, index]) => index!.slice(table!.length + 1));
    return searches.length > 0 ? searches.join(' + ') : null;
  }
  const names: string[] = [];
  const walk = (stage: Document | undefined): void => {
    if (!stage) return;
    if (stage['stage'] === 'IXSCAN' || stage['stage'] === 'IDHACK' || stage['stage'] === 'EXPRESS_IXSCAN') {
      names.push(String(stage['indexName'] ?? '_id_'));
    }
    walk(stage['inputStage'] as Document | undefined);
    for (const input of (stage['inputStages'] as Document[] | undefined) ?? []) walk(input);
  };
  walk((planner?.['winningPlan'] as Document | undefined)?.['queryPlan'] ?? planner?.['winningPlan']);
  return names.length > 0 ? [...new Set(names)].join(' + ') : null;
}

/** Whether the server is the project's patched FerretDB (its version names the patches). */
export async function isPatchedFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return /-chat\./.test(String(info['ferretdbVersion'] ?? ''));
}
