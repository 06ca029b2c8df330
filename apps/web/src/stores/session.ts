/**
 * Who is signed in, to which account: the token lives in localStorage so a reload keeps the
 * session. When it expires or is ended elsewhere, the app goes back to sign-in, says why, and
 * returns to where the agent was; what they were typing is kept by the composer (see stores/unsent.ts).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AccessChangeReason } from '../../../server/src/realtime/access-changes';
import { api, unwrap, useToken, type Me } from '../api/client';

const STORAGE_KEY = 'hummdesk.token';

/**
 * Why the session ended without the person signing out here: a 401 tells `expired` from `ended`
 * (elsewhere, for a reason the answer does not give); the server's realtime notice names the reason.
 */
export type SessionEnd = 'expired' | 'ended' | Exclude<AccessChangeReason, 'role_changed'>;

export const useSession = defineStore('session', () => {
  const token = ref<string | null>(localStorage.getItem(STORAGE_KEY));
  const me = ref<Me | null>(null);
  const ended = ref<SessionEnd | null>(null);
  useToken(token.value);

  const signedIn = computed(() => token.value !== null);
  const isAdmin = computed(() => me.value?.account.role === 'administrator');

  function end() {
    token.value = null;
    me.value = null;
    localStorage.removeItem(STORAGE_KEY);
    useToken(null);
  }

  async function load() {
    me.value = await unwrap(api.GET('/api/auth/me'));
    return me.value;
  }

  /** Keeps the token of a new session (sign-in, new account, switch, accepted invitation) and loads whose it is. */
  async function begin(answer: Promise<{ token: string }>) {
    const { token: newToken } = await answer;
    token.value = newToken;
    ended.value = null;
    localStorage.setItem(STORAGE_KEY, newToken);
    useToken(newToken);
    return load();
  }

  return {
    token,
    me,
    ended,
    signedIn,
    isAdmin,
    login: (email: string, password: string) => begin(unwrap(api.POST('/api/auth/login', { body: { email, password } }))),
    register: (body: { accountName: string; name: string; email: string; password: string }) => begin(unwrap(api.POST('/api/auth/register', { body }))),
    switchAccount: (accountId: number) => begin(unwrap(api.POST('/api/auth/switch-account', { body: { accountId } }))),
    /** Signed in, the invitation is accepted by the signed-in person (the token goes along); otherwise with a password. */
    acceptInvitation: (body: { token: string; password?: string; name?: string }) => begin(unwrap(api.POST('/api/auth/accept-invitation', { body }))),
    load,
    /**
     * Dropped here first, then ended on the server with its token (a failure is ignored: the token
     * expires anyway), so the server's realtime notice of this very sign-out finds nothing to end.
     */
    async logout() {
      const ending = token.value;
      end();
      if (ending) await api.POST('/api/auth/logout', { headers: { authorization: `Bearer ${ending}` } }).catch(() => undefined);
    },
    /** The server refused the token, or ended the session: sign in again. */
    expire(reason: SessionEnd = 'expired') {
      if (!token.value) return;
      end();
      ended.value = reason;
    },
  };
});
