import { renderBadgeSvg } from './badge-svg.js';

describe('badge SVG', () => {
  it('is a flat shields-style badge whose width grows with its text, all text escaped', () => {
    const short = renderBadgeSvg({ label: 'api', message: 'up', color: 'brightgreen' });
    const long = renderBadgeSvg({ label: 'a much longer monitor name', message: '99.95%', color: 'yellow' });
    const width = (svg: string) => Number(/^<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    expect(width(long)).toBeGreaterThan(width(short) + 100);
    expect(short).toContain('fill="#4c1"');
    expect(long).toContain('fill="#dfb317"');
    const hostile = renderBadgeSvg({ label: '<script>x</script>', message: '"&\'', color: 'red' });
    expect(hostile).not.toContain('<script');
    expect(hostile).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(hostile).toContain('&quot;&amp;&#39;');
  });
});
