import Aura from '@primeuix/themes/aura';
import { createPinia } from 'pinia';
import PrimeVue from 'primevue/config';
import ToastService from 'primevue/toastservice';
import 'primeicons/primeicons.css';
import { createApp } from 'vue';
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

// An expired session goes back to sign-in, and returns to the same page afterwards.
const session = useSession();
whenUnauthorized(() => {
  session.expire();
  const here = router.currentRoute.value;
  if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath } });
});

app.mount('#app');
