#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx; Autopilot needs Node 22 or newer.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Autopilot needs Node.js 22 or newer (this is ${process.version}). Run it through npm (npm start), which uses the project's Node.\n`,
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { runCli } = await import('../src/cli/index.ts');
process.exitCode = await runCli(process.argv.slice(2), process.env);
