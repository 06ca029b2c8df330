import type { ChannelType } from './types';

export const CHANNELS: { label: string; value: ChannelType; icon: string }[] = [
  { label: 'API', value: 'api', icon: 'pi pi-code' },
  { label: 'Website widget', value: 'web_widget', icon: 'pi pi-comments' },
  { label: 'E-mail', value: 'email', icon: 'pi pi-envelope' },
];

export const channelOf = (value: string) => CHANNELS.find((channel) => channel.value === value) ?? { label: value, value, icon: 'pi pi-inbox' };
