/** Spelling values and names as Python source. */

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);

/** True when `s` can stand as a Python identifier (`self.conv1`), keywords excluded. */
export const isIdentifier = (s: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s);

/** A Python string literal (double-quoted; JSON's escapes are Python's for these characters). */
export const pyStr = (s: string): string => JSON.stringify(s);

/** A Python float literal: `1.0`, `1e-05`, `float("inf")`. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : '-float("inf")';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A name made into an identifier for a local variable or a class: `layer1.0` → `layer1_0`. */
export function toIdentifier(s: string, fallback: string): string {
  let id = s.replace(/[^A-Za-z0-9_]/g, '_');
  if (!id || /^[0-9]/.test(id)) id = `${fallback}${id ? `_${id}` : ''}`;
  return KEYWORDS.has(id) ? `${id}_` : id;
}

/** A class name from a free-text name: `CIFAR ResNet-20` → `CIFARResNet20`. */
export function toClassName(s: string, fallback: string): string {
  const parts = s.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const id = parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
  return !id || /^[0-9]/.test(id) ? `${fallback}${id}` : id;
}

/**
 * Attributes every `torch.nn.Module` already has: a child module by one of these names cannot be
 * registered (`add_module` refuses it), so a layer named so cannot keep its name in PyTorch.
 */
export const MODULE_ATTRIBUTES = new Set([
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'call_super_init', 'children', 'cpu', 'cuda', 'double', 'dump_patches', 'eval',
  'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter', 'get_submodule', 'half', 'ipu', 'load_state_dict', 'modules',
  'named_buffers', 'named_children', 'named_modules', 'named_parameters', 'parameters', 'register_backward_hook', 'register_buffer',
  'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook', 'register_full_backward_pre_hook',
  'register_load_state_dict_post_hook', 'register_module', 'register_parameter', 'register_state_dict_pre_hook', 'requires_grad_',
  'set_extra_state', 'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'training', 'type', 'xpu', 'zero_grad',
]);
