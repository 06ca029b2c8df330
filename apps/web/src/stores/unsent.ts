/** Text an agent typed but has not sent, per conversation: survives a reload and a re-login. */
const key = (conversationId: number) => `hummdesk.unsent.${conversationId}`;

export const unsent = {
  get: (conversationId: number) => sessionStorage.getItem(key(conversationId)) ?? '',
  set(conversationId: number, text: string) {
    if (text) sessionStorage.setItem(key(conversationId), text);
    else sessionStorage.removeItem(key(conversationId));
  },
};
