import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeDocument } from '../document/create.ts';
import { stateDictShapes } from '../export/pytorch/state-dict.ts';
import { compile } from '../onnx/compile.ts';
import { buildTemplate } from '../templates/templates.ts';
import { dag } from '../train/testing/graph.ts';
import { encodeTensors } from '../train/testing/torch-reference.ts';
import { decodeSafetensors } from '../weights/safetensors.ts';
import { load, main, type Io } from './main.ts';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'rs-export-pytorch-'));

describe('residual-studio export-pytorch', () => {
  it('writes DIR/model.py and the weights it loads, named as the ONNX file’s', async () => {
    const out = join(dir, 'tiny');
    const io = capture();
    expect(await main(['export-pytorch', 'tiny-resnet', '-o', out], io)).toBe(0);
    expect(io.out).toContain(join(out, 'model.py'));
    const py = readFileSync(join(out, 'model.py'), 'utf8');
    expect(py).toMatch(/^class TinyResNet\(nn\.Module\):/m);
    expect(py).toContain('def build_model(');
    const { store } = decodeSafetensors(readFileSync(join(out, 'weights.safetensors')));
    expect([...store!.keys()].sort()).toEqual([...stateDictShapes(buildTemplate('tiny-resnet')!).keys()].sort());
  });

  it('takes --input and --classes as export does', async () => {
    const out = join(dir, 'r18');
    expect(await main(['export-pytorch', 'resnet18', '--input', '3x64x64', '--classes', '7', '-o', out], capture())).toBe(0);
    const py = readFileSync(join(out, 'model.py'), 'utf8');
    expect(py).toContain('self.fc = nn.Linear(512, 7)');
    expect(py).toContain('takes N×3×64×64 and returns N×7');
  });

  it('bad input is one line on stderr and nothing written', async () => {
    const noOut = capture();
    expect(await main(['export-pytorch', 'tiny-resnet'], noOut)).toBe(1);
    expect(noOut.err).toMatch(/^residual-studio: export-pytorch needs -o DIR/);
    const opaque = join(dir, 'opaque.json');
    writeFileSync(opaque, serializeDocument(dag([['Opaque', { opType: 'Einsum', inputs: 1, outputShape: '3x8x8' }, [0]]], { channels: 3, height: 8, width: 8 })));
    const io = capture();
    expect(await main(['export-pytorch', opaque, '-o', join(dir, 'never')], io)).toBe(1);
    expect(io.err).toMatch(/RS801 .*Einsum/);
    expect(io.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('a project whose weights were saved from PyTorch (no owners in the file) exports with those weights', async () => {
    const doc = buildTemplate('tiny-resnet')!;
    // A state_dict as torch writes it: the names and shapes, nothing of ours in the metadata.
    const state = new Map([...stateDictShapes(doc)].map(([name, dims], i) => [name, { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.01 * (i + 1)) }]));
    writeFileSync(join(dir, 'trained.safetensors'), encodeTensors(state));
    const project = join(dir, 'trained.json');
    writeFileSync(project, serializeDocument({ ...doc, weights: { uri: 'trained.safetensors' } }));
    const loaded = await load(project, {});
    const { weightSources } = compile(loaded.doc, { weights: loaded.weights! });
    expect(new Set(weightSources.values())).toEqual(new Set(['trained']));
    expect(await main(['export-pytorch', project, '-o', join(dir, 'trained')], capture())).toBe(0);
    const { store } = decodeSafetensors(readFileSync(join(dir, 'trained', 'weights.safetensors')));
    expect([...store!.get('fc.bias')!.data]).toEqual([...state.get('fc.bias')!.data]);
  });
});
