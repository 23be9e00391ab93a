import { backend_util, type Conv2DAttrs } from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

/** The attributes every Conv2D-family kernel carries (dilations only on the forward op). */
export type ConvAttrs = Pick<Conv2DAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'> & {
  dilations?: Conv2DAttrs['dilations'];
};

/** tfjs's geometry of a convolution from its input shape, filter shape and attributes. */
export function convInfo(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

/** convInfo for the gradient kernels, which only exist for NHWC here. */
export function nhwcConvInfo(kernel: string, xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): backend_util.Conv2DInfo {
  const info = convInfo(xShape, filterShape, attrs);
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel}: dataFormat '${attrs.dataFormat}' unsupported, use NHWC`);
  }
  return info;
}
