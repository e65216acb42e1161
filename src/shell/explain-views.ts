// The explain document in the format asked for: JSON (the document as data),
// HTML (explanation-html.ts) or text (the header, then the explanation).
import { renderHeader, renderJson, type ExplainDocument, type ExplainFormat } from './explain-document.js';
import { renderHtml } from './explanation-html.js';
import { renderExplanation } from './explanation-text.js';
import { renderTaskExplanation } from './task-text.js';

export function renderDocument(doc: ExplainDocument, format: ExplainFormat): string {
  if (format === 'json') return renderJson(doc);
  if (format === 'html') return renderHtml(doc);
  const body = doc.task === undefined ? renderExplanation(doc.explanation) : renderTaskExplanation(doc.task);
  return renderHeader(doc) + body;
}
