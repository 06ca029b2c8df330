import { createRouter, createWebHistory } from 'vue-router';
import { useSession } from './stores/session';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/accept-invitation', name: 'accept-invitation', component: () => import('./views/AcceptInvitationView.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./views/AppShell.vue'),
      children: [
        { path: '', redirect: { name: 'inbox' } },
        {
          path: 'conversations/:id(\\d+)?',
          name: 'inbox',
          component: () => import('./views/InboxView.vue'),
          props: (route) => ({ id: route.params.id ? Number(route.params.id) : null }),
        },
        { path: 'knowledge-base', name: 'knowledge-base', component: () => import('./views/KnowledgeBaseView.vue') },
        { path: 'reports', name: 'reports', component: () => import('./views/ReportsView.vue') },
        { path: 'settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
      ],
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { public: true } },
  ],
});

router.beforeEach(async (to) => {
  const session = useSession();
  if (to.meta.public) return true;
  if (!session.signedIn) return { name: 'login', query: { next: to.fullPath } };
  if (!session.me) {
    try {
      await session.load();
    } catch {
      return { name: 'login', query: { next: to.fullPath } };
    }
  }
  return true;
});
