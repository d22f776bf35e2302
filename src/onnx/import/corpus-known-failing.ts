/**
 * Files of the import corpus (corpus.test.ts) that break the import rule at the committed main,
 * by id, each with the cause diagnosed when it was listed. A fix removes its files in the same
 * commit: the test fails while a listed file passes ("remove X from KNOWN_FAILING"), so this list
 * can only shrink.
 */
export const KNOWN_FAILING: readonly string[] = [
  // Params differ (+6,410 floats): torch's deduplicated initializers (Identity(first) -> second,
  // 19 of them) come back as separate copies, one per consumer.
  'corpus/efficientnet_b0-17-fold.onnx',
  // Opset 11 -> 13: an opaque Unsqueeze keeps its opset-11 `axes` attribute in the opset-13 re-export
  // (where axes is an input), so onnxruntime rejects the file.
  'corpus/shufflenet_v2_x0_5-11.onnx',
  // Import takes 8 s alone, over 20 s beside other work (base64 of every opaque op's weights in
  // opaque-payload.ts toBase64); given the time, the re-export loses the 36 Add(bias, MatMul) nodes
  // of the channels-last Linear layers and their consumers (GELU's Div and Mul) read an empty input.
  'corpus/convnext_tiny-17.onnx',
  // Params differ by a scalar or two: a Constant read by two opaque ops is copied into each.
  'onnx-testdata/node/test_celu_expanded',
  'onnx-testdata/node/test_mvn_expanded',
  // Opset 6 -> 13: an opaque Pad keeps its `pads` attribute (an input since opset 11); invalid re-export.
  'onnx-testdata/pytorch-converted/test_ConstantPad2d',
  'onnx-testdata/pytorch-converted/test_ReflectionPad2d',
  'onnx-testdata/pytorch-converted/test_ReplicationPad2d',
  'onnx-testdata/pytorch-converted/test_ZeroPad2d',
  'onnx-testdata/pytorch-operator/test_operator_pad',
  // Opset 6 -> 13: PRelu's slope [C] broadcast per channel in opset 6, against the last axis since
  // opset 7; the re-export fails to run (broadcast [2,3,4,5] with [3]).
  'onnx-testdata/pytorch-converted/test_PReLU_2d_multiparam',
  // Opset 6 -> 13: an opaque ReduceSum keeps its `axes` attribute (an input since opset 13).
  'onnx-testdata/pytorch-operator/test_operator_reduced_sum',
  'onnx-testdata/pytorch-operator/test_operator_reduced_sum_keepdim',
];
