import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../ops/registry.ts';

// The exporter reads each layer op's PyTorch form from its definition, so a new op without one
// would only surface when a user's export says the op has no PyTorch counterpart (RS801).
describe("every layer op says how model.py writes it", () => {
  it('only the graph ends and opaque imported ops lack a PyTorch form', () => {
    const without = Object.entries(LAYERS)
      .filter(([, def]) => !def.pytorch)
      .map(([kind]) => kind)
      .sort();
    expect(without).toEqual(['Input', 'Opaque', 'Output']);
  });
});
