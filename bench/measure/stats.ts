/** Percentile by nearest rank over an unsorted sample (copied and sorted once). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return Number.NaN;
  return percentiles(finite, [50])[0]!;
}

/** Median of each numeric field across runs (the runs have the same shape). */
export function medianOf<T extends Record<string, number>>(runs: readonly T[]): T {
  const first = runs[0];
  if (!first) throw new Error('no runs');
  const out: Record<string, number> = {};
  for (const key of Object.keys(first)) out[key] = median(runs.map((run) => run[key]!));
  return out as T;
}

export function ratio(value: number, baseline: number): number {
  return baseline === 0 || !Number.isFinite(baseline) ? Number.NaN : value / baseline;
}
