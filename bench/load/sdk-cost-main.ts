import { startPacedFake } from './paced-fake.ts';
import { measureSdkCost } from './sdk-cost.ts';

/** `tsx bench/load/sdk-cost-main.ts [turns] [rounds]`: the model client's per-delta cost by layer, alone. */
const turns = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const fake = await startPacedFake();
try {
  for (let round = 0; round < rounds; round++) {
    const cost = await measureSdkCost({ fake, turns });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v)]))));
  }
} finally {
  await fake.close();
}
