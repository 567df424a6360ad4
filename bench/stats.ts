/** Nearest-rank percentile (`fraction` in 0..1): always a value that was really observed. */
export function percentile(options: { values: readonly number[]; fraction: number }): number {
  const { values, fraction } = options;
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1]!;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean of no values');
  return sum(values) / values.length;
}

export interface Distribution {
  p50: number;
  p99: number;
  mean: number;
}

export function summarise(values: readonly number[]): Distribution {
  return {
    p50: percentile({ values, fraction: 0.5 }),
    p99: percentile({ values, fraction: 0.99 }),
    mean: mean(values),
  };
}
