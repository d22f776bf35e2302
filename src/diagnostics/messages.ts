/**
 * The English text of every diagnostic message and fix label, by stable message id. `diag` renders
 * a diagnostic's `message` from this table, so the English the CLI prints and the ids and
 * arguments the app translates cannot drift apart. Placeholders are `{{name}}` (i18next's
 * syntax, so the app can use this table as its English resource unchanged); an argument is a
 * string, a number, or another {@link MessageRef} (a nested phrase, translated on its own).
 *
 * Adding a message: add it here and to `app/i18n/diagnostics.zh-CN.ts` with the same
 * placeholders (a test fails otherwise). Argument names must not be i18next options
 * (`count`, `context`, `ns`, `lng`, `defaultValue`, `ordinal`, `replace`).
 */
export const MESSAGES = {
  // --- parameters (RS3xx) ---
  'param-invalid': '{{node}}: {{param}} {{problem}}',
  'param-not-number': 'must be a number, got {{value}}',
  'param-not-whole': 'must be a whole number, got {{value}}',
  'param-below-min': 'must be at least {{min}}, got {{value}}',
  'param-above-max': 'must be at most {{max}}, got {{value}}',
  'param-not-bool': 'must be true or false, got {{value}}',
  'param-not-option': 'must be one of {{options}}, got {{value}}',
  'param-not-text': 'must be text, got {{value}}',
  'clip-range': '{{node}}: min {{min}} is greater than max {{max}}, so every value would become {{max}}',
  'pool-padding': '{{node}}: padding {{padding}} must be at most half the kernel {{kernel}} ({{op}})',
  'groups-input': '{{node}}: input channels {{channels}} not divisible by groups {{groups}}',
  'groups-output': '{{node}}: output channels {{channels}} not divisible by groups {{groups}}',
  'opset-unsupported': 'opset {{opset}} is not supported; choose {{min}}–{{max}}',

  // --- shapes (RS2xx) ---
  'needs-feature-map': '{{node}} needs a feature map N×C×H×W at input {{port}}, got {{shape}}',
  'shape-nothing': 'nothing',
  'needs-vector': '{{node}} needs a vector N×F; got N×{{shape}} — add a Flatten (or GlobalAvgPool then Flatten) before it',
  'kernel-too-large': '{{node}}: kernel {{kernel}} is larger than the padded input {{h}}×{{w}}',
  'kernel-too-large-dilated': '{{node}}: kernel {{kernel}} (dilated to {{dilated}}) is larger than the padded input {{h}}×{{w}}',
  'output-not-positive': '{{node}}: output would be {{h}}×{{w}}',
  'add-shapes': '{{node}}: cannot add {{a}} and {{b}} — the shortcut must change dimensions: use a projection shortcut (1×1 conv + BN)',
  'add-shapes-stride': '{{node}}: cannot add {{a}} and {{b}} — the shortcut must change dimensions: use a projection shortcut (1×1 conv, stride {{stride}} + BN)',
  'mul-shapes': '{{node}}: cannot multiply {{a}} and {{b}} — each axis must be equal or 1 in one of them (a gate N×C×1×1 scales a feature map N×C×H×W)',
  'mul-rank': '{{node}}: cannot multiply {{a}} and {{b}} — a feature map multiplies a feature map, a vector a vector (reshape one of them first)',
  'concat-shapes': '{{node}}: input {{port}} is {{shape}} but input 0 is {{first}}; all but the channel axis must match',
  'zero-pad-reduce': '{{node}}: zero-padding cannot reduce channels {{channels}} to {{out}}; use a projection shortcut',
  'identity-changes-dims': '{{node}}: an identity shortcut cannot change dimensions (cannot add {{a}} and {{b}} — the shortcut must change dimensions)',
  'identity-changes-dims-detail': '{{node}}: an identity shortcut cannot change dimensions ({{detail}})',
  'opaque-kept': '{{node}}: {{opType}} is kept as an opaque op; its output shape is unknown',

  // --- structure and edits (RS1xx) ---
  'connect-missing-end': 'one end of the connection does not exist',
  'no-output-port': '{{node}} has no output {{port}}',
  'no-input-port': '{{node}} has no input {{port}}',
  'port-taken': '{{node}}: input {{port}} is already connected; merge tensors with an Add or a Concat',
  'connect-cycle': 'connecting {{source}} to {{target}} would create a cycle; a network must flow one way',
  'on-cycle': '{{node}} is on a cycle ({{path}}); a network must flow one way',
  'input-unconnected': '{{node}}: input {{port}} is not connected',
  'no-input-node': 'the network has no Input node; add one (the image enters there)',
  'extra-input': '{{node}}: a network has exactly one Input',
  'no-output-node': 'the network has no Output node; connect the last layer to an Output (the logits)',
  'no-connected-output': 'the network has no connected Output',
  'edge-missing-node': 'edge {{edge}} points to a node that does not exist ({{node}})',
  'edge-bad-port': 'edge {{edge}}: {{source}} has no output {{sourcePort}} or {{target}} has no input {{targetPort}}',
  'port-has-two': '{{node}}: input {{port}} already has a connection; an input takes one tensor (use an Add or Concat to merge)',
  'duplicate-name': 'two nodes are named "{{name}}"; names become ONNX tensor names and must be unique',
  'unused-node': '{{node}} does not lead to the Output; it is not part of the model',
  'expose-missing': 'cannot expose "{{name}}": no tensor of that name in the compiled graph',

  // --- resources (RS4xx) ---
  'weights-over-limit': 'the weights would take {{mb}} MB, over the limit of {{limit}} MB; reduce widths or depth',
  'activation-over-limit': '{{node}} would produce {{shape}} = {{mb}} MB per image, over the limit of {{limit}} MB; reduce the input size or width',

  // --- documents and files (RS5xx) ---
  'doc-not-json': 'not a Residual Studio document: the file is not JSON ({{error}})',
  'doc-not-object': 'not a Residual Studio document: expected a JSON object',
  'doc-wrong-kind': 'not a Residual Studio document: kind is {{kind}}',
  'doc-no-kind': 'not a Residual Studio document: it has no "kind" and no "nodes"',
  'schema-not-integer': 'schemaVersion must be a whole number, got {{value}}',
  'schema-newer': 'this file was saved by a newer Residual Studio (schema {{version}}; this one reads up to {{max}})',
  'doc-invalid-field': '{{where}}: {{problem}}',
  'doc-path-node': 'node {{index}}',
  'doc-path-node-named': 'node {{index}} "{{name}}"',
  'doc-path-node-field': 'node {{index}}, field {{field}}',
  'doc-path-node-named-field': 'node {{index}} "{{name}}", field {{field}}',
  'doc-path-edge': 'edge {{index}}',
  'doc-path-edge-field': 'edge {{index}}, field {{field}}',
  'doc-path-field': 'field {{field}}',
  'doc-path-document': 'document',
  'doc-duplicate-id': 'node "{{name}}": id {{id}} is used twice',
  'doc-edge-missing-node': 'edge {{edge}} connects a node that is not in the file ({{node}})',
  'file-unreadable': 'cannot read {{name}}: {{error}}',

  // --- lesson files (RS505) ---
  'lesson-at': 'step {{step}}, {{field}}',
  'lesson-not-json': 'this lesson file is not JSON: {{error}}',
  'lesson-wrong-format': 'this is not a Residual Studio lesson (its format is {{format}}; a lesson file says "format": "residual-studio-lesson")',
  'lesson-newer': 'this lesson was written for a newer Residual Studio (lesson version {{version}}; this one reads version {{max}})',
  'lesson-no-template': 'there is no template "{{template}}"',
  'lesson-first-doc': 'the first step must open a network: give it "doc": {"template": …}',
  'lesson-unknown-name': 'this step’s network has no layer or block named "{{name}}"',
  'lesson-unknown-param': '{{name}} ({{op}}) has no param "{{param}}"',
  'lesson-not-block': '{{name}} is a {{op}}, not a block, so it cannot be expanded',
  'lesson-not-expanded': 'no expanded block named "{{name}}" to collapse',
  'lesson-no-input-shape': 'the input shape of {{name}} is unknown, so it cannot be expanded',
  'lesson-no-shortcut': '{{name}} has no shortcut to highlight',
  'lesson-placeholder': '{{placeholder}} cannot be filled from this step’s network',
  'lesson-shape-mismatch': '{{name}} is {{actual}}, the lesson expects {{expected}}',
  'lesson-shortcut-mismatch': 'the shortcut of {{name}} is {{actual}}, the lesson expects {{expected}}',
  'lesson-params-mismatch': 'the network has {{actual}} parameters, the lesson expects {{expected}}',
  'lesson-diagnostics-mismatch': 'the network’s errors and warnings are {{actual}}, the lesson expects {{expected}}',
  'lesson-task-done-already': 'the task is already done when the step opens, so the step would not wait for the learner',
  'lesson-task-unreachable': 'after the task’s solution the task is still not done',

  // --- user-defined blocks and block libraries (RS109, RS110, RS506) ---
  'block-not-in-library': '{{node}} is a {{block}} block, which this document’s block library does not hold',
  'make-block-empty': 'select the layers the block is made of first',
  'make-block-op': '{{node}} is {{op}}, which a block cannot hold (only layers and built-in blocks)',
  'make-block-no-input': 'the selected layers read nothing from outside the selection: a block needs its input x',
  'make-block-inputs': 'the selected layers read {{n}} tensors from outside the selection ({{names}}); a block has one input x',
  'make-block-outputs': 'the selected layers give {{n}} tensors to the rest of the network ({{names}}); a block has one output',
  'make-block-no-output': 'the selection has no single last layer whose output could be the block’s output',
  'make-block-name': 'a block name is a letter or _, then letters, digits or _ (like MyBlock), got "{{name}}"',
  'make-block-name-taken': 'the block library already has a block named {{name}}',
  'make-block-param': 'block param {{param}} is mapped onto {{node}}.{{field}}, which {{node}} does not have',
  'block-def-wiring': 'block {{block}}: {{problem}}',
  'block-def-unknown-node': 'an edge, entry or mapping names layer "{{node}}", which the block does not have',
  'block-def-duplicate': 'two layers have the id or name "{{node}}"',
  'block-def-nested': 'layer {{node}} is itself a user-defined block ({{op}}); blocks hold layers and built-in blocks only',
  'library-not-json': 'this block library file is not JSON: {{error}}',
  'library-wrong-kind': 'this is not a Residual Studio block library (its kind is {{kind}}; a library file says "kind": "residual-studio/block-library")',
  'library-newer': 'this block library was written for a newer Residual Studio (version {{version}}; this one reads version {{max}})',
  'library-invalid-field': '{{where}}: {{problem}}',
  'library-path-block': 'block {{index}} ({{name}}), {{field}}',
  'library-path-field': '{{field}}',

  // --- ONNX import (RS6xx) and embedded documents ---
  'import-unrepresentable': 'this graph cannot be represented: {{reason}}',
  'import-input-count': 'it has {{n}} graph inputs; the editor models exactly one image input',
  'import-input-shape': "its input '{{name}}' is [{{dims}}]; the editor needs one float image N×C×H×W with a fixed number of channels C (H and W may be symbolic)",
  'import-input-shape-type': "its input '{{name}}' is not float32, [{{dims}}]; the editor needs one float image N×C×H×W with a fixed number of channels C (H and W may be symbolic)",
  'import-multi-output': "{{node}} output {{port}} ('{{tensor}}') is used; only single-output ops can be edited",
  'import-constant-output': "graph output '{{tensor}}' is a constant, not computed from the input",
  'import-opaque': '{{node}}: {{opType}} is kept as an opaque op (exported unchanged, not editable)',
  'output-name-taken': "the output name '{{name}}' is already the name of another tensor or output; give each output its own name",
  'input-shape-unknown': '{{node}} needs to know the shape of its input to size its weights, but its input follows an op kept as in the imported file whose shape is unknown',
  'opaque-shape-at': '{{node}}: the shape of this {{opType}} (kept as in the file) was worked out for a {{at}} input, not the {{now}} one now; the exported file computes the right one, but shapes shown after it may be wrong (import the file again at this size)',
  'train-no-gradient': '{{node}}: {{op}} has no gradient rule, so the layers before it cannot be trained; freeze them, or replace the {{op}} with an editor op',
  'train-output-shape': 'training needs one Output of class scores N×K; {{output}} is {{shape}} (add GlobalAvgPool, Flatten and a Linear before the Output)',
  'train-output-count': 'training needs exactly one Output (class scores); this network has {{outputs}}',
  'train-nothing': 'no layer has trainable parameters (all frozen or none): the step changes only BatchNorm statistics',
  'train-option': 'training option {{option}} {{problem}}',
  'pytorch-no-counterpart': '{{node}}: {{opType}} (kept as in the imported file) has no PyTorch counterpart, so the network cannot be written as PyTorch code; replace it with an editor op',
  'pytorch-bad-name': "{{node}}: the name '{{name}}' cannot be a PyTorch module path ({{problem}}); rename it",
  'pytorch-name-empty-part': 'it has an empty part between dots',
  'pytorch-name-reserved': "'{{part}}' is already an attribute of every torch.nn.Module",
  'pytorch-name-prefix': "it is also the module holding '{{other}}'",
  'state-dict-shape': "the weights file's {{name}} is {{shape}}, but the network's is {{expected}}; that layer keeps its own weights",
  'state-dict-missing': 'the weights file has no {{names}} ({{n}} tensors the network has); those stay as they were',
  'state-dict-unexpected': 'the network has no {{names}} ({{n}} tensors of the weights file); they are left unused',
  'import-timed-out': 'the import gave up after {{seconds}} s (in its {{phase}} step); the file may be pathological, please report it',
  'import-cancelled': 'the import of {{name}} was cancelled; the open document is unchanged',
  'import-symbolic-size': "input '{{name}}' has symbolic axes ({{axes}}): shapes and costs are shown for {{height}}×{{width}}, and an exported file keeps {{axes}} symbolic",
  'import-opaque-unknown': '{{node}}: {{opType}} is kept as an opaque op (exported unchanged, not editable); its output shape is unknown',
  'onnx-not-model': 'not an ONNX model: {{hint}}{{problem}}',
  'onnx-hint-zip': 'the file is a ZIP archive (a PyTorch .pt checkpoint?); ',
  'onnx-hint-hdf5': 'the file is HDF5 (a Keras .h5 model?); ',
  'onnx-hint-text': 'the file looks like text, not binary protobuf; ',
  'onnx-reader-crashed': 'the reader failed unexpectedly ({{error}})',
  'onnx-empty': 'the file is empty',
  'onnx-parse-stopped': 'the protobuf parser stopped: {{error}}',
  'onnx-no-graph': 'there is no graph (ModelProto field 7)',
  'onnx-ir-missing': 'ir_version is missing',
  'onnx-ir-bad': 'ir_version is {{version}}',
  'onnx-too-big-protobuf': "the file is {{bytes}} bytes, over protobuf's 2 GiB limit for one message",
  'onnx-too-big': 'the file is {{bytes}} bytes, over the {{limit}}-byte limit for imported models',
  'more-problems': '…and {{n}} more problems not listed',
  // The ONNX reader: where a problem is (nested in the sentences below).
  'onnx-where-initializer': "initializer '{{name}}'",
  'onnx-where-graph-input': "graph input '{{name}}'",
  'onnx-where-graph-output': "graph output '{{name}}'",
  'onnx-where-value-info': "value_info '{{name}}'",
  'onnx-where-node-index': 'node #{{index}}',
  'onnx-where-node-index-op': 'node #{{index}} ({{opType}})',
  'onnx-where-attribute': "attribute '{{name}}'",
  'onnx-where-attribute-of': "attribute '{{name}}' of {{node}}",
  'onnx-where-subgraph': "{{where}}, subgraph '{{name}}'",
  'onnx-where-subgraph-node': "{{where}}, node '{{name}}'",
  'onnx-where-in': '{{what}} in {{where}}',
  /** A list of names or phrases, built right to left: `a, b, c`. */
  'onnx-list': '{{first}}, {{rest}}',
  'onnx-quoted': "'{{name}}'",
  // The ONNX reader: what is wrong.
  'onnx-foreign-domains': 'nodes use operator domains other than ai.onnx ({{domains}}); the model keeps only the ai.onnx opset, so these versions are not exported again',
  'onnx-domain-not-imported': '{{domain}} (not imported)',
  'onnx-converted': '{{n}} tensor(s) were converted to FLOAT, the only float type the editor keeps: {{list}}',
  'onnx-converted-more': '{{n}} tensor(s) were converted to FLOAT, the only float type the editor keeps: {{list}} and {{more}} more',
  'onnx-converted-item': '{{where}} ({{type}})',
  'onnx-no-default-opset': 'the model imports no opset for the default ai.onnx domain, so its operators have no meaning',
  'onnx-opset-invalid': 'the model imports ai.onnx opset {{version}}, which is not a valid opset version',
  'onnx-sparse-initializers': 'the graph has {{n}} sparse initializer(s) ({{names}}); only dense tensors are supported',
  'onnx-nodes-over-limit': 'the graph has {{n}} nodes, over the limit of {{limit}}',
  'onnx-value-not-tensor': '{{where}} is not a tensor (sequence, map, optional or sparse types are not supported)',
  'onnx-value-no-type': '{{where}} has no type',
  'onnx-value-elem-type': '{{where}} has element type {{type}}, which is not supported',
  'onnx-rank-over-limit': '{{where}} has rank {{rank}}, over the limit of {{limit}}',
  'onnx-dim-negative': '{{where}} has dimension {{dim}}, which is negative (dims [{{dims}}])',
  'onnx-dim-too-large': '{{where}} has dimension {{dim}}, which is too large (dims [{{dims}}])',
  'onnx-external-data': '{{where}} keeps its data in an external file; only self-contained models are read',
  'onnx-external-data-path': "{{where}} keeps its data in an external file '{{path}}'; only self-contained models are read",
  'onnx-external-data-climbs': "{{where}} keeps its data in an external file '{{path}}', a path that climbs out of the model's folder; only self-contained models are read",
  'onnx-tensor-segment': '{{where}} is one segment of a split tensor; segmented tensors are not supported',
  'onnx-data-type-unsupported': '{{where}} has data type {{type}}, which is not supported',
  'onnx-tensor-negative-dim': '{{where}} has a negative dimension (dims [{{dims}}])',
  'onnx-tensor-wrong-field': '{{where}} ({{type}}) carries data in {{field}}, which does not hold {{type}} elements',
  'onnx-tensor-data-twice': '{{where}} carries its elements twice, in raw_data and in {{field}}',
  'onnx-tensor-raw-size': '{{where}} declares {{elements}} elements (dims [{{dims}}]) but carries {{bytes}} bytes of data; {{type}} needs {{need}}',
  'onnx-tensor-value-count': '{{where}} declares {{elements}} elements (dims [{{dims}}]) but carries {{values}} values in {{field}}',
  'onnx-tensor-bytes-over-limit': "{{where}} (dims [{{dims}}]) would take the model's tensor data past the limit of {{limit}} bytes",
  'onnx-node-no-op-type': '{{node}} has no op_type',
  'onnx-attribute-no-tensor': '{{where}} is a TENSOR attribute with no tensor',
  'onnx-subgraph-nodes-over-limit': '{{where}} takes the node count past the limit of {{limit}}',
  'onnx-subgraph-sparse': '{{where}} has sparse initializers; only dense tensors are supported',
  'onnx-tensor-two-producers': "tensor '{{tensor}}' is produced by both {{first}} and {{second}}",
  'onnx-node-writes-given': "{{node}} writes tensor '{{tensor}}', which is already a graph input or initializer",
  'onnx-node-reads-dangling': "{{node}} reads tensor '{{tensor}}', which no graph input, initializer or node produces",
  'onnx-output-not-produced': '{{where}} is not produced by any node, input or initializer',
  'onnx-cycle': "the graph has a cycle: {{n}} nodes depend on each other's outputs ({{nodes}})",
  'safetensors-invalid': 'not a valid safetensors file: {{problem}}',
  'safetensors-too-short': 'the file is {{bytes}} bytes, too short for the 8-byte header length',
  'safetensors-header-over-limit': 'the header claims {{bytes}} bytes, over the {{limit}}-byte limit',
  'safetensors-header-past-end': 'the header claims {{bytes}} bytes but the file has only {{available}} after the length',
  'safetensors-header-not-utf8': 'the header is not UTF-8 text',
  'safetensors-header-not-json': 'the header is not JSON ({{error}})',
  'safetensors-header-not-object': 'the header is not a JSON object',
  'safetensors-metadata-not-object': '__metadata__ is not an object',
  'safetensors-metadata-not-string': "__metadata__ entry '{{key}}' is not a string",
  'safetensors-tensor-not-object': "tensor '{{name}}' is not an object",
  'safetensors-bad-dtype': "tensor '{{name}}' has dtype {{dtype}}, which is not a safetensors dtype this reader knows",
  'safetensors-bad-shape': "tensor '{{name}}' has shape {{shape}}; it must be a list of at most {{max}} non-negative integers",
  'safetensors-bad-offsets': "tensor '{{name}}' has data_offsets {{offsets}}; it must be [begin, end]",
  'safetensors-offsets-outside': "tensor '{{name}}' has data_offsets [{{begin}}, {{end}}] outside the {{bytes}} bytes of data",
  'safetensors-size-mismatch': "tensor '{{name}}' has shape [{{shape}}] ({{elements}} {{dtype}} elements, {{bytes}} bytes) but data_offsets span {{span}} bytes",
  'safetensors-overlap': "tensors '{{first}}' [{{firstBegin}}, {{firstEnd}}] and '{{second}}' [{{secondBegin}}, {{secondEnd}}] overlap",
  'safetensors-over-limit': 'the file holds {{bytes}} bytes of weights (as float32), over the limit of {{limit}}',
  'safetensors-provenance': "__metadata__ '{{key}}' is not a JSON object; owners and origins are lost",
  'safetensors-skipped': '{{n}} non-float tensor(s) skipped: {{names}}',
  'onnx-node-named': "node '{{name}}'",
  'onnx-node-of-type': 'a {{opType}} node',
  'import-crashed': 'the import failed unexpectedly ({{error}}); please report this file',
  'import-worker-start': 'cannot start the import worker: {{error}}',
  'import-worker-failed': 'the import worker failed: {{error}}',
  'embedded-unreadable': 'the document could not be read ({{error}})',
  'embedded-invalid': 'the embedded Residual Studio document is not valid ({{problem}}); importing the graph instead',
  'unknown-problem': 'unknown problem',
  'embedded-mismatch': 'the embedded Residual Studio document does not match the tensors in the file (was it exported with BN folded, or edited?); importing the graph instead',
  'weights-memory-only': 'the weights are kept only in memory ({{error}}); they will not survive a reload',
  'weights-not-loaded': 'trained weights not loaded ({{error}}); running with fresh weights',

  // --- lesion study (RS9xx) ---
  'lesion-block-changes-shape': '{{name}} cannot be deleted: its shortcut ({{shortcut}}) changes the shape from {{from}} to {{to}}, so without the block the next layer would get the wrong shape; only identity blocks can be deleted',
  'lesion-layer-changes-shape': '{{name}} cannot be deleted: it changes the shape from {{from}} to {{to}}, so without it the next layer would get the wrong shape',
  'lesion-no-block': '{{name}} is not a residual block of this network',
  'lesion-no-layer': '{{name}} is not a layer with one input that this network can do without',

  // --- one-click fixes ---
  'fix-reset-param': 'reset {{param}} to {{value}}',
  'fix-use-kernel': 'use kernel {{kernel}}',
  'fix-use-padding': 'use padding {{padding}}',
  'fix-groups-1': 'use groups 1',
  'fix-swap-clip': 'swap them: min {{min}}, max {{max}}',
  'fix-projection': 'use a projection shortcut',
  'fix-remove-edge': 'remove this connection',
} as const;

/** A stable message id from {@link MESSAGES}. */
export type MessageId = keyof typeof MESSAGES;

/** The placeholder names of a template, e.g. `'{{a}} and {{b}}'` → `'a' | 'b'`. */
export type Placeholders<S extends string> = S extends `${string}{{${infer P}}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** An argument of a message: shown as is (shapes, numbers, names) or a nested phrase to translate. */
export type MessageArg = string | number | MessageRef;

/** A message as data: which template, with which arguments. The app translates it; {@link renderMessage} gives the English. */
export interface MessageRef {
  readonly id: MessageId;
  readonly args: Readonly<Record<string, MessageArg>>;
}

/**
 * Builds a {@link MessageRef}, checking at compile time that `args` names exactly the template's
 * placeholders.
 * @example msg('add-shapes', { node: 'add', a: '1×64×56×56', b: '1×128×28×28' })
 */
export function msg<I extends MessageId>(
  id: I,
  ...args: Placeholders<(typeof MESSAGES)[I]> extends never ? [] : [Readonly<Record<Placeholders<(typeof MESSAGES)[I]>, MessageArg>>]
): MessageRef {
  return { id, args: args[0] ?? {} };
}

/**
 * Fills a template's `{{name}}` placeholders. `lookup` gives the template for an id (the English
 * table by default) and is used for nested phrases too; a missing argument stays as `{{name}}`.
 */
export function renderMessage(ref: MessageRef, lookup: (id: MessageId) => string = (id) => MESSAGES[id]): string {
  return lookup(ref.id).replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const v = ref.args[name];
    if (v === undefined) return whole;
    return typeof v === 'object' ? renderMessage(v, lookup) : String(v);
  });
}

/** The placeholder names used in a template, sorted (for checking translations). */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!))].sort();
}
