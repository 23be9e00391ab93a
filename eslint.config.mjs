import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Deep imports into another workspace package bypass its public API (src/index.ts).
      // core-tensors' subpath entry points (/backend, /nn, /data, /onnx) are public API too.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@twindb/*/*', '!@twindb/core-tensors/backend', '!@twindb/core-tensors/nn', '!@twindb/core-tensors/data', '!@twindb/core-tensors/onnx'],
              message: 'Import @twindb packages only through their public entry points.',
            },
          ],
        },
      ],
    },
  },
);
