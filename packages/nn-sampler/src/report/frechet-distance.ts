import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** A linear projection to a few principal axes, so that covariance work stays small. */
export interface Projection {
  readonly mean: Float64Array;
  /** dim × p, row-major. */
  readonly axes: Float64Array;
  readonly p: number;
}

function meanCov(x: Float64Array, rows: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / rows;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) {
      const di = x[r * d + i] - mean[i];
      for (let j = i; j < d; j++) cov[i * d + j] += di * (x[r * d + j] - mean[j]);
    }
  }
  const den = Math.max(1, rows - 1);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      cov[i * d + j] /= den;
      cov[j * d + i] = cov[i * d + j];
    }
  }
  return { mean, cov };
}

/**
 * Top-p principal axes of `fit`, from the eigenvectors of its Gram matrix (rows × rows), so the
 * cost depends on the (small, sampled) row count rather than on the embedding size.
 */
export function fitProjection(fit: EmbeddingMatrix, p: number): Projection {
  const { rows, dim } = fit;
  const pp = Math.min(p, dim, Math.max(1, rows - 1));
  const x = Float64Array.from(fit.data);
  const mu = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mu[j] += x[r * dim + j] / rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) x[r * dim + j] -= mu[j];
  // Gram matrix (rows × rows): its eigenvectors give the principal axes without a dim × dim matrix.
  const G = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[i * dim + k] * x[j * dim + k];
      G[i * rows + j] = s;
      G[j * rows + i] = s;
    }
  }
  const { values, vectors } = symmetricEigen(G, rows);
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]);
  const axes = new Float64Array(dim * pp);
  for (let c = 0; c < pp; c++) {
    const e = order[c];
    const norm = Math.sqrt(Math.max(values[e], 1e-300));
    for (let r = 0; r < rows; r++) {
      const w = vectors[r * rows + e] / norm;
      if (w === 0) continue;
      for (let k = 0; k < dim; k++) axes[k * pp + c] += w * x[r * dim + k];
    }
  }
  return { mean: mu, axes, p: pp };
}

export function project(m: EmbeddingMatrix, pr: Projection): Float64Array {
  const { rows, dim } = m;
  const out = new Float64Array(rows * pr.p);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < dim; k++) {
      const v = m.data[r * dim + k] - pr.mean[k];
      if (v === 0) continue;
      for (let c = 0; c < pr.p; c++) out[r * pr.p + c] += v * pr.axes[k * pr.p + c];
    }
  }
  return out;
}

/**
 * Fréchet distance between Gaussians fitted to x and y (the FID formula,
 * ‖μx−μy‖² + tr Σx + tr Σy − 2 tr (Σx^½ Σy Σx^½)^½), computed in the principal subspace given by
 * `pr` so that it stays cheap and well-conditioned at any embedding size.
 */
export function frechetDistance(x: EmbeddingMatrix, y: EmbeddingMatrix, pr: Projection): number {
  const d = pr.p;
  const a = meanCov(project(x, pr), x.rows, d);
  const b = meanCov(project(y, pr), y.rows, d);
  let m2 = 0;
  for (let j = 0; j < d; j++) m2 += (a.mean[j] - b.mean[j]) ** 2;
  let tr = 0;
  for (let j = 0; j < d; j++) tr += a.cov[j * d + j] + b.cov[j * d + j];
  const sa = sqrtPsd(a.cov, d);
  const inner = mul(mul(sa, b.cov, d), sa, d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) inner[i * d + j] = inner[j * d + i] = (inner[i * d + j] + inner[j * d + i]) / 2;
  const { values } = symmetricEigen(inner, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(0, v));
  return Math.max(0, m2 + tr - 2 * trSqrt);
}

function sqrtPsd(c: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(c, d);
  const out = new Float64Array(d * d);
  for (let e = 0; e < d; e++) {
    const s = Math.sqrt(Math.max(0, values[e]));
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += s * vectors[i * d + e] * vectors[j * d + e];
  }
  return out;
}

function mul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    const v = a[i * d + k];
    for (let j = 0; j < d; j++) out[i * d + j] += v * b[k * d + j];
  }
  return out;
}
