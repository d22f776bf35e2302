import { describe, expect, it } from 'vitest';
import { onCi, torchGate, torchMissing } from './torch-available.ts';

describe('whether the torch cross-checks run', () => {
  it('RS_SKIP_TORCH=1 is a reason not to, and says so', () => {
    expect(torchMissing({ RS_SKIP_TORCH: '1' })).toBe('RS_SKIP_TORCH=1 is set');
  });
  it('this machine has torch, torchvision and onnx (Debian python3-torch is a test dependency)', () => {
    expect(torchMissing({})).toBeUndefined();
  });
  it('on CI, RS_SKIP_TORCH=1 fails the run with the reason instead of skipping; elsewhere it skips', () => {
    expect(() => torchGate({ CI: 'true', RS_SKIP_TORCH: '1' })).toThrow(/cannot run on CI: RS_SKIP_TORCH=1 is set/);
    expect(torchGate({ RS_SKIP_TORCH: '1' })).toBe(false);
    expect(torchGate({ CI: 'true' })).toBe(true);
  });
  it('CI is CI=true (or any value but false/0)', () => {
    expect([onCi({ CI: 'true' }), onCi({ CI: '1' }), onCi({ CI: 'false' }), onCi({ CI: '0' }), onCi({})]).toEqual([true, true, false, false, false]);
  });
});
