// tfjs-core alone registers no gradient functions (only the @tensorflow/tfjs union package does).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from '@twindb/core-tensors';

/**
 * Tests run on the plain-JS cpu backend (every kernel, straightforward code) unless they train
 * the ResNet: cpu's naive Conv2DBackpropFilter needs minutes for it, so those use wasm with
 * twindb's training kernels.
 */
export async function useBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  await initBackend({ backend, log: () => {} });
}
