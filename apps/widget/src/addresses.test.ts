import { describe, expect, it } from 'vitest';
import { serverUrl, socketAddress } from './addresses.js';

describe('addresses on the HummDesk server', () => {
  it('connects the live line to the /contacts namespace, with the base path in the engine path', () => {
    expect(socketAddress('https://help.example.com', '/contacts')).toEqual({ uri: 'https://help.example.com/contacts', path: '/socket.io' });
    expect(socketAddress('https://shop.example.com/support', '/contacts')).toEqual({
      uri: 'https://shop.example.com/contacts',
      path: '/support/socket.io',
    });
    expect(socketAddress('http://localhost:5000/a/b', '/contacts')).toEqual({ uri: 'http://localhost:5000/contacts', path: '/a/b/socket.io' });
  });

  it("puts the server's paths under the base, path included", () => {
    const link = '/api/attachments/7?account=1&expires=1796540400&signature=abc';
    expect(serverUrl('https://help.example.com', link)).toBe(`https://help.example.com${link}`);
    expect(serverUrl('https://shop.example.com/support', link)).toBe(`https://shop.example.com/support${link}`);
  });
});
