/**
 * The widget's look, inside its Shadow DOM: the host page's styles do not reach in (`all:
 * initial` stops inheritance at the host) and these do not leak out. The inbox's colour is
 * `--accent`; the text on it is white or near-black, whichever reads better.
 */
const DEFAULT_ACCENT = '#1f6feb';

/** The inbox's colour when it is a plain hex colour (it lands in a style sheet), else HummDesk's. */
export function accentOf(color: string | null | undefined): string {
  return color && /^#[0-9a-f]{6}$/i.test(color) ? color : DEFAULT_ACCENT;
}

/** White or near-black, by the WCAG contrast of each against the colour. */
export function textOn(accent: string): string {
  const channel = (offset: number) => {
    const value = parseInt(accent.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#0f172a';
}

export const STYLES = `
:host { all: initial; }
.root {
  --accent: ${DEFAULT_ACCENT};
  --on-accent: #ffffff;
  --ring: color-mix(in srgb, var(--accent) 70%, #0f172a);
  --ink: #0f172a;
  --muted: #64748b;
  --line: #e2e8f0;
  --canvas: #f8fafc;
  font: 15px/1.45 Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: var(--ink);
  -webkit-font-smoothing: antialiased;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, textarea { font: inherit; color: inherit; }
button { cursor: pointer; border: 0; background: none; padding: 0; }
/* The accent darkened: a light inbox colour still gives a ring that shows on white. */
:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
.icon { display: inline-flex; }
.icon svg { width: 100%; height: 100%; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.bubble {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%;
  display: grid; place-items: center;
  background: var(--accent); color: var(--on-accent);
  box-shadow: 0 10px 28px rgb(15 23 42 / 24%), 0 2px 6px rgb(15 23 42 / 12%);
  transition: transform 160ms ease, box-shadow 160ms ease;
}
.bubble:hover { transform: translateY(-2px) scale(1.04); box-shadow: 0 14px 32px rgb(15 23 42 / 28%); }
.bubble .icon { width: 28px; height: 28px; transition: transform 200ms ease, opacity 200ms ease; }
.bubble .when-open { position: absolute; opacity: 0; transform: rotate(-90deg); }
.bubble[aria-expanded='true'] .when-closed { opacity: 0; transform: rotate(90deg); }
.bubble[aria-expanded='true'] .when-open { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; border: 2px solid #fff; background: #e11d48; color: #fff;
  font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
}

.panel {
  position: fixed; right: 20px; bottom: 96px; z-index: 2147483000;
  width: 380px; height: min(640px, calc(100vh - 120px));
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 20px;
  box-shadow: 0 24px 64px rgb(15 23 42 / 22%), 0 4px 14px rgb(15 23 42 / 10%);
  transform-origin: bottom right; animation: open 180ms ease-out;
}
@keyframes open { from { opacity: 0; transform: translateY(12px) scale(0.97); } }

header {
  display: flex; gap: 12px; align-items: flex-start; padding: 20px 16px 18px 20px;
  background: linear-gradient(135deg, var(--accent), color-mix(in srgb, var(--accent) 78%, #000));
  color: var(--on-accent);
}
.avatar {
  flex: none; width: 42px; height: 42px; border-radius: 50%;
  display: grid; place-items: center; font-weight: 700; font-size: 18px;
  background: color-mix(in srgb, var(--on-accent) 18%, transparent);
}
.heading { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 17px; font-weight: 650; letter-spacing: -0.01em; }
.greeting { margin: 4px 0 0; font-size: 14px; opacity: 0.9; white-space: pre-wrap; }
.close { flex: none; width: 34px; height: 34px; border-radius: 10px; display: grid; place-items: center; color: inherit; }
.close:hover { background: color-mix(in srgb, var(--on-accent) 16%, transparent); }
.close .icon { width: 20px; height: 20px; }

.body { flex: 1; overflow-y: auto; padding: 18px 16px 8px; background: var(--canvas); }
.messages { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 12px; }
.message { display: flex; align-items: flex-end; gap: 8px; max-width: 88%; }
.message.mine { align-self: flex-end; max-width: 82%; }
.message.pending { opacity: 0.6; }
.stack { display: flex; flex-direction: column; align-items: flex-start; min-width: 0; }
.mine .stack { align-items: flex-end; }
.initials {
  flex: none; width: 28px; height: 28px; margin-bottom: 19px; border-radius: 50%;
  display: grid; place-items: center; font-size: 11px; font-weight: 700;
  background: color-mix(in srgb, var(--accent) 14%, #fff); color: color-mix(in srgb, var(--accent) 80%, #000);
}
.sender { font-size: 12px; font-weight: 600; color: var(--muted); margin: 0 0 3px 4px; }
.text {
  padding: 10px 14px; border-radius: 18px 18px 18px 6px; background: #fff; border: 1px solid var(--line);
  white-space: pre-wrap; overflow-wrap: anywhere;
}
.mine .text { background: var(--accent); color: var(--on-accent); border-color: transparent; border-radius: 18px 18px 6px 18px; }
.text a { color: inherit; text-decoration: underline; }
.time { font-size: 11px; color: #94a3b8; margin: 3px 6px 0; }
.files { display: flex; flex-direction: column; gap: 6px; margin-top: 4px; align-items: inherit; }
.files img { display: block; max-width: 100%; max-height: 220px; border-radius: 14px; border: 1px solid var(--line); background: #fff; }
.file {
  display: flex; align-items: center; gap: 8px; padding: 9px 12px; border-radius: 12px;
  background: #fff; border: 1px solid var(--line); color: var(--ink); text-decoration: none; font-size: 14px;
}
.file .icon { width: 20px; height: 20px; color: #dc2626; }
.file small { color: var(--muted); }
.divider { align-self: center; max-width: 90%; text-align: center; font-size: 12px; color: var(--muted); }
.divider { padding: 6px 12px; border-radius: 999px; background: #eef2f6; }

.typing { display: flex; align-items: center; gap: 8px; margin: 12px 0 4px 36px; font-size: 12px; color: var(--muted); }
.dots { display: inline-flex; gap: 4px; padding: 10px 12px; border-radius: 16px; background: #fff; border: 1px solid var(--line); }
.dots span { width: 6px; height: 6px; border-radius: 50%; background: #94a3b8; animation: blink 1.2s infinite ease-in-out; }
.dots span:nth-child(2) { animation-delay: 0.15s; }
.dots span:nth-child(3) { animation-delay: 0.3s; }
@keyframes blink { 0%, 80%, 100% { opacity: 0.3; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-3px); } }

.card { margin-top: 14px; padding: 16px; border-radius: 16px; background: #fff; border: 1px solid var(--line); display: flex; flex-direction: column; gap: 10px; }
.card p { margin: 0; color: var(--muted); font-size: 14px; }
label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; font-weight: 600; color: #334155; }
.card input, .card textarea {
  padding: 9px 12px; border: 1px solid #cbd5e1; border-radius: 10px; background: #fff; font-weight: 400; font-size: 15px;
}
.card textarea { resize: vertical; min-height: 70px; }
.card input:focus, .card textarea:focus { outline: 2px solid color-mix(in srgb, var(--ring) 45%, transparent); border-color: var(--ring); }
.primary { padding: 11px 16px; border-radius: 12px; background: var(--accent); color: var(--on-accent); font-weight: 650; }
.primary:disabled { opacity: 0.6; cursor: default; }

.state { height: 100%; display: grid; place-content: center; justify-items: center; gap: 12px; padding: 24px; text-align: center; color: var(--muted); }
.state .icon { width: 40px; height: 40px; color: #94a3b8; }

.notice { padding: 9px 16px; background: #fff1f2; color: #9f1239; font-size: 13px; border-top: 1px solid #fecdd3; }

.composer { border-top: 1px solid var(--line); background: #fff; padding: 10px 12px 6px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 2px 8px; }
.chip { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; padding: 4px 6px 4px 10px; border-radius: 999px; background: #f1f5f9; font-size: 13px; }
.chip span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chip button { width: 20px; height: 20px; border-radius: 50%; display: grid; place-items: center; color: var(--muted); }
.chip button:hover { background: #e2e8f0; }
.chip .icon { width: 12px; height: 12px; }
.row { display: flex; align-items: flex-end; gap: 6px; }
.row textarea {
  flex: 1; min-height: 40px; max-height: 120px; padding: 9px 4px; border: 0; outline: 0; resize: none; background: transparent; font-size: 15px;
}
.tool { flex: none; width: 40px; height: 40px; border-radius: 12px; display: grid; place-items: center; color: var(--muted); }
.tool:hover { background: #f1f5f9; color: var(--ink); }
.tool .icon { width: 21px; height: 21px; }
.send { background: var(--accent); color: var(--on-accent); border-radius: 50%; }
.send:hover { background: var(--accent); color: var(--on-accent); filter: brightness(1.08); }
.send:disabled { opacity: 0.4; cursor: default; filter: none; }
.brand { margin: 4px 0 0; text-align: center; font-size: 11px; color: #94a3b8; }
.brand b { font-weight: 650; color: var(--muted); }

@media (max-width: 480px) {
  .panel { inset: 0; width: auto; height: auto; border-radius: 0; }
  .bubble[aria-expanded='true'] { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;
