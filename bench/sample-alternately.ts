/** How many timed samples to take of one turn length. */
export interface SamplePlan {
  length: number;
  samples: number;
}

/**
 * Takes samples round by round, one per length that still needs one, starting each round at a
 * different length, so noise and garbage collection hit every length alike. The first
 * `warmUpRounds` rounds are thrown away. Returns the timed samples by length.
 */
export async function sampleAlternately(options: {
  plans: SamplePlan[];
  warmUpRounds: number;
  measure: (length: number) => Promise<number>;
}): Promise<Map<number, number[]>> {
  const { plans, warmUpRounds, measure } = options;
  const samples = new Map(plans.map((plan) => [plan.length, [] as number[]]));
  const rounds = warmUpRounds + Math.max(...plans.map((plan) => plan.samples));
  for (let round = 0; round < rounds; round++) {
    const shift = round % plans.length;
    for (const plan of [...plans.slice(shift), ...plans.slice(0, shift)]) {
      if (round >= warmUpRounds + plan.samples) continue;
      const ms = await measure(plan.length);
      if (round >= warmUpRounds) samples.get(plan.length)!.push(ms);
    }
  }
  return samples;
}
