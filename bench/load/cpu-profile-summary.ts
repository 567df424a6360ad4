/** The parts of a V8 CPU profile (`Profiler.stop`, or a `.cpuprofile` file) a summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The functions that spent the most time themselves (self time), as lines of "share of busy time,
 * milliseconds, function file:line". Idle samples count towards neither.
 */
export function topSelfTime(profile: CpuProfile, count: number): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((nodeId, index) => {
    const frame = frames.get(nodeId);
    const us = profile.timeDeltas[index] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    const file = frame.url.replace(/^.*\/(?:node_modules|src)\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    busyUs += us;
  });
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [
    `busy ${(busyUs / 1000).toFixed(0)} ms`,
    ...top.map(
      ([key, us]) =>
        `${((us / busyUs) * 100).toFixed(1).padStart(5)}% ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    ),
  ];
}
