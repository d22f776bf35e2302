import { MESSAGES, opLabelTable } from '../../src/index.ts';
import { labEn, signalsEn } from './lab.en.ts';
import { diffEn } from './diff.en.ts';
import { runEn } from './run.en.ts';
import { lesionEn } from './lesion.en.ts';
import { trainEn } from './train.en.ts';
import { teachEn } from './teach.en.ts';
import { lessonEn } from './lesson.en.ts';
import { userBlocksEn } from './userblocks.en.ts';
/** English UI text. Keys are grouped by where they appear. */
export const en = {
  app: { title: 'Residual Studio' },
  top: {
    templates: 'Templates',
    open: 'Open…',
    save: 'Save',
    exportOnnx: 'Export ONNX',
    exportPyTorch: 'Export PyTorch',
    exportPyTorchHint: 'model.py (the network as PyTorch source) and the weights it loads, in a zip',
    undo: 'Undo',
    redo: 'Redo',
    layout: 'Layout',
    layoutTB: 'Top-down',
    layoutLR: 'Left-right',
    theme: 'Theme',
    light: 'Light',
    dark: 'Dark',
    language: 'Language',
    help: 'Shortcuts',
  },
  gallery: { title: 'Template gallery', close: 'Close', open: 'Open', opening: 'Opening…', family: { imagenet: 'ImageNet', cifar: 'CIFAR-10', plain: 'Plain (no shortcuts)', vgg: 'VGG', teaching: 'Teaching', blank: 'Blank' } },
  palette: { title: 'Palette', search: 'Search ops…', empty: 'No op matches', hint: 'Drag onto the canvas, or double-click to add.' },
  category: { io: 'Input / output', block: 'Residual blocks', convolution: 'Convolution', normalization: 'Normalization', activation: 'Activation', pooling: 'Pooling', reshape: 'Reshape', merge: 'Merge', other: 'Other' },
  // Op names live with each op's definition (src/ops): the table is built from the registry.
  op: opLabelTable('en'),
  card: {
    width: 'width {{v}}', stride: 'stride {{v}}', params: '{{v}} params', macs: '{{v}} MACs', expand: 'Expand', collapse: 'Collapse',
    preAct: 'pre-activation', se: 'SE r={{r}}', resnetD: 'ResNet-D',
    stageOf: '{{block}} ×{{n}}', identity: 'identity',
    outChannels: 'out {{v}}', expansionT: 't = {{v}}', noShortcut: 'no shortcut', noShortcutStride: 'stride {{stride}}', noShortcutWidth: '{{from}} → {{to}} channels', out: 'out', fix: 'Fix: {{label}}', noShape: 'no shape yet',
    opaqueReason: 'kept as in the file: not an op the editor models',
    opaqueWhy: 'Exported unchanged, with its attributes and constants; it cannot be edited here. Shapes after it come from ONNX’s shape rules, or are unknown (?).',
  },
  shortcut: { identity: 'identity shortcut', projection: 'projection shortcut', 'zero-pad': 'zero-pad shortcut' },
  /** Arc labels of dimension-changing shortcuts (see `app/i18n/shortcut.ts`). */
  shortcutLabel: { projection: '1x1 conv', 'zero-pad': 'zero-pad', strided: '{{base}}, /{{stride}}' },
  /** Inspector choices of enum params, by param and value. */
  option: {
    shortcut: { auto: 'auto', identity: 'identity', projection: 'projection (1x1 conv)', 'zero-pad': 'zero-pad (option A)' },
    block: { basic: 'basic', bottleneck: 'bottleneck' },
    projection: { conv: '1x1 conv, strided (ResNet-B)', avgpool: 'avg-pool, then 1x1 conv (ResNet-D)' },
    approximate: { none: 'exact (erf)', tanh: 'tanh approximation' },
  },
  inspector: {
    title: 'Inspector', name: 'Name', op: 'Op', none: 'Select a node to edit it. The model settings are below.', model: 'Model', input: 'Input C×H×W',
    channels: 'C', height: 'H', width: 'W', projectionEverywhere: 'Projection on every shortcut (option C)', zeroInitResidual: 'Zero-init last BN of each block',
    seed: 'Seed', opset: 'ONNX opset', shapes: 'Shapes', inShape: 'in', outShape: 'out', cost: 'Cost', shortcut: 'Shortcut', diagnostics: 'Problems', multi: '{{n}} nodes selected',
    edge: 'Connection', edgeShape: 'Tensor', deleteEdge: 'Delete connection',
    noShortcut: 'None: {{why}}. An inverted residual adds x only where its stride is 1 and its input and output widths match; it never projects x.',
    noShortcutStride: 'stride {{stride}} changes the resolution', noShortcutWidth: 'its output width {{to}} differs from its input’s {{from}}',
  },
  param: {
    tensor: 'Output name', weights: 'Weights (kept in the file)', shapeAt: 'Shape worked out at', width: 'Width', stride: 'Stride', shortcut: 'Shortcut', outChannels: 'Out channels', kernel: 'Kernel', padding: 'Padding', dilation: 'Dilation', groups: 'Groups',
    bias: 'Bias', eps: 'Epsilon', lastInBlock: 'Last BN in block', outFeatures: 'Out features', block: 'Block', count: 'Blocks', expansion: 'Expansion',
    negativeSlope: 'Negative slope', p: 'Drop probability', inputs: 'Inputs', axis: 'Axis', ceilMode: 'Ceil mode',
    batchNorm: 'BatchNorm', alpha: 'Alpha', countIncludePad: 'Count padding', opType: 'ONNX op', domain: 'Domain', outputShape: 'Output shape', payload: 'Payload',
    min: 'Min', max: 'Max', beta: 'Beta', approximate: 'Approximation', cardinality: 'Cardinality (groups)', baseWidth: 'Width per group (d)', layerScale: 'Layer scale γ (initial)', stochasticDepth: 'Stochastic depth p', init: 'Initial value',
    preActivation: 'Pre-activation (BN → ReLU → conv, He et al. 2016)', squeezeExcite: 'Squeeze-and-excitation (Hu et al.)', seReduction: 'SE reduction ratio r', projection: 'Projection shortcut',
  },
  status: {
    params: 'Params', macs: 'MACs', identity: 'identity', projection: 'projection', zeroPad: 'zero-pad', blocks: 'Blocks', diagnostics: '{{count}} problems',
    ok: 'No problems', pending: 'Unsaved changes…', saving: 'Saving…', saved: 'Saved', saveError: 'Autosave failed: {{message}}', nodes: '{{count}} nodes', opaque: '{{count}} kept as in the file',
  },
  diag: { title: 'Problems', fix: 'Fix', none: 'No problems.', close: 'Close' },
  help: {
    title: 'Keyboard shortcuts', close: 'Close', delete: 'Delete selection', undo: 'Undo', redo: 'Redo', copy: 'Copy', paste: 'Paste', duplicate: 'Duplicate',
    save: 'Save project file', fit: 'Fit view', help: 'This help', expand: 'Expand / collapse a block', doubleClick: 'Double-click',
  },
  toast: {
    refused: 'Connection refused: {{reason}}', cannotExpand: 'This block has no input shape yet: connect it first.', collapseReplaced: 'Collapsed: your edits inside the block were replaced by its definition. Undo (Ctrl+Z) brings them back.', saved: 'Saved {{file}}',
    opened: 'Opened {{file}}', exported: 'Exported {{file}}', exportFailed: 'Export failed: {{code}} {{message}}', exportWarning: 'Exported, but {{code}} {{message}}', importNote: 'Opened: {{code}} {{message}}', weightsLocal: 'Opened, but {{message}}.', layoutFailed: 'Layout failed: {{message}}', restoreFailed: 'Could not restore the autosave: {{message}}', dismiss: 'Dismiss',
    exportCrashed: 'Export failed: {{message}}',
    weightsOpened: 'Loaded {{n}} weight tensors from {{file}} onto the layers of the same names', weightsNone: '{{file}} has no weights for this network: {{message}}',
  },
  file: {
    refused: '“{{file}}” was not opened; your document is unchanged.', dismiss: 'Dismiss',
    /** Refusals of `?model=<url>`; `statusText` and `detail` are the server's and the browser's own text. */
    notUrl: 'this is not a URL', otherOrigin: 'only files from this site can be opened by URL ({{origin}} is another origin)',
    httpStatus: 'the server answered HTTP {{status}} {{statusText}}', downloadFailed: 'it could not be downloaded ({{detail}})',
  },
  /** Starting the app: restoring the autosave. */
  boot: { autosaveFormat: 'it was saved in an unknown format (schemaVersion {{version}})' },
  /** Exporting ONNX in the export worker; `detail` is the browser's own text, `reason` may be a diagnostic. */
  export: {
    freshWeights: 'Exported with fresh weights: the trained weights could not be loaded ({{reason}}).',
    workerStart: 'cannot start the export worker ({{detail}})', workerFailed: 'the export worker failed ({{detail}})', unknown: 'no reason was given',
  },
  import: { cancel: 'Cancel' },
  importPhase: { read: 'reading', decode: 'decoding', map: 'mapping layers', blocks: 'finding residual blocks', weights: 'weights', done: 'done' },
  conflict: { message: 'Another tab saved this project after this tab loaded it. Autosave is paused here so neither overwrites the other.', reload: 'Load the other tab’s version', keep: 'Keep mine (overwrite)' },
  canvas: { label: 'Network canvas', empty: 'Drag blocks and layers here from the palette.' },
  run: runEn,
  train: trainEn,
  lab: labEn,
  signals: signalsEn,
  teach: teachEn,
  lesson: lessonEn,
  ublock: userBlocksEn,
  diff: diffEn,
  lesion: lesionEn,
  /** Diagnostics and fix labels by message id: the core's English table itself. */
  diagnostics: MESSAGES,
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** Shape every translation must have. */
export type Resources = Widen<typeof en>;
