/**
 * The `classes` filter of a DB spec: "0-4", "0,2,7-9" or class names ("cat,dog"). Names are kept as
 * strings and resolved against the source's class names when it is opened.
 */
export type ClassSelector = number | string;

export function parseClassList(text: string, where: string): ClassSelector[] {
  const out: ClassSelector[] = [];
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(token);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (hi < lo) throw new Error(`${where}: class range "${token}" is empty (expected low-high with low ≤ high)`);
      for (let c = lo; c <= hi; c++) out.push(c);
    } else if (/^\d+$/.test(token)) {
      out.push(Number(token));
    } else {
      out.push(token);
    }
  }
  if (out.length === 0) throw new Error(`${where}: empty class list (expected e.g. "0-4" or "cat,dog")`);
  return out;
}

/** Back to the compact text form, folding runs of consecutive integers into ranges. */
export function formatClassList(classes: readonly ClassSelector[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < classes.length) {
    const c = classes[i];
    if (typeof c === 'number') {
      let j = i;
      while (j + 1 < classes.length && classes[j + 1] === (classes[j] as number) + 1) j++;
      parts.push(j - i >= 2 ? `${c}-${classes[j] as number}` : classes.slice(i, j + 1).join(','));
      i = j + 1;
    } else {
      parts.push(c);
      i++;
    }
  }
  return parts.join(',');
}
