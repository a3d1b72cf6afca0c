// Fails on circular imports anywhere in our TypeScript (generated code included).
import madge from 'madge';

const res = await madge(['lib', 'gateway', 'ingest', 'query', 'realtime', 'detector', 'cli', 'proto/gen'], {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: true } },
  excludeRegExp: [/node_modules/],
});
const cycles = res.circular();
if (cycles.length > 0) {
  console.error(`circular imports (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.join(' -> ')}`);
  process.exit(1);
}
console.log(`no circular imports in ${Object.keys(res.obj()).length} modules`);
