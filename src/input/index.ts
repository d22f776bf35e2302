/**
 * The input pipeline: pictures (RGBA bytes) to model tensors, synthetic test pictures, label
 * sets and top-k. Framework-free: the app feeds it canvas pixels, tests feed it arrays.
 */
export * from './image.ts';
export * from './resize.ts';
export * from './preprocess.ts';
export * from './synthetic.ts';
export * from './labels.ts';
