/** The snippet an inbox's settings show, with more `data-` attributes if given (`{identifier, 'identifier-hash'}`). */
export function widgetSnippet(base: string, inboxIdentifier: string, attributes?: Record<string, string>): string;
/** Serves the pretend company's page with `snippet` in place of its placeholder, on 127.0.0.1 (`port` 0: any free one). */
export function serveHostPage(snippet: string, port?: number): Promise<{ origin: string; close(): Promise<void> }>;
