import { describe, expect, it } from 'vitest';
import { decodeXmlEntities, parseVocAnnotation, parseXml, XmlSyntaxError } from './voc-xml.js';

const VOC = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE annotation>
<!-- written by a labelling tool -->
<annotation verified="yes">
  <folder>svkpi</folder>
  <filename>000123.jpg</filename>
  <path>/data/svkpi/JPEGImages/000123.jpg</path>
  <source><database>Unknown</database></source>
  <size><width>1920</width><height>1080</height><depth>3</depth></size>
  <segmented>0</segmented>
  <weather> light
     rain </weather>
  <time_zone>night</time_zone>
  <road><![CDATA[city & highway]]></road>
  <note></note>
  <weather>snow</weather>
  <object>
    <name>car</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox><xmin>10</xmin><ymin>20</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>
  </object>
  <object>
    <name>person</name>
    <part><name>head</name><bndbox/></part>
  </object>
  <object><name>car</name></object>
  <object><name>traffic&#32;light &amp; pole</name></object>
</annotation>
`;

describe('VOC annotation reader', () => {
  it('takes object names (one per instance, not parts) and the root scalar fields, not the folder, file name, path or nested blocks', () => {
    const a = parseVocAnnotation(VOC);
    expect(a.objects).toEqual(['car', 'person', 'car', 'traffic light & pole']);
    expect(a.meta).toEqual({ segmented: '0', weather: 'light rain', time_zone: 'night', road: 'city & highway' });
  });

  it('reads elements, attributes with ">" in quotes, self-closing tags, text and lines', () => {
    const root = parseXml('<a x="1>2" y=\'q\'>\n  <b/>\n  <c k="v">t&lt;u&#x41;&nbsp;&</c>\n</a>');
    expect(root.name).toBe('a');
    expect(root.children.map((c) => [c.name, c.text, c.line])).toEqual([
      ['b', '', 2],
      ['c', 't<uA&nbsp;&', 3],
    ]);
    expect(decodeXmlEntities('&quot;&apos;&#169;&#xD55C;&bogus;')).toBe('"\'©한&bogus;');
  });

  it('accepts a byte-order mark and an annotation without objects', () => {
    expect(parseVocAnnotation('\ufeff<annotation><weather>sunny</weather></annotation>')).toEqual({ objects: [], meta: { weather: 'sunny' } });
  });

  it('reports what cannot be a tree with its line', () => {
    const cases: [string, number, RegExp][] = [
      ['<annotation>\n<object>\n<name>car</name>\n</annotation>', 4, /<\/annotation> does not match <object> \(line 2\)/],
      ['<annotation>\n<weather>rain</weather>\n', 3, /ends inside <annotation> \(opened on line 1\)/],
      ['', 1, /no element/],
      ['not xml at all', 1, /text before the root element/],
      ['<a></a>\n<b></b>', 2, /a second root element <b>/],
      ['<annotation>\n<object><pose>x</pose></object>\n</annotation>', 2, /<object> without a <name>/],
      ['<a>\n<b x="1"\n', 2, /start tag <b not closed/],
      ['<a><!-- open', 1, /comment not closed/],
    ];
    for (const [text, line, message] of cases) {
      let err: unknown;
      try {
        parseVocAnnotation(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(XmlSyntaxError);
      expect((err as XmlSyntaxError).line, text).toBe(line);
      expect((err as Error).message, text).toMatch(message);
    }
  });
});
