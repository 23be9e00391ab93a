/**
 * A small, tolerant XML reader for Pascal-VOC annotation files (and the driving datasets that copy
 * their layout): elements, text, CDATA, comments, processing instructions, a DOCTYPE, attributes
 * (read and ignored) and the five named entities plus numeric character references. No namespaces,
 * no DTD. Unknown entities and a bare `&` are kept as written (hand-made files have them); what
 * cannot be read as a tree (an unclosed or mismatched tag, text outside the root) is an
 * {@link XmlSyntaxError} with the line.
 */

/** One element: its name, child elements, and its own text (text children joined, not trimmed). */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
  /** 1-based line of the start tag. */
  readonly line: number;
}

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** `&amp;`, `&#38;`, `&#x26;` → `&`; anything else between `&` and `;` is left as written. */
export function decodeXmlEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]+);/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

/** Parses a document and returns its root element. */
export function parseXml(text: string): XmlElement {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = src.length;
  let pos = 0;
  let line = 1;
  /** Advance to `to`, counting the newlines passed. */
  const advance = (to: number) => {
    for (let i = pos; i < to; i++) if (src.charCodeAt(i) === 10) line++;
    pos = to;
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const addText = (t: string, where: number) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
    else if (t.trim() !== '') throw new XmlSyntaxError(where, root ? 'text after the root element' : 'text before the root element');
  };

  while (pos < n) {
    const lt = src.indexOf('<', pos);
    if (lt < 0) {
      const startLine = line;
      const rest = src.slice(pos);
      advance(n);
      addText(decodeXmlEntities(rest), startLine);
      break;
    }
    if (lt > pos) {
      const startLine = line;
      const t = src.slice(pos, lt);
      advance(lt);
      addText(decodeXmlEntities(t), startLine);
    }
    const startLine = line;
    if (src.startsWith('<!--', pos)) {
      const end = src.indexOf('-->', pos + 4);
      if (end < 0) throw new XmlSyntaxError(startLine, 'comment not closed (no "-->")');
      advance(end + 3);
    } else if (src.startsWith('<![CDATA[', pos)) {
      const end = src.indexOf(']]>', pos + 9);
      if (end < 0) throw new XmlSyntaxError(startLine, 'CDATA section not closed (no "]]>")');
      const t = src.slice(pos + 9, end);
      advance(end + 3);
      addText(t, startLine);
    } else if (src.startsWith('<?', pos)) {
      const end = src.indexOf('?>', pos + 2);
      if (end < 0) throw new XmlSyntaxError(startLine, 'processing instruction not closed (no "?>")');
      advance(end + 2);
    } else if (src.startsWith('<!', pos)) {
      // DOCTYPE (possibly with an internal subset in brackets).
      let i = pos + 2;
      let depth = 0;
      for (; i < n; i++) {
        const c = src[i];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      if (i >= n) throw new XmlSyntaxError(startLine, 'declaration "<!" not closed');
      advance(i + 1);
    } else if (src[pos + 1] === '/') {
      const end = src.indexOf('>', pos + 2);
      if (end < 0) throw new XmlSyntaxError(startLine, 'end tag not closed (no ">")');
      const name = src.slice(pos + 2, end).trim();
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError(startLine, `end tag </${name}> without a start tag`);
      if (top.name !== name) throw new XmlSyntaxError(startLine, `end tag </${name}> does not match <${top.name}> (line ${top.line})`);
      stack.pop();
      advance(end + 1);
    } else {
      // Start tag: name, attributes (quoted values may hold ">"), then ">" or "/>".
      let i = pos + 1;
      const nameMatch = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(src.slice(i, i + 256));
      if (!nameMatch) throw new XmlSyntaxError(startLine, `"<" not followed by a tag name`);
      const name = nameMatch[0];
      i += name.length;
      let quote = '';
      for (; i < n; i++) {
        const c = src[i];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>' || c === '<') break;
      }
      if (i >= n || src[i] === '<') throw new XmlSyntaxError(startLine, `start tag <${name} not closed (no ">")`);
      const selfClosing = src[i - 1] === '/';
      if (root && stack.length === 0) throw new XmlSyntaxError(startLine, `a second root element <${name}> after </${root.name}>`);
      const el: XmlElement = { name, children: [], text: '', line: startLine };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      if (!selfClosing) stack.push(el);
      advance(i + 1);
    }
  }
  if (stack.length > 0) {
    const top = stack[stack.length - 1];
    throw new XmlSyntaxError(line, `the file ends inside <${top.name}> (opened on line ${top.line})`);
  }
  if (!root) throw new XmlSyntaxError(line, 'no element (an empty or non-XML file)');
  return root;
}

/** What a VOC annotation says about its image. */
export interface VocAnnotation {
  /** `<object><name>` of every object, in file order (a class appears once per instance). */
  objects: string[];
  /**
   * The annotation's scalar fields: direct children of the root that hold text and no elements
   * (`<weather>rain</weather>`, `<time_zone>day</time_zone>`, `<segmented>0</segmented>`), except
   * `folder`, `filename` and `path`, which say where the file is, not what the image shows. Whitespace is collapsed; empty fields are left out;
   * a repeated field keeps its first value.
   */
  meta: Record<string, string>;
}

/** Fields that locate the file rather than describe the image (and the objects, read apart). */
const NOT_METADATA = new Set(['folder', 'filename', 'path', 'object']);

/** Parses an annotation file's text (throws {@link XmlSyntaxError}). */
export function parseVocAnnotation(text: string): VocAnnotation {
  const root = parseXml(text);
  const objects: string[] = [];
  const meta: Record<string, string> = {};
  for (const child of root.children) {
    if (child.name === 'object') {
      const nameEl = child.children.find((c) => c.name === 'name');
      const name = nameEl ? clean(nameEl.text) : '';
      if (name === '') throw new XmlSyntaxError(child.line, '<object> without a <name>');
      objects.push(name);
    } else if (!NOT_METADATA.has(child.name) && child.children.length === 0 && !(child.name in meta)) {
      const v = clean(child.text);
      if (v !== '') meta[child.name] = v;
    }
  }
  return { objects, meta };
}

function clean(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
