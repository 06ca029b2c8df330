/** The widget's icons (24px, stroked in the current colour), as constant markup. */
const svg = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const CHAT = svg(
  '<path d="M21 12a8.5 8.5 0 0 1-12.4 7.6L3 21l1.4-5.2A8.5 8.5 0 1 1 21 12z"/><path d="M8.5 12h.01M12 12h.01M15.5 12h.01" stroke-width="2.6"/>',
);
export const CHEVRON_DOWN = svg('<path d="m6 9 6 6 6-6"/>');
export const SEND = svg('<path d="M5 12h13M13 6l6 6-6 6"/>');
export const CLIP = svg('<path d="m21 11-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6L16 7.6"/>');
export const CROSS = svg('<path d="M6 6l12 12M18 6 6 18"/>');
export const FILE = svg('<path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z"/><path d="M14 3v5h5M9 13h6M9 17h4"/>');
export const OFF = svg('<circle cx="12" cy="12" r="9"/><path d="M12 7v6M12 16.5h.01"/>');
