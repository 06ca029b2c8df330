// @vitest-environment jsdom
/** A message's words come from customers: a search snippet shows them as text, whatever they hold. */
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import MessageSnippet from './MessageSnippet.vue';

describe('a search snippet', () => {
  it('marks the matched words and shows markup in the text as text', () => {
    const parts = [
      { text: 'My ', highlight: false },
      { text: 'order', highlight: true },
      { text: ' <img src=x onerror="window.hacked=true"> <script>window.hacked=true</script> & ', highlight: false },
      { text: '<b>Rechnung</b>', highlight: true },
    ];
    const wrapper = mount(MessageSnippet, { props: { parts }, attachTo: document.body });
    expect(wrapper.findAll('mark').map((mark) => mark.text())).toEqual(['order', '<b>Rechnung</b>']);
    expect(wrapper.text()).toBe(
      parts
        .map((part) => part.text)
        .join('')
        .trim(),
    );
    expect(wrapper.find('img').exists()).toBe(false);
    expect(wrapper.find('script').exists()).toBe(false);
    expect(wrapper.find('b').exists()).toBe(false);
    expect((window as unknown as { hacked?: boolean }).hacked).toBeUndefined();
    wrapper.unmount();
  });
});
