/**
 * Files of the import corpus (corpus.test.ts) that break the import rule at the committed main,
 * by id, each with the cause diagnosed when it was listed. A fix removes its files in the same
 * commit: the test fails while a listed file passes ("remove X from KNOWN_FAILING"), so this list
 * can only shrink.
 */
export const KNOWN_FAILING: readonly string[] = [
  // Params differ (+6,410 floats): torch's deduplicated initializers (Identity(first) -> second,
  // 19 of them) come back as separate copies, one per consumer. The outputs are identical; the
  // file counts shared tensors once, torch's own model counts them per layer, as the re-export does.
  'corpus/efficientnet_b0-17-fold.onnx',
  // Params differ by a scalar or two: a Constant read by two opaque ops is copied into each.
  'onnx-testdata/node/test_celu_expanded',
  'onnx-testdata/node/test_mvn_expanded',
  // Opset 6 -> 13: Pad's `value` attribute (3.5, a padding constant, not a parameter) becomes a
  // scalar float initializer, which the harness counts as a parameter.
  'onnx-testdata/pytorch-converted/test_ConstantPad2d',
  // Opset 6 -> 13: PRelu's slope [C] broadcast per channel in opset 6, against the last axis since
  // opset 7; the re-export fails to run (broadcast [2,3,4,5] with [3]).
  'onnx-testdata/pytorch-converted/test_PReLU_2d_multiparam',
];
