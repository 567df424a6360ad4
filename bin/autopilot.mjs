#!/usr/bin/env node
// Runs the TypeScript sources directly: Node strips their types itself (src/ keeps to erasable
// syntax, see tsconfig's erasableSyntaxOnly), which starts faster than registering tsx.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `Autopilot needs Node.js 22.18 or newer (this is ${process.version}). Run it through npm (npm start), which uses the project's Node.\n`,
  );
  process.exit(1);
}
const { runCli } = await import('../src/cli/index.ts');
process.exitCode = await runCli(process.argv.slice(2), process.env);
