import { describe, expect, it } from 'vitest';
import { passwordWeakness } from './password-policy.js';

describe('password policy (NIST SP 800-63B)', () => {
  it('refuses the passwords the attack run used, and short ones', () => {
    expect(passwordWeakness('12345678')).toMatch(/at least 10/);
    expect(passwordWeakness('password')).toMatch(/at least 10/);
    expect(passwordWeakness('        ')).toMatch(/at least 10/);
    expect(passwordWeakness('          ')).toMatch(/repeated/);
    expect(passwordWeakness('aaaaaaaaaaaa')).toMatch(/repeated/);
  });

  it('refuses common passwords of 10 characters and more, in any case', () => {
    expect(passwordWeakness('1234567890')).toMatch(/most common/);
    expect(passwordWeakness('qwertyuiop')).toMatch(/most common/);
    expect(passwordWeakness('Password123')).toMatch(/most common/);
  });

  it("refuses the person's own e-mail or name", () => {
    expect(passwordWeakness('maria.lopez@shop.example', { email: 'Maria.Lopez@shop.example' })).toMatch(/e-mail or name/);
    expect(passwordWeakness('maria.lopez', { email: 'maria.lopez@shop.example' })).toMatch(/e-mail or name/);
    expect(passwordWeakness('Maria Lopez!', { name: 'maria lopez!' })).toMatch(/e-mail or name/);
  });

  it('accepts long passphrases without composition rules, counting characters not bytes', () => {
    expect(passwordWeakness('correct horse battery')).toBeUndefined();
    expect(passwordWeakness('tämä on salasana')).toBeUndefined();
    expect(passwordWeakness('🐝🐝🐝🐝🐝🐝🐝🐝🐝🐙')).toBeUndefined();
  });
});
