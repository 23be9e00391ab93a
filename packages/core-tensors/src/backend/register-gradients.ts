/**
 * Gradient functions for every tfjs kernel. The Node build of @tensorflow/tfjs-core registers none
 * (its `register_all_gradients` is extensionless ESM that Node cannot load); the union package's
 * Node bundle registers them all into the same tfjs-core instance, along with the chained ops.
 * Imported for its side effect by the backend initialiser, so any training code that went through
 * `initBackend()` can call `tf.grad` / `tf.variableGrads`.
 */
import '@tensorflow/tfjs';
