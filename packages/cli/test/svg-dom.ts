/** A tiny XML reader for the charts' tests: checks that tags balance and collects elements with their attributes. */
export interface SvgElement {
  name: string;
  attrs: Record<string, string>;
  /** Direct text content (entities left as written). */
  text: string;
  children: SvgElement[];
}

/** Parses one XML fragment with a single root; throws on an unbalanced or mismatched tag. */
export function parseSvg(xml: string): SvgElement {
  const root: SvgElement = { name: '#root', attrs: {}, text: '', children: [] };
  const stack = [root];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(xml))) {
    if (m.index !== consumed) throw new Error(`unreadable markup at ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
    consumed = re.lastIndex;
    if (m[5] !== undefined) {
      stack[stack.length - 1].text += m[5];
      continue;
    }
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    const el: SvgElement = { name, attrs, text: '', children: [] };
    stack[stack.length - 1].children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (consumed !== xml.length) throw new Error(`unreadable markup at ${consumed}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0];
}

/** Every element under `el` (itself included) for which `pred` holds. */
export function findAll(el: SvgElement, pred: (e: SvgElement) => boolean): SvgElement[] {
  const out: SvgElement[] = [];
  const walk = (e: SvgElement) => {
    if (pred(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

export const byClass = (cls: string) => (e: SvgElement) => (e.attrs.class ?? '').split(/\s+/).includes(cls);

/**
 * What every chart must be: one `<svg class="chart" data-chart=kind>` with a positive size and
 * viewBox, a `<title>`, well-formed, and no NaN, Infinity or "undefined" anywhere in it.
 */
export function checkChart(svg: string, kind: string): SvgElement {
  const root = parseSvg(svg);
  if (root.name !== 'svg') throw new Error(`root is <${root.name}>`);
  if (root.attrs.class !== 'chart' || root.attrs['data-chart'] !== kind) throw new Error(`class/data-chart: ${root.attrs.class}/${root.attrs['data-chart']}`);
  if (!(Number(root.attrs.width) > 0 && Number(root.attrs.height) > 0)) throw new Error(`size ${root.attrs.width}×${root.attrs.height}`);
  if (root.attrs.viewBox !== `0 0 ${root.attrs.width} ${root.attrs.height}`) throw new Error(`viewBox ${root.attrs.viewBox}`);
  if (!root.children.some((c) => c.name === 'title' && c.text.length > 0)) throw new Error('no <title>');
  if (/NaN|Infinity|undefined/.test(svg)) throw new Error(`NaN/Infinity/undefined in ${svg.match(/.{0,40}(NaN|Infinity|undefined).{0,40}/)?.[0]}`);
  return root;
}
