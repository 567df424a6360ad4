/** One selectable set of measurements with its own marked section of BENCHMARKS.md. */
export interface BenchGroup {
  /** What `npm run bench -- <name>` selects, and the name in the section's marker comments. */
  name: string;
  title: string;
  /** How the group measures, in Markdown; printed above the results. */
  description: string;
  /** Runs the measurements and returns the results in Markdown: tables, verdicts, then notes. */
  run(): Promise<string>;
}
