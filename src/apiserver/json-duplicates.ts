/**
 * @module apiserver/json-duplicates — finds repeated keys in a JSON object text, which
 * `JSON.parse` silently collapses; `fieldValidation=Strict` rejects them and `Warn` reports them,
 * as upstream's strict decoder does (`duplicate field "data"`).
 */

interface Frame { readonly keys: Set<string> | null; readonly path: string; expectKey: boolean; lastKey: string; index: number }

/** duplicateFields returns the dotted paths of keys that occur twice in one object of `text`
 * (which must already be valid JSON), in order of their second occurrence. */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.keys) return top.path ? `${top.path}.${top.lastKey}` : top.lastKey;
    return `${top.path}[${top.index}]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), path: childPath(), expectKey: true, lastKey: '', index: 0 });
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: null, path: childPath(), expectKey: false, lastKey: '', index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    } else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) out.push(top.path ? `${top.path}.${key}` : key);
        else top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
    }
  }
  return out;
}
