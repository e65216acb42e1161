import type { ExplainDocument } from './explain-document.js';
export function renderHtml(doc: ExplainDocument): string {
  return JSON.stringify(doc);
}
