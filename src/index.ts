/**
 * The Residual Studio core: the document model, residual blocks, shape inference, costs,
 * diagnostics, templates and the ONNX compiler. Framework-free: runs in Node and in the browser.
 */
export * from './graph/ids.ts';
export * from './graph/types.ts';
export * from './graph/edit.ts';
export { topoOrder, wouldCycle } from './graph/topo.ts';
export * from './diagnostics/catalogue.ts';
export { BLOCKS, OPS, getOp, isBlockKind, isResidualBlockKind, isStageKind, isUserKind, opLabelTable, outputCount, userBlockDef, userKind, type BlockLibrary } from './ops/registry.ts';
export type { OpDef, OpLabels, ParamSpec, OpCategory, Cost } from './ops/types.ts';
export { checkParam, checkParamRef, resolveParams } from './ops/validate.ts';
export { fmtShape, numel } from './ops/common.ts';
export { resolveShortcut, shortcutLabel, keepsDimensions, type ShortcutKind } from './blocks/shortcut.ts';
export { blockVariant, isVariant, seHidden, VARIANT_PARAMS, type BlockVariant } from './blocks/block-variants.ts';
export { invertedResidualHasShortcut, invertedResidualNoShortcut } from './blocks/inverted-residual.ts';
export * from './shape/analyze.ts';
export { fingerprint } from './shape/fingerprint.ts';
export * from './document/document.ts';
export * from './templates/templates.ts';
export type { InitSpec, StoredTensor, WeightStore } from './weights/types.ts';
export { compile, lowerToIr, DOCUMENT_METADATA_KEY, type CompileOptions, type CompileResult, type WeightSource } from './onnx/compile.ts';
export { importOnnx, type ImportOptions, type ImportResult } from './onnx/import/index.ts';
export { encodeSafetensors, decodeSafetensors } from './weights/safetensors.ts';
export { toPlain, toResidual, hasShortcuts, type CounterpartResult } from './blocks/plain-counterpart.ts';
export * from './figure/figure.ts';
export * from './figure/svg.ts';
export * from './diff/model-diff.ts';
export { blockSignature, foldBlocks, formatDiffText, fmtPercent, fmtValue, rangeName, type BlockRun } from './diff/format-text.ts';
export { exportPyTorch, PYTORCH_WEIGHTS_FILE, type PyTorchExport, type PyTorchExportOptions } from './export/pytorch/model-py.ts';
export { adoptStateDict, stateDictShapes } from './export/pytorch/state-dict.ts';
export * from './figure/strings.ts';
export { checkBlockDef, detachInstance, instancesOf, layersInside, makeBlock, proposeParams, redefineFromExpanded, removeBlockDef, updateBlockDef, type MakeBlockResult } from './blocks/block-library.ts';
export { LIBRARY_KIND, mergeBlockLibrary, parseBlockLibrary, serializeBlockLibrary } from './blocks/library-file.ts';
