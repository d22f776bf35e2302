import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chain } from '../graph/testing/chain.ts';
import { createDocument, parseDocument } from '../document/document.ts';
import { connect } from '../graph/edit.ts';
import { importOnnx } from '../onnx/import/index.ts';
import { analyze } from '../shape/analyze.ts';
import { diag } from './catalogue.ts';
import { MESSAGES, msg, placeholdersOf, renderMessage, type MessageId } from './messages.ts';

const shown = (ds: readonly { code: string; message: string; fix?: { label: string } }[]) => ds.map((d) => [d.code, d.message, d.fix?.label]);

describe('diagnostic messages', () => {
  // The English the CLI prints and the tests read is rendered from the message table; these are
  // the exact texts the hand-written messages had before the table existed.
  const cases: [string, () => readonly { code: string; message: string; fix?: { label: string } }[], unknown[][]][] = [
    [
      'Add of mismatched shapes',
      () => {
        const { doc, ids } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['Conv2d', { outChannels: 32, stride: 2 }], ['BatchNorm2d'], ['Add'], ['ReLU'], ['Output']]);
        return analyze(connect(doc, { source: ids[1]!, sourcePort: 0, target: ids[4]!, targetPort: 1 }).doc).diagnostics;
      },
      [['RS201', 'add_1: cannot add N×32×16×16 and N×16×32×32 — the shortcut must change dimensions: use a projection shortcut (1×1 conv, stride 2 + BN)', 'use a projection shortcut']],
    ],
    [
      'identity block that changes dimensions',
      () => analyze(chain([['Input'], ['BasicBlock', { width: 32, stride: 2, shortcut: 'identity' }], ['Output']]).doc).diagnostics,
      [['RS206', 'block_1: an identity shortcut cannot change dimensions (cannot add N×32×16×16 and N×3×32×32 — the shortcut must change dimensions)', 'use a projection shortcut']],
    ],
    [
      'Conv2d on a vector',
      () => analyze(chain([['Input'], ['Flatten'], ['Conv2d'], ['Output']]).doc).diagnostics,
      [['RS203', 'conv_1 needs a feature map N×C×H×W at input 0, got N×3072', undefined]],
    ],
    ['zero stride', () => analyze(chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc).diagnostics, [['RS303', 'conv_1: stride must be at least 1, got 0', 'reset stride to 1']]],
    [
      'dilated kernel larger than the input',
      () => analyze(chain([['Input'], ['Conv2d', { kernel: 9, padding: 0, dilation: 2 }], ['Output']], { channels: 3, height: 4, width: 4 }).doc).diagnostics,
      [['RS204', 'conv_1: kernel 9 (dilated to 17) is larger than the padded input 4×4', 'use kernel 2']],
    ],
    ['pool padding', () => analyze(chain([['Input'], ['MaxPool2d', { kernel: 3, padding: 2 }], ['Output']]).doc).diagnostics, [['RS301', 'maxpool_1: padding 2 must be at most half the kernel 3 (MaxPool2d)', 'use padding 1']]],
    [
      'empty network',
      () => analyze(createDocument({ input: { channels: 3, height: 32, width: 32 } })).diagnostics,
      [
        ['RS104', 'the network has no Input node; add one (the image enters there)', undefined],
        ['RS103', 'the network has no Output node; connect the last layer to an Output (the logits)', undefined],
      ],
    ],
    ['foreign JSON', () => parseDocument('{"kind":"other"}').diagnostics, [['RS503', 'not a Residual Studio document: kind is "other"', undefined]]],
    [
      'text given as ONNX',
      () => importOnnx(new TextEncoder().encode('hello, world')).diagnostics,
      [['RS601', 'not an ONNX model: the file looks like text, not binary protobuf; the protobuf parser stopped: cant skip wire type 4', undefined]],
    ],
  ];

  it.each(cases)('%s: the English message is unchanged', (_name, make, expected) => {
    expect(shown(make())).toEqual(expected);
  });

  it('every diagnostic carries its message as id and arguments, and the fix its label', () => {
    const { doc, ids } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['Conv2d', { outChannels: 32, stride: 2 }], ['BatchNorm2d'], ['Add'], ['ReLU'], ['Output']]);
    const d = analyze(connect(doc, { source: ids[1]!, sourcePort: 0, target: ids[4]!, targetPort: 1 }).doc).diagnostics[0]!;
    expect(d.messageRef).toEqual({ id: 'add-shapes-stride', args: { node: 'add_1', a: 'N×32×16×16', b: 'N×16×32×32', stride: 2 } });
    expect(d.fix?.labelRef).toEqual({ id: 'fix-projection', args: {} });
    expect(renderMessage(d.messageRef!)).toBe(d.message);
  });

  it('renders nested phrases and leaves unknown placeholders visible', () => {
    expect(renderMessage(msg('import-unrepresentable', { reason: msg('import-input-count', { n: 2 }) }))).toBe(
      'this graph cannot be represented: it has 2 graph inputs; the editor models exactly one image input',
    );
    expect(renderMessage({ id: 'no-input-port', args: { node: 'relu' } })).toBe('relu has no input {{port}}');
    expect(renderMessage(msg('duplicate-name', { name: 'a $& {{b}}' }))).toBe('two nodes are named "a $& {{b}}"; names become ONNX tensor names and must be unique');
    expect(diag('RS102', msg('input-unconnected', { node: 'add', port: 1 })).message).toBe('add: input 1 is not connected');
  });

  it('every message id written in the core exists in the table, and every table entry is used', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(join(__dirname, '..'));
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/msg\(\s*(?:[^'()]*\?\s*)?'([\w-]+)'(?:\s*:\s*'([\w-]+)')?/g)) for (const id of m.slice(1)) if (id) used.add(id);
    const known = new Set(Object.keys(MESSAGES));
    expect([...used].filter((id) => !known.has(id))).toEqual([]);
    // The app makes the import-worker and weight-loading diagnostics; everything else is used by the core.
    const appOnly = ['import-worker-start', 'import-worker-failed', 'import-cancelled', 'weights-memory-only', 'weights-not-loaded', 'file-unreadable'];
    expect([...known].filter((id) => !used.has(id) && !appOnly.includes(id))).toEqual([]);
  });

  it('placeholders are plain names that i18next does not treat as options', () => {
    const reserved = ['count', 'context', 'ns', 'lng', 'lngs', 'defaultValue', 'ordinal', 'replace', 'returnObjects', 'interpolation', 'postProcess', 'keyPrefix'];
    for (const id of Object.keys(MESSAGES) as MessageId[]) expect(placeholdersOf(MESSAGES[id]).filter((p) => reserved.includes(p)), id).toEqual([]);
  });
});
