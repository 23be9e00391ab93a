import { initBackend } from '@twindb/core-tensors/backend';

/**
 * Tests run on the plain-JS cpu backend (every kernel, straightforward code) unless they run the
 * ResNet: cpu's naive convolutions (Conv2DBackpropFilter above all) need seconds to minutes for it,
 * so those use wasm with twindb's training kernels. initBackend also registers tfjs's gradient functions.
 */
export async function useBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  await initBackend({ backend, log: () => {} });
}
