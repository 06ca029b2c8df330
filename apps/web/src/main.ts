import Aura from '@primeuix/themes/aura';
import { createPinia } from 'pinia';
import PrimeVue from 'primevue/config';
import ToastService from 'primevue/toastservice';
import 'primeicons/primeicons.css';
import { createApp, watch } from 'vue';
import App from './App.vue';
import { whenUnauthorized } from './api/client';
import { router } from './router';
import { useSession } from './stores/session';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
app.use(PrimeVue, { theme: { preset: Aura, options: { darkModeSelector: false } } });
app.use(ToastService);
app.use(router);

// A session that expired or was ended elsewhere (a 401, or the realtime notice) goes back to
// sign-in, and returns to the same page afterwards; public pages (an invitation) stay.
const session = useSession();
whenUnauthorized((code) => session.expire(code === 'session_ended' ? 'ended' : 'expired'));
watch(
  () => session.ended,
  (reason) => {
    const here = router.currentRoute.value;
    if (reason && !here.meta.public) void router.push({ name: 'login', query: { next: here.fullPath } });
  },
);

app.mount('#app');
