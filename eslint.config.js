import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

/** The core must run in plain Node: nothing in src/ may reach for the UI, the DOM or the runtime. */
const coreBoundary = {
  patterns: [
    { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'src/ is framework-free: React belongs in app/.' },
    { group: ['zustand', 'zustand/*', 'zundo'], message: 'src/ is framework-free: the store belongs in app/store.' },
    { group: ['@xyflow/*'], message: 'src/ is framework-free: the canvas belongs in app/canvas.' },
    { group: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node'], message: 'src/ never runs models: onnxruntime lives in app/runtime (and tests).' },
    { group: ['**/app/**', '../app/*', '../../app/*'], message: 'src/ must not import from app/.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/onnx/gen/**', '.cache/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    // Tests and their support code may run models with onnxruntime.
    ignores: ['src/**/*.test.ts', 'src/**/testing/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', coreBoundary],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'indexedDB'],
    },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules, 'react-hooks/refs': 'off', 'react-hooks/set-state-in-effect': 'off' },
  },
  { files: ['e2e/**/*.ts', 'scripts/**/*.{ts,mjs}'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  {
    files: ['e2e/**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='page'][callee.property.name='goto']", message: 'Open pages through the page objects (e2e/pages: EditorPage.open, openApp), which stub Vite\'s hot reload.' },
      ],
    },
  },
);
