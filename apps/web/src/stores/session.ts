/**
 * Who is signed in, to which account: the token lives in localStorage so a reload keeps the
 * session. When it expires, the app goes back to sign-in and returns to where the agent was;
 * what they were typing is kept by the composer (see stores/unsent.ts).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, unwrap, useToken, type Me } from '../api/client';

const STORAGE_KEY = 'hummdesk.token';

export const useSession = defineStore('session', () => {
  const token = ref<string | null>(localStorage.getItem(STORAGE_KEY));
  const me = ref<Me | null>(null);
  const expired = ref(false);
  useToken(token.value);

  const signedIn = computed(() => token.value !== null);
  const isAdmin = computed(() => me.value?.account.role === 'administrator');

  function start(newToken: string) {
    token.value = newToken;
    expired.value = false;
    localStorage.setItem(STORAGE_KEY, newToken);
    useToken(newToken);
  }

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

  return {
    token,
    me,
    expired,
    signedIn,
    isAdmin,
    async login(email: string, password: string) {
      const answer = await unwrap(api.POST('/api/auth/login', { body: { email, password } }));
      start(answer.token);
      return load();
    },
    async register(body: { accountName: string; name: string; email: string; password: string }) {
      const answer = await unwrap(api.POST('/api/auth/register', { body }));
      start(answer.token);
      return load();
    },
    async switchAccount(accountId: number) {
      const answer = await unwrap(api.POST('/api/auth/switch-account', { body: { accountId } }));
      start(answer.token);
      return load();
    },
    load,
    logout: end,
    /** The server refused the token: sign in again. */
    expire() {
      if (!token.value) return;
      end();
      expired.value = true;
    },
  };
});
