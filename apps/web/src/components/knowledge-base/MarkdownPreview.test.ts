// @vitest-environment jsdom
/**
 * Articles are stored as written; what reaches the page must never run. In jsdom, which
 * DOMPurify supports (under happy-dom it lets everything through, so it would prove nothing).
 */
import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import MarkdownPreview from './MarkdownPreview.vue';

describe('the article preview', () => {
  it('renders Markdown, and drops scripts, event handlers, javascript: links and styles', () => {
    const source = [
      '# Refunds',
      '',
      'We refund **within 3 days**. [Policy](https://example.com/policy)',
      '',
      '<script>window.hacked = true</script>',
      '<img src="x" onerror="window.hacked = true">',
      '',
      'A [link](javascript:window.hacked=true) that runs code.',
      '',
      '<div style="position:fixed;inset:0">overlay</div>',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n');
    const html = mount(MarkdownPreview, { props: { source } }).html();
    expect(html).toContain('<h1>Refunds</h1>');
    expect(html).toContain('<strong>within 3 days</strong>');
    expect(html).toContain('href="https://example.com/policy"');
    expect(html).toContain('>link</a>');
    for (const hostile of ['<script', 'onerror', 'href="javascript:', 'style=', '<iframe']) expect(html).not.toContain(hostile);
    expect((window as unknown as { hacked?: boolean }).hacked).toBeUndefined();
  });

  it('opens links in a new tab, so following one never loses the edit', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    const wrapper = mount(MarkdownPreview, { props: { source: '[Policy](https://example.com/policy)' } });
    await wrapper.find('a').trigger('click');
    expect(open).toHaveBeenCalledWith('https://example.com/policy', '_blank', 'noopener,noreferrer');
  });

  it('says so when there is nothing to preview', () => {
    expect(mount(MarkdownPreview, { props: { source: '  \n ' } }).text()).toBe('Nothing to preview yet.');
  });
});
