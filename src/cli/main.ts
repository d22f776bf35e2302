import { closeSync, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ResidualDocument } from '../graph/types.ts';
import { fmtShape } from '../ops/common.ts';
import { lowerToIr } from '../onnx/compile.ts';
import { foldBatchNorm } from '../onnx/passes/fold-batchnorm.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate, TEMPLATES, type TemplateOptions } from '../templates/templates.ts';
import { decodeSafetensors } from '../weights/safetensors.ts';
import type { WeightStore } from '../weights/types.ts';
import { parseArgs, UsageError } from './args.ts';
import { defaultThreads, openReplacing, startWeightWorkers, worthWorkers, writeModelFile } from './export-file.ts';

const USAGE = `usage: residual-studio <command> [options]
  templates                                   list the built-in templates
  summary <template|project.json> [--json] [--input CxHxW] [--classes N]
  export  <template|project.json> -o out.onnx [--opset N] [--seed N] [--zero-init-residual]
                                  [--input CxHxW] [--classes N] [--fold-bn]
                                  [--threads N] [--timings]
  import  <model.onnx> -o project.json        import an ONNX file (weights go beside it);
          [--input-size HxW] [--time-limit S] working size for symbolic H/W (default 224),
                                              give up after S seconds (default 60);
          [--blocks lib.json]                 recognise a block library file's user blocks;
                                              summary and export also take an .onnx file
  train   <template|project.json> --data DIR -o trained.json   train on an MNIST-layout directory
          [--epochs N] [--batch N] [--limit N] [--test-limit N] [--seed N]
          [--optimizer sgd|adamw] [--lr X] [--momentum X] [--nesterov] [--weight-decay X]
          [--betas B1,B2] [--eps X] [--label-smoothing X] [--schedule constant|step|cosine]
          [--warmup STEPS] [--step-epochs N] [--gamma X] [--crop PX] [--flip] [--fit resize|pad]
  export-training <template|project.json> -o step.onnx   the training step file itself
          [--batch N] [--opset N] [--seed N] [--label-smoothing X] [--optimizer sgd|adamw]
          [--lr X] [--momentum X] [--nesterov] [--weight-decay X] [--betas B1,B2] [--eps X]
  figure  <template|project.json> -o fig.svg|fig.png [--scale N] [--lang en|zh-CN]   the paper's figure
  figure  --paper -o fig.svg|fig.png          VGG-19, Plain-34 and ResNet-34 side by side
  diff    <a> <b> [--json] [--input CxHxW]    what changes from network a to b (templates, project
                                              or ONNX files): blocks and layers per stage, params, MACs
  export-pytorch <template|project.json> -o DIR   DIR/model.py (PyTorch source) + the weights it loads
          [--input CxHxW] [--classes N]`;

/** A document and the real weights that go with it, if any. */
export interface Loaded {
  readonly doc: ResidualDocument;
  readonly weights?: WeightStore;
}

/** Extra commands registered by other modules (e.g. `import`), keyed by name. */
export const EXTRA_COMMANDS = new Map<string, (args: string[], out: Io) => Promise<number> | number>();
// The importer, and the document schema's validator (zod), are loaded only by the commands that
// read a file: they are most of the bundle, and exporting a template needs neither.
EXTRA_COMMANDS.set('import', async (args, io) => (await import('./import-command.ts')).importCommand(args, io));
EXTRA_COMMANDS.set('train', async (args, io) => (await import('./train-command.ts')).trainCommand(args, io));
EXTRA_COMMANDS.set('export-training', async (args, io) => (await import('./train-command.ts')).exportTrainingCommand(args, io));
EXTRA_COMMANDS.set('figure', async (args, io) => (await import('./figure-command.ts')).figureCommand(args, io));
EXTRA_COMMANDS.set('diff', async (args, io) => (await import('./diff-command.ts')).diffCommand(args, io));
EXTRA_COMMANDS.set('export-pytorch', async (args, io) => (await import('./export-pytorch-command.ts')).exportPyTorchCommand(args, io));

/** Where the CLI writes; tests pass buffers. */
export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/**
 * Runs the CLI with the given arguments and returns the exit code. Bad input gives one line on
 * stderr and exit code 1, never a stack trace.
 *
 * @example
 * await main(['summary', 'resnet50', '--json']);
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'templates':
        for (const t of TEMPLATES) io.stdout(`${t.id.padEnd(16)} ${t.title}\n`);
        return 0;
      case 'summary':
        return await summary(rest, io);
      case 'export':
        return await exportCmd(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return cmd === undefined ? 1 : 0;
      default: {
        const extra = EXTRA_COMMANDS.get(cmd);
        if (extra) return await extra(rest, io);
        throw new UsageError(`unknown command "${cmd}" (try: templates, summary, export${[...EXTRA_COMMANDS.keys()].map((k) => `, ${k}`).join('')})`);
      }
    }
  } catch (e) {
    const msg = e instanceof UsageError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    io.stderr(`residual-studio: ${msg}\n`);
    return 1;
  }
}

function templateOptions(flags: Record<string, string | boolean>): TemplateOptions {
  const o: { input?: TemplateOptions['input']; classes?: number } = {};
  if (typeof flags['input'] === 'string') {
    const m = /^(\d+)x(\d+)x(\d+)$/i.exec(flags['input']);
    if (!m) throw new UsageError(`--input must look like 3x224x224 (channels x height x width), got "${flags['input']}"`);
    const [c, h, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!(c >= 1 && c <= 4096 && h >= 1 && h <= 8192 && w >= 1 && w <= 8192)) throw new UsageError(`--input ${flags['input']} is out of range (channels 1–4096, sides 1–8192)`);
    o.input = { channels: c, height: h, width: w };
  }
  if (flags['classes'] !== undefined) {
    const n = Number(flags['classes']);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new UsageError(`--classes must be a whole number from 1 to 1000000, got "${String(flags['classes'])}"`);
    o.classes = n;
  }
  return o;
}

/** Loads a template id or a project file (with the weights it references). */
export async function load(source: string, flags: Record<string, string | boolean>): Promise<Loaded> {
  const opts = templateOptions(flags);
  const t = buildTemplate(source, opts);
  if (t) return { doc: t };
  if (!existsSync(source)) throw new UsageError(`"${source}" is neither a template (see 'residual-studio templates') nor a file`);
  if (source.toLowerCase().endsWith('.onnx')) {
    if (opts.classes !== undefined) throw new UsageError('--classes applies to templates only; edit the final Linear layer of an imported model instead');
    // --input gives a file with symbolic height and width its working size; a fixed file keeps its own.
    const { loadOnnx } = await import('./import-command.ts');
    const { doc, weights } = loadOnnx(source, opts.input ? { inputSize: { height: opts.input.height, width: opts.input.width } } : {});
    const d = opts.input ? { ...doc, input: { ...doc.input, ...opts.input } } : doc;
    return weights ? { doc: d, weights } : { doc: d };
  }
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { parseDocument } = await import('../document/document.ts');
  const { doc, diagnostics } = parseDocument(text);
  if (!doc) throw new UsageError(`${source}: ${diagnostics[0]?.message ?? 'invalid document'}`);
  let d = doc;
  if (opts.input) d = { ...d, input: { ...d.input, ...opts.input } };
  if (opts.classes !== undefined) throw new UsageError('--classes applies to templates only; edit the final Linear layer of a project instead');
  let weights: WeightStore | undefined;
  if (doc.weights) {
    const path = resolve(dirname(source), doc.weights.uri);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch {
      throw new UsageError(`${source}: its weights file ${doc.weights.uri} cannot be read (expected at ${path})`);
    }
    const r = decodeSafetensors(bytes);
    if (!r.store) throw new UsageError(`${doc.weights.uri}: ${r.diagnostics[0]?.message ?? 'invalid weights file'}`);
    weights = r.store;
    // Weights saved from PyTorch (an exported model.py's save_weights) carry no owners: they are the document's by name.
    if ([...weights.values()].some((t) => t.owner === '')) weights = (await import('../export/pytorch/state-dict.ts')).adoptStateDict(d, weights).weights;
  }
  return weights ? { doc: d, weights } : { doc: d };
}

const human = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(3)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(3)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n));

async function summary(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { json: 'bool', input: 'string', classes: 'string' });
  if (positional.length !== 1) throw new UsageError('summary takes one template or project file');
  const { doc } = await load(positional[0]!, flags);
  const a = analyze(doc);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  const layers = doc.nodes
    .filter((n) => n.op !== 'Output')
    .map((n) => {
      const info = a.nodes.get(n.id);
      const out = info?.outputShapes[0];
      return {
        name: n.name,
        op: n.op,
        output: out ? ['N', ...out] : null,
        params: info?.cost.params ?? 0,
        macs: info?.cost.macs ?? 0,
        ...(info?.shortcut ? { shortcut: info.shortcut.kind } : {}),
      };
    });
  if (flags['json']) {
    io.stdout(
      `${JSON.stringify(
        {
          name: doc.name,
          input: [doc.input.channels, doc.input.height, doc.input.width],
          params: a.totals.params,
          macs: a.totals.macs,
          otherOps: a.totals.otherOps,
          blocks: a.totals.blocks,
          stages: a.stages,
          layers,
          diagnostics: a.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...(d.nodeId ? { node: d.nodeId } : {}) })),
        },
        null,
        1,
      )}\n`,
    );
    return errors.length ? 1 : 0;
  }
  const rows = layers.map((l) => [l.name, l.op + (l.shortcut ? ` (${l.shortcut})` : ''), l.output ? fmtShape(l.output.slice(1) as number[]) : '?', l.params.toLocaleString('en-US'), human(l.macs)]);
  const head = ['name', 'op', 'output', 'params', 'MACs'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  io.stdout(`${doc.name} — input ${fmtShape([doc.input.channels, doc.input.height, doc.input.width])}\n${line(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n`);
  for (const r of rows) io.stdout(`${line(r)}\n`);
  const b = a.totals.blocks;
  io.stdout(`\ntotal params ${a.totals.params.toLocaleString('en-US')}  MACs ${human(a.totals.macs)}  blocks: ${b.identity} identity, ${b.projection} projection${b.zeroPad ? `, ${b.zeroPad} zero-pad` : ''}\n`);
  for (const d of a.diagnostics) io.stdout(`${d.severity} ${d.code}: ${d.message}\n`);
  if (errors.length) {
    io.stderr(`residual-studio: ${errors.length} error(s): ${errors[0]!.message}\n`);
    return 1;
  }
  return 0;
}

async function exportCmd(args: string[], io: Io): Promise<number> {
  const t0 = performance.now();
  const { positional, flags } = parseArgs(args, {
    o: 'string',
    output: 'string',
    opset: 'string',
    seed: 'string',
    'zero-init-residual': 'bool',
    input: 'string',
    classes: 'string',
    'fold-bn': 'bool',
    threads: 'string',
    timings: 'bool',
  });
  if (positional.length !== 1) throw new UsageError('export takes one template or project file');
  const out = (flags['o'] ?? flags['output']) as string | undefined;
  if (!out) throw new UsageError('export needs -o out.onnx');
  let threads = defaultThreads();
  if (flags['threads'] !== undefined) {
    threads = Number(flags['threads']);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError(`--threads must be a whole number from 1 to 64, got "${String(flags['threads'])}"`);
  }
  const loaded = await load(positional[0]!, flags);
  let doc = loaded.doc;
  if (flags['seed'] !== undefined) {
    const s = Number(flags['seed']);
    if (!Number.isInteger(s) || s < 0 || s > 2 ** 32 - 1) throw new UsageError(`--seed must be a whole number from 0 to 4294967295, got "${String(flags['seed'])}"`);
    doc = { ...doc, seed: s };
  }
  if (flags['zero-init-residual']) doc = { ...doc, zeroInitResidual: true };
  let opset: number | undefined;
  if (flags['opset'] !== undefined) {
    opset = Number(flags['opset']);
    if (!Number.isInteger(opset)) throw new UsageError(`--opset must be a whole number, got "${String(flags['opset'])}"`);
  }
  const t1 = performance.now();
  const analysis = analyze(doc);
  const t2 = performance.now();
  // Fresh weights are generated as the file is written, straight into their place in it, on as
  // many threads as there are (see export-file.ts). Workers boot while this thread lowers.
  const workers = startWeightWorkers(threads > 1 && worthWorkers(analysis.totals.params) ? threads - 1 : 0);
  let written: Awaited<ReturnType<typeof writeModelFile>>;
  let opsetUsed: number;
  let t3: number;
  let t4: number;
  try {
    const r = lowerToIr(doc, { ...(opset !== undefined ? { opset } : {}), ...(loaded.weights ? { weights: loaded.weights } : {}), deferWeights: true, analysis });
    if (!r.model) {
      const first = r.diagnostics.find((d) => d.severity === 'error');
      throw new UsageError(`cannot export ${doc.name}: ${first?.code} ${first?.message}`);
    }
    const model = flags['fold-bn'] === true ? foldBatchNorm(r.model) : r.model;
    opsetUsed = model.opset;
    t3 = performance.now();
    let opened: ReturnType<typeof openReplacing>;
    try {
      opened = openReplacing(out);
    } catch (e) {
      throw new UsageError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    t4 = performance.now();
    try {
      written = await writeModelFile(model, opened.fd, { workers });
    } finally {
      closeSync(opened.fd);
      await opened.cleanup;
    }
  } finally {
    workers.stop();
  }
  const t5 = performance.now();
  io.stdout(`wrote ${out} (${(written.size / 2 ** 20).toFixed(1)} MB, opset ${opsetUsed})\n`);
  if (flags['timings']) {
    // One JSON line, for `npm run bench` and anyone asking where the time went.
    const w = written.timings;
    const ms = (x: number) => Math.round(x * 10) / 10;
    const stages = {
      loadMs: ms(t1 - t0),
      analyseMs: ms(t2 - t1),
      lowerMs: ms(t3 - t2),
      openMs: ms(t4 - t3),
      serialiseMs: ms(w.planMs),
      weightsMs: ms(w.weightsMs),
      writeMs: ms(w.writeMs),
      generateAndWriteMs: ms(w.generateAndWriteMs),
      closeMs: ms(t5 - t4 - w.planMs - w.generateAndWriteMs),
      totalMs: ms(t5 - t0),
      threads: w.threadsUsed,
      tensorsPerThread: w.tensorsPerThread,
    };
    io.stderr(`residual-studio timings ${JSON.stringify(stages)}\n`);
  }
  return 0;
}
