import { describe, expect, it } from 'vitest';
import { parseMissingKernels, parsePlacement, warningLines } from './ort-log.ts';

// Lines as onnxruntime-web 1.30 prints them for a training step on WebGPU (verbose session log).
const LOG = [
  '2026-12-02 00:18:59.811914 [I:onnxruntime:, js_execution_provider.cc:823 GetCapability] webgpu kernel not found in registries for Op type: LogSoftmax node name: loss/LogSoftmax',
  '2026-12-02 00:18:59.882064 [I:onnxruntime:, js_execution_provider.cc:823 GetCapability] webgpu kernel not found in registries for Op type: LogSoftmax node name: loss/LogSoftmax',
  '2026-12-02 00:19:00.135919 [I:onnxruntime:, transformer_memcpy.cc:393 AddCopyNode] Add MemcpyFromHost after loss/LogSoftmax for JsExecutionProvider',
  '\u001b[0;93m2026-12-02 00:18:20.171580 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance. e.g. ORT explicitly assigns shape related ops to CPU to improve perf.\u001b[m',
  '2026-12-02 00:19:00.160589 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
  '2026-12-02 00:19:00.163334 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   LogSoftmax (loss/LogSoftmax)',
  '2026-12-02 00:19:00.163334 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Equal (loss/Equal_1)',
  '2026-12-02 00:19:00.163689 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [JsExecutionProvider]. Number of nodes: 3',
  '2026-12-02 00:19:00.163700 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Conv (conv1)',
  '2026-12-02 00:19:00.163700 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Conv (layer1.0.conv1)',
  '2026-12-02 00:19:00.163700 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   ConvTranspose (grad/conv1/ConvTranspose)',
  '2026-12-02 00:19:00.170000 [V:onnxruntime:, inference_session.cc:1900 Initialize] Session successfully initialized.',
];

describe('onnxruntime session log', () => {
  it('reads which nodes went to which execution provider', () => {
    const p = parsePlacement(LOG)!;
    expect(p['CPUExecutionProvider']).toEqual([
      { opType: 'LogSoftmax', name: 'loss/LogSoftmax' },
      { opType: 'Equal', name: 'loss/Equal_1' },
    ]);
    expect(p['JsExecutionProvider']!.map((n) => n.opType)).toEqual(['Conv', 'Conv', 'ConvTranspose']);
  });
  it('reads "All nodes placed on", and says nothing when the log has no placement', () => {
    expect(parsePlacement(['[V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WasmExecutionProvider]. Number of nodes: 12'])).toEqual({ WasmExecutionProvider: [] });
    expect(parsePlacement(LOG.slice(0, 4))).toBeUndefined();
  });
  it('lists each node without a kernel once, and the warnings without colour', () => {
    expect(parseMissingKernels(LOG)).toEqual([{ opType: 'LogSoftmax', name: 'loss/LogSoftmax' }]);
    expect(warningLines(LOG)).toHaveLength(1);
    expect(warningLines(LOG)[0]).toMatch(/^2026.*to improve perf\.$/);
  });
});
