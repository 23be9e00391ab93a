import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';

/** Per-call options of {@link Module.apply}. */
export interface ApplyOptions {
  /**
   * Batch statistics (and running-statistics updates) when true, running statistics when false.
   * Defaults to the module's own mode ({@link Module.train} / {@link Module.eval}).
   */
  training?: boolean;
}

/**
 * A PyTorch-`nn.Module`-like container over tfjs-core variables, since tfjs-layers is not part of
 * the stack. Children, parameters and buffers are registered under names that mirror the PyTorch
 * state-dict keys of the reference (`layer2.0.shortcut.1.running_mean`, ...), so a checkpoint
 * converter can map weights one to one. Parameters are trainable variables; buffers (batch-norm
 * running statistics) are non-trainable variables and never reach an optimiser.
 */
export abstract class Module<I extends tf.Tensor = tf.Tensor, O extends tf.Tensor = tf.Tensor> {
  private readonly children: Array<[string, Module]> = [];
  private readonly params: Array<[string, tf.Variable]> = [];
  private readonly bufs: Array<[string, tf.Variable]> = [];
  private trainingMode = true;

  abstract apply(x: I, opts?: ApplyOptions): O;

  /**
   * Appends this module's inference-mode computation (running batch-norm statistics) to an ONNX
   * graph whose values are NCHW, and returns the name of the output value. Modules that cannot be
   * exported say so.
   */
  toOnnx(_g: OnnxGraphBuilder, _x: string): string {
    throw new Error(`${this.constructor.name} cannot be exported to ONNX`);
  }

  /** Whether {@link apply} uses batch statistics when the caller does not say. */
  get training(): boolean {
    return this.trainingMode;
  }

  /** Sets the mode of this module and every descendant, like PyTorch's `module.train(mode)`. */
  train(on = true): this {
    this.trainingMode = on;
    for (const [, child] of this.children) child.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Trainable variables, depth-first in registration order, with their state-dict names. */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return this.collect(prefix, (m) => m.params);
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Non-trainable state (batch-norm running mean and variance) with state-dict names. */
  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    return this.collect(prefix, (m) => m.bufs);
  }

  buffers(): tf.Variable[] {
    return this.namedBuffers().map(([, v]) => v);
  }

  /** Number of trainable scalars (what `sum(p.numel() for p in model.parameters())` prints). */
  numParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }

  /** Frees every parameter and buffer; the module is unusable afterwards. */
  dispose(): void {
    for (const [, v] of this.namedParameters()) v.dispose();
    for (const [, v] of this.namedBuffers()) v.dispose();
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.children.push([name, module as unknown as Module]);
    return module;
  }

  /** Registers a trainable variable holding `init` (which the variable takes ownership of). */
  protected addParameter(name: string, init: tf.Tensor): tf.Variable {
    this.assertFreeName(name);
    const v = tf.variable(init, true);
    init.dispose();
    this.params.push([name, v]);
    return v;
  }

  /** Registers a non-trainable variable holding `init` (which the variable takes ownership of). */
  protected addBuffer(name: string, init: tf.Tensor): tf.Variable {
    this.assertFreeName(name);
    const v = tf.variable(init, false);
    init.dispose();
    this.bufs.push([name, v]);
    return v;
  }

  /** The effective mode of one call: the caller's choice, else the module's. */
  protected isTraining(opts?: ApplyOptions): boolean {
    return opts?.training ?? this.trainingMode;
  }

  private collect(prefix: string, own: (m: Module) => Array<[string, tf.Variable]>): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = own(this).map(([n, v]) => [prefix + n, v]);
    for (const [name, child] of this.children) out.push(...child.collect(`${prefix}${name}.`, own));
    return out;
  }

  private assertFreeName(name: string): void {
    const taken = [...this.children, ...this.params, ...this.bufs].some(([n]) => n === name);
    if (taken || name === '' || name.includes('.')) {
      throw new Error(`Module ${this.constructor.name}: invalid or duplicate member name "${name}"`);
    }
  }
}
