// The `code` of an error (a driver's, the server's SQLSTATE, Node's system and
// TLS codes), or '' when it has none: the one reader, imported by every module
// that classifies errors (no imports, so none of them forms a cycle through it).
export const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};
