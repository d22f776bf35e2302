// Prints the README's quick-start commands, one per line, without their comments: the code block
// under "## Quick start". .ci/run runs exactly these, so CI checks what a reader types.
import { readFileSync } from 'node:fs';

const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = text.split(/^## /m).find((s) => s.startsWith('Quick start'));
const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
if (!block) {
  console.error('README.md has no ```sh block under "## Quick start"');
  process.exit(1);
}
for (const line of block.split('\n')) {
  const cmd = line.replace(/\s+#.*$/, '').trim();
  if (cmd) console.log(cmd);
}
