import type { backend_util } from '@tensorflow/tfjs-core';

/** Everything that fixes one 2-D convolution's shapes (NHWC activations, HWIO filter). */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  ho: number;
  wo: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    co: info.outChannels,
    ho: info.outHeight,
    wo: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/** Multiply-adds of the forward convolution; each gradient costs about the same. */
export function convMacs(g: ConvGeometry): number {
  return g.n * g.ho * g.wo * g.kh * g.kw * g.ci * g.co;
}

export function geometryKey(g: ConvGeometry): string {
  return [g.n, g.h, g.w, g.ci, g.co, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padBottom, g.padLeft, g.padRight].join(',');
}
