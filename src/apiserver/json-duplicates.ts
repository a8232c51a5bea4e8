/**
 * @module apiserver/json-duplicates — finds repeated keys in a JSON object text, which
 * `JSON.parse` silently collapses; `fieldValidation=Strict` rejects them and `Warn` reports them,
 * as upstream's strict decoder does (`duplicate field "data"`). Every JSON write body passes
 * through here, so the scan allocates little: frames are reused by depth, a key is sliced (parsed
 * only when it has an escape), and a path is built only for a key found twice.
 */

/** Frame is one open object or array; `at` is where it sits in its parent (a key or an index). */
interface Frame {
  isObject: boolean;
  /** keys seen in this object (a Set takes over once there are many). */
  readonly keys: string[];
  set: Set<string> | undefined;
  expectKey: boolean;
  lastKey: string;
  index: number;
  at: string | number;
}

/** SMALL: up to this many keys an object's keys are searched in an array, beyond it in a Set. */
const SMALL = 16;

/** duplicateFields returns the dotted paths of keys that occur twice in one object of `text`
 * (which must already be valid JSON), in order of their second occurrence. */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  let depth = 0;
  const open = (isObject: boolean): void => {
    const parent = depth > 0 ? stack[depth - 1] : undefined;
    const at = parent === undefined ? '' : parent.isObject ? parent.lastKey : parent.index;
    let f = stack[depth];
    if (f === undefined) stack[depth] = f = { isObject, keys: [], set: undefined, expectKey: isObject, lastKey: '', index: 0, at };
    else {
      f.isObject = isObject; f.keys.length = 0; f.set = undefined; f.expectKey = isObject; f.lastKey = ''; f.index = 0; f.at = at;
    }
    depth++;
  };
  /** pathOf renders `key` in the object at stack[d] as `spec.containers[1].name`. */
  const pathOf = (d: number, key: string): string => {
    let p = '';
    for (let j = 1; j <= d; j++) {
      const at = stack[j].at;
      p = typeof at === 'number' ? `${p}[${at}]` : p ? `${p}.${at}` : at;
    }
    return p ? `${p}.${key}` : key;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) open(true);
    else if (c === 0x5b /* [ */) open(false);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
    else if (c === 0x2c /* , */) {
      const top = depth > 0 ? stack[depth - 1] : undefined;
      if (top?.isObject) top.expectKey = true;
      else if (top) top.index++;
    } else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) { i++; escaped = true; } else if (d === 0x22) break;
      }
      const top = depth > 0 ? stack[depth - 1] : undefined;
      if (top?.isObject && top.expectKey) {
        const key = escaped ? JSON.parse(text.slice(start, i + 1)) as string : text.slice(start + 1, i);
        if (top.set ? top.set.has(key) : top.keys.includes(key)) out.push(pathOf(depth - 1, key));
        else if (top.set) top.set.add(key);
        else {
          top.keys.push(key);
          if (top.keys.length > SMALL) top.set = new Set(top.keys);
        }
        top.lastKey = key;
        top.expectKey = false;
      }
    }
  }
  return out;
}
