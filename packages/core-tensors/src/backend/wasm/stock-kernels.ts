/**
 * The wasm backend's own kernels that ours replace. A replacement that only speeds up some
 * inputs (e.g. Sum over leading axes) hands every other input back to the stock kernel, which
 * is no longer reachable through the registry once ours is registered.
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const stock = new Map<string, KernelConfig>();

/** Called by the registry just before it replaces `config` with one of ours. */
export function rememberStockKernel(config: KernelConfig): void {
  if (!stock.has(config.kernelName)) stock.set(config.kernelName, config);
}

export function runStockKernel(
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: object,
  backend: BackendWasm,
): TensorInfo {
  const config = stock.get(kernelName);
  if (config === undefined) {
    throw new Error(`wasm training kernels: no stock '${kernelName}' kernel was recorded to fall back to`);
  }
  return config.kernelFunc({ inputs, attrs: attrs as NamedAttrMap, backend }) as TensorInfo;
}

/**
 * Runs the stock kernel's setup (the wasm kernels bind their C functions there). Setup runs when
 * the backend initialises, for the kernels registered at that moment; if ours was registered
 * first, only ours is asked, so ours passes the call on.
 */
export function setupStockKernel(kernelName: string, backend: BackendWasm): void {
  stock.get(kernelName)?.setupFunc?.(backend);
}
