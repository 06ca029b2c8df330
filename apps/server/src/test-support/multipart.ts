/** multipart/form-data bodies as a browser builds them (FormData), for `app.inject` and fetch. */

export interface FormFile {
  fileName: string;
  bytes: Uint8Array | string;
  /** The type the sender claims (the server reads the bytes instead). */
  type?: string;
  /** The form field (default `attachments`). */
  field?: string;
}

export async function formBody(fields: Record<string, string>, files: FormFile[] = []): Promise<{ payload: Buffer; headers: { 'content-type': string } }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) {
    const bytes = typeof file.bytes === 'string' ? Buffer.from(file.bytes) : file.bytes;
    form.append(file.field ?? 'attachments', new Blob([bytes], { type: file.type ?? 'application/octet-stream' }), file.fileName);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type')! } };
}

/** Small real files of common types, made in code. */
export const samples = {
  /** A 2×2 PNG. */
  png: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGPwd3sKRAwQCgAnDgXpGMvyuAAAAABJRU5ErkJggg==', 'base64'),
  gif: Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  html: Buffer.from('<!DOCTYPE html><html><body><script>fetch("/api/account").then(r => r.text()).then(alert)</script></body></html>'),
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><circle r="4"/></svg>'),
  xmlSvg: Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
};
